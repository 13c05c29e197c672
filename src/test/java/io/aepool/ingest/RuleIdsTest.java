package io.aepool.ingest;

import org.junit.jupiter.api.Test;

import static org.apache.spark.sql.functions.lit;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Rule ids are declared, say what they check, and are the only ones the conf may name (issue 16). */
class RuleIdsTest {

    @Test
    void anIdIsDeclaredNotDerivedFromTheMessage() {
        Rule rule = new Rule(RuleIds.N_POSITIVE, "n", "n must be > 0", lit(false));
        assertEquals("n.positive", rule.id(), "the '>' of the message is no longer lost (was n.n_must_be_0)");
        assertEquals("events.not_above_n", RuleIds.EVENTS_NOT_ABOVE_N);
        assertEquals("arm.duplicate_key", RuleIds.ARM_DUPLICATE_KEY);
        assertEquals("role.known", RuleIds.ROLE_KNOWN);
    }

    @Test
    void theConfMayNameDeclaredIdsAndTheTypeRulesOfDeclaredColumnsOnly() {
        RuleIds.checks().keySet().forEach(id -> assertTrue(RuleIds.known(id), id));
        assertTrue(RuleIds.known("n.wrong_type"));
        assertTrue(RuleIds.known("outcome.must_not_be_empty"));
        assertTrue(RuleIds.known("tr02sdt.wrong_type"));
        assertFalse(RuleIds.known("events.events_must_not_exceed_n"), "an id from before issue 16");
        assertFalse(RuleIds.known("nn.wrong_type"), "no such column");
        assertFalse(RuleIds.known(RuleIds.STUDY_INCOMPLETE), "follows the rule that caused it");
    }

    @Test
    void anIdThatIsNotSubjectDotCheckIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new Rule("n must be > 0", "n", "n must be > 0", lit(false)));
    }
}
