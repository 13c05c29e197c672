package io.aepool.stats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The treatment-arm continuity correction (Sweeting, Sutton & Lambert 2004; R meta incr = "TACC"). */
class ZeroCellRuleTaccTest {

    private static final ZeroCellRule TACC = ZeroCellRule.TACC;

    @Test
    void eachArmGetsACorrectionProportionalToTheReciprocalOfTheOtherArmSummingToOne() {
        // n_exp = 10, n_ctl = 30: k_exp ∝ 1/30, k_ctl ∝ 1/10 → 0.25 and 0.75
        assertArrayEquals(new double[] {0.25, 0.75}, TACC.armIncrements(10, 30), 1e-15);
        assertArrayEquals(new double[] {0.5, 0.5}, TACC.armIncrements(40, 40), 1e-15, "balanced arms: 0.5 each");
        assertArrayEquals(new double[] {0.05, 0.15}, new ZeroCellRule(0.1, ZeroCellRule.Scope.TACC, true).armIncrements(10, 30),
                1e-15, "increment 0.1: corrections sum to 0.2");
    }

    @Test
    void riskRatioOfAStudyWithAZeroCellUsesTheArmCorrections() {
        // 0/10 vs 3/30 → a = 0.25, n1 = 10.5, c = 3.75, n2 = 31.5: RR = (0.25/10.5)/(3.75/31.5) = 0.2
        EffectSize e = EffectSizes.of(StudyCounts.binary("s", 0, 10, 3, 30), EffectMeasure.RR, TACC).orElseThrow();
        assertEquals(Math.log(0.2), e.yi(), 1e-14);
        assertEquals(4 - 1 / 10.5 + 1 / 3.75 - 1 / 31.5, e.vi(), 1e-14);
        assertEquals(4.139682539682539, e.vi(), 1e-12);
    }

    @Test
    void oddsRatioOfAStudyWithAZeroCellUsesTheArmCorrections() {
        // a = 0.25, b = 10.25, c = 3.75, d = 27.75
        EffectSize e = EffectSizes.of(StudyCounts.binary("s", 0, 10, 3, 30), EffectMeasure.OR, TACC).orElseThrow();
        assertEquals(Math.log(0.25 * 27.75 / (10.25 * 3.75)), e.yi(), 1e-14);
        assertEquals(-1.7120920664941837, e.yi(), 1e-12);
        assertEquals(1 / 0.25 + 1 / 10.25 + 1 / 3.75 + 1 / 27.75, e.vi(), 1e-14);
    }

    @Test
    void balancedArmsGiveTheSameEffectAsAddingOneHalfToStudiesWithAZeroCell() {
        StudyCounts s = StudyCounts.binary("s", 0, 25, 4, 25);
        assertEquals(EffectSizes.of(s, EffectMeasure.OR, ZeroCellRule.DEFAULT), EffectSizes.of(s, EffectMeasure.OR, TACC));
    }

    @Test
    void studiesWithoutZeroCellsAreNotCorrected() {
        StudyCounts s = StudyCounts.binary("s", 2, 10, 3, 30);
        assertEquals(EffectSizes.of(s, EffectMeasure.RR, new ZeroCellRule(0, ZeroCellRule.Scope.NONE, true)),
                EffectSizes.of(s, EffectMeasure.RR, TACC));
    }

    @Test
    void doubleZeroStudiesAreStillDroppedFromRatioMeasures() {
        assertEquals(List.of(), EffectSizes.all(List.of(StudyCounts.binary("z", 0, 10, 0, 30)), EffectMeasure.RR, TACC));
    }

    @Test
    void rateMeasuresUsePersonTimeInPlaceOfArmSizes() {
        // 0 events over 100 vs 4 over 300: events + 0.25 and + 0.75
        EffectSize e = EffectSizes.of(StudyCounts.rate("r", 0, 100, 4, 300), EffectMeasure.IRR, TACC).orElseThrow();
        assertEquals(Math.log((0.25 / 100) / (4.75 / 300)), e.yi(), 1e-14);
        assertEquals(1 / 0.25 + 1 / 4.75, e.vi(), 1e-14);
    }

    @Test
    void labelRoundTrips() {
        assertEquals("tacc,drop00", TACC.label());
        assertEquals(TACC, ZeroCellRule.parse("tacc,drop00"));
        assertEquals(TACC, ZeroCellRule.parse("tacc"));
        ZeroCellRule keep = new ZeroCellRule(0.5, ZeroCellRule.Scope.TACC, false);
        assertEquals("tacc,keep00", keep.label());
        assertEquals(keep, ZeroCellRule.parse(keep.label()));
        ZeroCellRule small = new ZeroCellRule(0.1, ZeroCellRule.Scope.TACC, true);
        assertEquals("tacc:0.1,drop00", small.label());
        assertEquals(small, ZeroCellRule.parse(small.label()));
        assertThrows(IllegalArgumentException.class, () -> ZeroCellRule.parse("tac"));
    }
}
