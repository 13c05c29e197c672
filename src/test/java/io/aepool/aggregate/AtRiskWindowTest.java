package io.aepool.aggregate;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** An at-risk window names the ADaM columns it is counted over and refuses impossible settings. */
class AtRiskWindowTest {

    @Test
    void theDefaultIsTimeOnTreatmentWithoutALag() {
        assertEquals(AtRiskWindow.treatment(0), AtRiskWindow.DEFAULT);
        assertEquals(List.of("TRTSDT", "TRTEDT", "TRT01A"), List.of(AtRiskWindow.DEFAULT.startColumn(),
                AtRiskWindow.DEFAULT.endColumn(), AtRiskWindow.DEFAULT.treatmentColumn()));
        assertNull(AtRiskWindow.DEFAULT.nextPeriodStartColumn());
    }

    @Test
    void aRandomisedPeriodReadsItsOwnDatesAndTreatmentAndStopsItsLagAtTheNextPeriod() {
        AtRiskWindow p2 = AtRiskWindow.randomisedPeriod(2, 7);
        assertEquals(List.of("TR02SDT", "TR02EDT", "TRT02A", "TR03SDT", "DTHDT", "EOSDT"), p2.adslColumns());
        assertEquals("TRT01A", AtRiskWindow.randomisedPeriod(1, 0).treatmentColumn());
        assertNull(AtRiskWindow.randomisedPeriod(99, 0).nextPeriodStartColumn());
        assertEquals("randomised period 2 (TR02SDT..TR02EDT + 7 days, under TRT02A)", p2.describe());
    }

    @Test
    void impossibleWindowsAreRefusedWithTheReason() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> AtRiskWindow.treatment(-1)).getMessage().contains("lag days"));
        assertThrows(IllegalArgumentException.class, () -> AtRiskWindow.treatment(AtRiskWindow.MAX_LAG_DAYS + 1));
        assertThrows(IllegalArgumentException.class, () -> AtRiskWindow.randomisedPeriod(0, 0));
        assertThrows(IllegalArgumentException.class, () -> AtRiskWindow.randomisedPeriod(100, 0));
        assertThrows(IllegalArgumentException.class, () -> new AtRiskWindow(AtRiskWindow.Period.TREATMENT, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new AtRiskWindow(null, 0, 0));
    }
}
