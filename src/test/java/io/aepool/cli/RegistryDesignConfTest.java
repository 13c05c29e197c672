package io.aepool.cli;

import io.aepool.aggregate.RegistryAggregator;
import io.aepool.aggregate.RegistryStage;
import io.aepool.testing.Files2;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * registry.attribution, registry.new_user, registry.pooled_rate_ratio and outcomes[].clean_window: defaults,
 * CohortMethod's and CohortIncidence's names, errors naming the key.
 */
class RegistryDesignConfTest {

    @TempDir
    Path dir;

    private RegistryStage.Settings bind(String... registry) {
        String[] head = {"inputs:", "  studies: studies.csv", "  registries:", "    - extract: registry/", "outcomes:",
                "  - {name: serious_infection, socs: [Infections and infestations]}", "analysis:", "  measures: [IRR]", "registry:",
                "  exposure_groups:", "    - {group: jak, role: experimental, drug_classes: [JAK inhibitor]}",
                "    - {group: tnf, role: comparator, drug_classes: [biologic]}"};
        String[] lines = new String[head.length + registry.length];
        System.arraycopy(head, 0, lines, 0, head.length);
        System.arraycopy(registry, 0, lines, head.length, registry.length);
        Path file = Path.of(Files2.write(dir, "job.yaml", lines));
        return JobSettings.bind(JobConf.load(file), file).registry();
    }

    @Test
    void latestExposureAndNoNewUserDesignByDefault() {
        RegistryStage.Settings s = bind();
        assertEquals(RegistryAggregator.Attribution.LATEST_EXPOSURE, s.attribution());
        assertNull(s.newUser());
    }

    @Test
    void theKeysMapToCohortMethodsArgumentsWithItsDefaults() {
        RegistryStage.Settings s = bind("  attribution: censor_at_switch", "  new_user:", "    washout_period: 365");
        assertEquals(RegistryAggregator.Attribution.CENSOR_AT_SWITCH, s.attribution());
        assertEquals(new RegistryAggregator.NewUser(365, 0, false, true, 99999), s.newUser());
        assertEquals(new RegistryAggregator.NewUser(180, 30, true, false, 365), bind("  new_user:",
                "    washout_period: 180", "    min_prior_observation: 30", "    first_exposure_only: true",
                "    remove_subjects_with_prior_outcome: false", "    prior_outcome_lookback: 365").newUser());
    }

    @Test
    void badValuesAreNamedWithTheirKey() {
        String rule = assertThrows(ConfException.class, () -> bind("  attribution: as_treated")).getMessage();
        assertTrue(rule.contains("registry.attribution") && rule.contains("latest_exposure or censor_at_switch"), rule);
        String washout = assertThrows(ConfException.class, () -> bind("  new_user: {first_exposure_only: true}")).getMessage();
        assertTrue(washout.contains("registry.new_user.washout_period: required"), washout);
        String negative = assertThrows(ConfException.class, () -> bind("  new_user: {washout_period: -1}")).getMessage();
        assertTrue(negative.contains("new_user"), negative);
        String typo = assertThrows(ConfException.class, () -> bind("  new_user: {washout: 365}")).getMessage();
        assertTrue(typo.contains("washout"), typo);
    }

    @Test
    void thePoolsTakeTheStratifiedRateRatioUnlessTheConfSaysCrude() {
        assertTrue(bind().stratifiedPooling());
        assertTrue(!bind("  pooled_rate_ratio: crude").stratifiedPooling());
        String bad = assertThrows(ConfException.class, () -> bind("  pooled_rate_ratio: adjusted")).getMessage();
        assertTrue(bad.contains("registry.pooled_rate_ratio") && bad.contains("stratified"), bad);
    }

    @Test
    void aCleanWindowBelongsToARecurrentOutcome() {
        Path ok = Path.of(Files2.write(dir, "ok.yaml", "inputs:", "  studies: studies.csv", "  arm_counts: arms.csv", "outcomes:",
                "  - {name: any_infection, first_event: false, clean_window: 30, socs: [Infections and infestations]}",
                "analysis:", "  measures: [IRR]"));
        assertEquals(30, JobSettings.bind(JobConf.load(ok), ok).trialSettings().outcomes().get(0).cleanWindow());
        Path first = Path.of(Files2.write(dir, "first.yaml", "inputs:", "  studies: studies.csv", "  arm_counts: arms.csv", "outcomes:",
                "  - {name: serious_infection, clean_window: 30, socs: [Infections and infestations]}",
                "analysis:", "  measures: [IRR]"));
        String message = assertThrows(ConfException.class, () -> JobSettings.bind(JobConf.load(first), first)).getMessage();
        assertTrue(message.contains("conf outcomes") && message.contains("clean_window applies to recurrent outcomes"),
                message);
    }
}
