package io.aepool.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class EffectSizesTest {

    private static final double EPS = 1e-12;
    private static final ZeroCellRule ONLY0 = ZeroCellRule.DEFAULT;
    private static final ZeroCellRule ALL = new ZeroCellRule(0.5, ZeroCellRule.Scope.ALL, true);
    private static final ZeroCellRule NONE = new ZeroCellRule(0, ZeroCellRule.Scope.NONE, true);
    private static final ZeroCellRule KEEP00 = new ZeroCellRule(0.5, ZeroCellRule.Scope.ONLY_ZERO, false);

    private static final StudyCounts PLAIN = StudyCounts.binary("plain", 10, 100, 20, 100);
    private static final StudyCounts ZERO_EXP = StudyCounts.binary("zeroExp", 0, 10, 2, 10);
    private static final StudyCounts DOUBLE_ZERO = StudyCounts.binary("00", 0, 10, 0, 10);
    private static final StudyCounts DOUBLE_ALL = StudyCounts.binary("all", 10, 10, 5, 5);

    private static EffectSize effect(StudyCounts s, EffectMeasure m, ZeroCellRule r) {
        return EffectSizes.of(s, m, r).orElseThrow();
    }

    @Test
    void logRiskRatioAndVarianceWithoutZeroCellsAreUncorrected() {
        EffectSize e = effect(PLAIN, EffectMeasure.RR, ONLY0);
        assertEquals(Math.log(0.5), e.yi(), EPS);
        assertEquals(0.1 - 0.01 + 0.05 - 0.01, e.vi(), EPS);
    }

    @Test
    void logOddsRatioUsesWoolfVariance() {
        EffectSize e = effect(PLAIN, EffectMeasure.OR, ONLY0);
        assertEquals(Math.log(10.0 * 80 / (90.0 * 20)), e.yi(), EPS);
        assertEquals(1 / 10.0 + 1 / 90.0 + 1 / 20.0 + 1 / 80.0, e.vi(), EPS);
    }

    @Test
    void riskDifferenceUsesBinomialVariance() {
        EffectSize e = effect(PLAIN, EffectMeasure.RD, ONLY0);
        assertEquals(-0.1, e.yi(), EPS);
        assertEquals(0.0009 + 0.0016, e.vi(), EPS);
    }

    @Test
    void onlyZeroRuleAddsTheIncrementToAllFourCellsOfAStudyWithAZeroCell() {
        EffectSize e = effect(ZERO_EXP, EffectMeasure.RR, ONLY0);
        // cells 0.5, 10.5, 2.5, 8.5; arm sizes 11 and 11
        assertEquals(Math.log(0.5 / 11) - Math.log(2.5 / 11), e.yi(), EPS);
        assertEquals(1 / 0.5 - 1 / 11.0 + 1 / 2.5 - 1 / 11.0, e.vi(), EPS);
    }

    @Test
    void allRuleAddsTheIncrementToEveryStudy() {
        EffectSize e = effect(PLAIN, EffectMeasure.RR, ALL);
        assertEquals(Math.log(10.5 / 101) - Math.log(20.5 / 101), e.yi(), EPS);
    }

    @Test
    void noneRuleLeavesZeroCellsSoTheEffectIsNotUsable() {
        EffectSize e = effect(ZERO_EXP, EffectMeasure.RR, NONE);
        assertEquals(Double.NEGATIVE_INFINITY, e.yi());
        assertFalse(e.isUsable());
        assertTrue(effect(PLAIN, EffectMeasure.RR, NONE).isUsable());
    }

    @Test
    void ratioMeasuresDropDoubleZeroStudiesButDifferencesKeepThem() {
        assertTrue(EffectSizes.of(DOUBLE_ZERO, EffectMeasure.RR, ONLY0).isEmpty());
        assertTrue(EffectSizes.of(DOUBLE_ZERO, EffectMeasure.OR, ONLY0).isEmpty());
        EffectSize rd = effect(DOUBLE_ZERO, EffectMeasure.RD, ONLY0);
        assertEquals(0, rd.yi(), EPS);
        assertEquals(2 * (0.5 / 11) * (10.5 / 11) / 11, rd.vi(), EPS);
    }

    @Test
    void ratioMeasuresDropStudiesWhereEverySubjectHadTheEvent() {
        assertTrue(EffectSizes.of(DOUBLE_ALL, EffectMeasure.RR, ONLY0).isEmpty());
        assertTrue(EffectSizes.of(DOUBLE_ALL, EffectMeasure.OR, ONLY0).isEmpty());
        assertTrue(EffectSizes.of(DOUBLE_ALL, EffectMeasure.RD, ONLY0).isPresent());
    }

    @Test
    void keep00RuleKeepsDoubleZeroStudiesForRatioMeasures() {
        EffectSize e = effect(DOUBLE_ZERO, EffectMeasure.RR, KEEP00);
        assertEquals(0, e.yi(), EPS);
        assertTrue(e.isUsable());
    }

    @Test
    void aBinaryStudyWithAnEmptyArmIsDropped() {
        StudyCounts empty = StudyCounts.binary("empty", 0, 0, 3, 10);
        for (EffectMeasure m : List.of(EffectMeasure.RR, EffectMeasure.OR, EffectMeasure.RD)) {
            assertTrue(EffectSizes.of(empty, m, ONLY0).isEmpty(), m.name());
        }
    }

    @Test
    void rateCorrectionAddsTheIncrementToTheEventsOfBothArmsOnly() {
        StudyCounts s = StudyCounts.rate("r", 0, 100, 4, 200);
        EffectSize irr = effect(s, EffectMeasure.IRR, ONLY0);
        assertEquals(Math.log(0.5 / 100) - Math.log(4.5 / 200), irr.yi(), EPS);
        assertEquals(1 / 0.5 + 1 / 4.5, irr.vi(), EPS);
        EffectSize ird = effect(s, EffectMeasure.IRD, ONLY0);
        assertEquals(0.5 / 100 - 4.5 / 200, ird.yi(), EPS);
        assertEquals(0.5 / 1e4 + 4.5 / 4e4, ird.vi(), EPS);
    }

    @Test
    void rateRatioDropsDoubleZeroStudiesAndRateDifferenceKeepsThem() {
        StudyCounts s = StudyCounts.rate("r00", 0, 100, 0, 200);
        assertTrue(EffectSizes.of(s, EffectMeasure.IRR, ONLY0).isEmpty());
        EffectSize ird = effect(s, EffectMeasure.IRD, ONLY0);
        assertEquals(0.5 / 100 - 0.5 / 200, ird.yi(), EPS);
    }

    @Test
    void rateMeasureOfAStudyWithoutPersonTimeIsAnInvalidStudy() {
        InvalidStudyException e = assertThrows(InvalidStudyException.class,
                () -> EffectSizes.of(PLAIN, EffectMeasure.IRR, ONLY0));
        assertEquals("plain", e.studyId());
        assertEquals("time_exp", e.field());
    }

    @Test
    void allKeepsInputOrderAndSkipsDroppedStudies() {
        List<EffectSize> es = EffectSizes.all(List.of(PLAIN, DOUBLE_ZERO, ZERO_EXP), EffectMeasure.RR, ONLY0);
        assertEquals(List.of("plain", "zeroExp"), es.stream().map(EffectSize::studyId).toList());
    }
}
