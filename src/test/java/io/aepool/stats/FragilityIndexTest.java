package io.aepool.stats;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The fragility index: the fewest event changes in one arm of one study that flip the pooled interval's significance. */
class FragilityIndexTest {

    static final Pooler MH_RR = Poolers.create(EffectMeasure.RR, PoolingMethod.MH, CiMethod.WALD_Z, ZeroCellRule.DEFAULT);

    /** Katz's log risk-ratio interval of one study (Katz et al. 1978), written out here as the oracle. */
    static boolean katzSignificant(long a, long n1, long c, long n2) {
        double y = Math.log((double) a / n1) - Math.log((double) c / n2);
        double se = Math.sqrt(1.0 / a - 1.0 / n1 + 1.0 / c - 1.0 / n2);
        return y - 1.959963984540054 * se > 0 || y + 1.959963984540054 * se < 0;
    }

    @Test
    void aSignificantStudyIsMadeNonSignificantByTheFewestChangesOfTheKatzInterval() {
        // 20/100 vs 5/100: RR 4 (1.56 to 10.3), significant
        FragilityIndex.Result r = FragilityIndex.of(MH_RR, List.of(StudyCounts.binary("A", 20, 100, 5, 100)));
        assertTrue(r.significant());
        int fewest = Integer.MAX_VALUE;
        for (int m = 1; m <= 20 && fewest == Integer.MAX_VALUE; m++) {
            // removing experimental events or adding control events (the other two directions only strengthen it)
            if (!katzSignificant(20 - m, 100, 5, 100) || !katzSignificant(20, 100, 5 + m, 100)) {
                fewest = m;
            }
        }
        assertEquals(fewest, r.index());
        assertEquals("A", r.studyId());
        // the experimental arm is tried first at equal counts
        boolean expFlips = !katzSignificant(20 - fewest, 100, 5, 100);
        assertEquals(expFlips ? FragilityIndex.Arm.EXPERIMENTAL : FragilityIndex.Arm.CONTROL, r.arm());
        assertEquals(expFlips ? -fewest : fewest, r.change());
        assertEquals(expFlips ? "remove" : "add", r.direction());
        assertTrue(r.ciLow() <= 1 && r.ciHigh() >= 1, "after the change the interval includes RR = 1");
        assertEquals(FragilityIndex.OK, r.status());
        assertTrue(r.describe(EffectMeasure.RR).startsWith(fewest + ": " + (expFlips ? "removing " + fewest
                + " events from the experimental arm of A" : "adding " + fewest + " events to the control arm of A")
                + " makes the 95% CI include RR = 1 ("), r.describe(EffectMeasure.RR));
    }

    @Test
    void aNonSignificantPoolIsMadeSignificantAndTheFewestChangeOverAllStudiesAndArmsWins() {
        List<StudyCounts> studies = List.of(StudyCounts.binary("A", 12, 200, 8, 200),
                StudyCounts.binary("B", 6, 150, 5, 150), StudyCounts.binary("C", 3, 80, 1, 40));
        FragilityIndex.Result r = FragilityIndex.of(MH_RR, studies);
        assertFalse(r.significant());
        // exhaustive per study, arm and direction: the smallest change that makes the MH interval exclude 1
        int best = Integer.MAX_VALUE;
        for (int i = 0; i < studies.size(); i++) {
            for (int arm = 0; arm < 2; arm++) {
                for (int sign : new int[]{1, -1}) {
                    for (int m = 1; m < best; m++) {
                        StudyCounts s = studies.get(i);
                        long e = (arm == 0 ? s.eventsExp() : s.eventsCtl()) + (long) sign * m;
                        if (e < 0 || e > (arm == 0 ? s.nExp() : s.nCtl())) {
                            break;
                        }
                        List<StudyCounts> changed = new ArrayList<>(studies);
                        changed.set(i, arm == 0 ? StudyCounts.binary(s.studyId(), e, s.nExp(), s.eventsCtl(), s.nCtl())
                                : StudyCounts.binary(s.studyId(), s.eventsExp(), s.nExp(), e, s.nCtl()));
                        PooledEstimate p = MH_RR.pool(changed);
                        if (p.ciLow() > 0 || p.ciHigh() < 0) {
                            best = m;
                        }
                    }
                }
            }
        }
        assertEquals(best, r.index());
        assertTrue(r.ciLow() > 1 || r.ciHigh() < 1, "after the change the interval excludes RR = 1");
    }

    @Test
    void noSingleArmChangeThatFlipsIsNotReachable() {
        // two subjects per arm: no count in 0..2 makes the interval exclude 1
        FragilityIndex.Result r = FragilityIndex.of(MH_RR, List.of(StudyCounts.binary("A", 1, 2, 1, 2)));
        assertFalse(r.significant());
        assertNull(r.index());
        assertNull(r.direction());
        assertEquals(FragilityIndex.NOT_REACHABLE, r.status());
        assertEquals("not reachable: no change of events in one arm of one study makes the 95% CI exclude RR = 1",
                r.describe(EffectMeasure.RR));
    }

    @Test
    void aSearchBeyondItsBudgetStopsAndSaysSoInsteadOfGuessing() {
        List<StudyCounts> studies = List.of(StudyCounts.binary("A", 12, 200, 8, 200),
                StudyCounts.binary("B", 30, 300, 26, 300));
        FragilityIndex.Result unlimited = FragilityIndex.of(MH_RR, studies);
        assertTrue(unlimited.index() != null && unlimited.index() > 1, "a flip needs several events: " + unlimited);
        // 2 studies per pooling, 8 candidates per step: a budget of 20 study terms stops within the first step
        FragilityIndex.Result stopped = FragilityIndex.of(MH_RR, studies, 20);
        assertNull(stopped.index());
        assertEquals(unlimited.significant(), stopped.significant());
        assertTrue(stopped.status().startsWith("not computed: the search stopped after 20 study terms pooled"),
                stopped.status());
        assertEquals(stopped.status(), stopped.describe(io.aepool.stats.EffectMeasure.RR), "the console says the same");
    }

    @Test
    void aNotEstimableAnalysisHasNoIndexAndSaysWhy() {
        FragilityIndex.Result r = FragilityIndex.of(MH_RR, List.of());
        assertNull(r.index());
        assertNull(r.significant());
        assertTrue(r.status().startsWith("not estimable"), r.status());
    }

    @Test
    void eventsStayWithinTheArm() {
        // 10/10 vs 1/50: every subject of the experimental arm has an event, so no event can be added there
        FragilityIndex.Result r = FragilityIndex.of(MH_RR, List.of(StudyCounts.binary("A", 10, 10, 1, 50)));
        assertTrue(r.significant());
        assertTrue(r.change() < 0 ? r.arm() == FragilityIndex.Arm.EXPERIMENTAL : r.arm() == FragilityIndex.Arm.CONTROL);
        long after = r.arm() == FragilityIndex.Arm.EXPERIMENTAL ? 10 + r.change() : 1 + r.change();
        assertTrue(after >= 0 && after <= (r.arm() == FragilityIndex.Arm.EXPERIMENTAL ? 10 : 50));
    }
}
