package io.aepool.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PoolersTest {

    private static final ZeroCellRule RULE = ZeroCellRule.DEFAULT;
    private static final ZeroCellRule NONE = new ZeroCellRule(0, ZeroCellRule.Scope.NONE, true);

    static Stream<Arguments> supportedCombinations() {
        List<Arguments> out = new ArrayList<>();
        for (EffectMeasure m : EffectMeasure.values()) {
            for (PoolingMethod p : PoolingMethod.values()) {
                for (CiMethod c : CiMethod.values()) {
                    if (Poolers.supports(m, p, c)) {
                        out.add(Arguments.of(m, p, c));
                    }
                }
            }
        }
        return out.stream();
    }

    private static List<StudyCounts> twoStudies(EffectMeasure m) {
        return m.isRate()
                ? List.of(StudyCounts.rate("a", 3, 100, 6, 120), StudyCounts.rate("b", 5, 300, 9, 280))
                : List.of(StudyCounts.binary("a", 3, 50, 6, 52), StudyCounts.binary("b", 5, 80, 9, 77));
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("supportedCombinations")
    void noStudiesGiveNotEstimableWithKZero(EffectMeasure m, PoolingMethod p, CiMethod c) {
        PooledEstimate e = Poolers.create(m, p, c, RULE).pool(List.of());
        assertEquals(0, e.k());
        assertFalse(e.isOk());
        assertEquals("not estimable: no studies", e.status());
        assertTrue(Double.isNaN(e.theta()));
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("supportedCombinations")
    void onlyDoubleZeroStudiesGiveNotEstimableForRatioMeasures(EffectMeasure m, PoolingMethod p, CiMethod c) {
        List<StudyCounts> zeros = m.isRate()
                ? List.of(StudyCounts.rate("z1", 0, 100, 0, 100), StudyCounts.rate("z2", 0, 50, 0, 60))
                : List.of(StudyCounts.binary("z1", 0, 10, 0, 10), StudyCounts.binary("z2", 0, 20, 0, 25));
        PooledEstimate e = Poolers.create(m, p, c, RULE).pool(zeros);
        if (m.isRatio()) {
            assertEquals(0, e.k());
            assertTrue(e.status().startsWith("not estimable: no studies left"), e.status());
        } else {
            assertEquals(2, e.k(), "differences keep double-zero studies");
        }
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("supportedCombinations")
    void twoStudiesGiveAnOkEstimateWithOneDegreeOfFreedom(EffectMeasure m, PoolingMethod p, CiMethod c) {
        PooledEstimate e = Poolers.create(m, p, c, RULE).pool(twoStudies(m));
        assertTrue(e.isOk(), e.status());
        assertEquals(2, e.k());
        assertEquals(1, e.qDf());
        assertTrue(e.ciLow() < e.theta() && e.theta() < e.ciHigh());
        if (p.isBayesian()) {
            // the posterior predictive interval needs no degrees of freedom
            assertEquals(0, e.piDf());
            assertTrue(e.piLow() < e.ciLow() && e.ciHigh() < e.piHigh());
            assertTrue(Double.isNaN(e.pValue()) && e.posterior() != null, "posterior probabilities, no p-value");
            return;
        }
        if (p == PoolingMethod.GLMM) {
            // maximum-likelihood tau², no Q-profile interval; the default prediction interval t(k-2) needs k >= 3
            assertTrue(e.tau2() >= 0 && Double.isNaN(e.tau2CiHigh()));
            assertEquals(-1, e.piDf());
            return;
        }
        assertEquals(-1, e.piDf(), "a prediction interval needs k >= 3");
        assertTrue(Double.isNaN(e.piLow()));
        assertEquals(p.isRandomEffects(), !Double.isNaN(e.tau2CiHigh()), "Q-profile interval only for random effects");
    }

    @Test
    void mantelHaenszelOfOneStudyIsTheCrudeRiskRatioWithItsUsualVariance() {
        PooledEstimate e = Poolers.create(EffectMeasure.RR, PoolingMethod.MH, CiMethod.WALD_Z, RULE)
                .pool(List.of(StudyCounts.binary("s", 10, 100, 20, 100)));
        assertEquals(Math.log(0.5), e.theta(), 1e-12);
        assertEquals(Math.sqrt(0.13), e.se(), 1e-12);
        assertEquals(0, e.q());
        assertEquals(0, e.qDf());
        assertEquals(0, e.i2());
        assertEquals(0, e.tau2());
    }

    @Test
    void randomEffectsOfOneStudyHasTauSquaredZeroAndTheStudysOwnSe() {
        PooledEstimate e = Poolers.create(EffectMeasure.OR, PoolingMethod.REML, CiMethod.WALD_Z, RULE)
                .pool(List.of(StudyCounts.binary("s", 10, 100, 20, 100)));
        assertTrue(e.isOk(), e.status());
        assertEquals(1, e.k());
        assertEquals(0, e.tau2());
        assertEquals(0, e.i2());
        assertEquals(0, e.q());
        assertEquals(Math.log(10.0 * 80 / (90.0 * 20)), e.theta(), 1e-12);
        assertEquals(Math.sqrt(1 / 10.0 + 1 / 90.0 + 1 / 20.0 + 1 / 80.0), e.se(), 1e-12);
        assertTrue(Double.isNaN(e.tau2CiLow()));
    }

    @Test
    void hartungKnappOfOneStudyIsNotEstimableRatherThanAWaldIntervalUnderItsName() {
        for (CiMethod ci : List.of(CiMethod.HKSJ, CiMethod.HKSJ_ADHOC)) {
            PooledEstimate e = Poolers.create(EffectMeasure.OR, PoolingMethod.REML, ci, RULE)
                    .pool(List.of(StudyCounts.binary("s", 10, 100, 20, 100)));
            assertEquals("not estimable: the Hartung-Knapp interval needs at least 2 studies", e.status());
            assertEquals(1, e.k());
        }
    }

    @Test
    void randomEffectsWithThreeStudiesHasAPredictionIntervalOnKMinusTwoDf() {
        List<StudyCounts> three = List.of(StudyCounts.binary("a", 3, 50, 6, 52), StudyCounts.binary("b", 5, 80, 19, 77),
                StudyCounts.binary("c", 12, 80, 9, 77));
        PooledEstimate e = Poolers.create(EffectMeasure.RR, PoolingMethod.DL, CiMethod.WALD_Z, RULE).pool(three);
        assertEquals(1, e.piDf());
        assertTrue(e.piLow() <= e.ciLow() && e.ciHigh() <= e.piHigh());
    }

    @Test
    void petoIsOnlyDefinedForTheOddsRatio() {
        assertFalse(Poolers.supports(EffectMeasure.RR, PoolingMethod.PETO, CiMethod.WALD_Z));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Poolers.create(EffectMeasure.RR, PoolingMethod.PETO, CiMethod.WALD_Z, RULE));
        assertTrue(e.getMessage().contains("odds ratio"));
    }

    @Test
    void hksjIntervalNeedsARandomEffectsMethod() {
        assertFalse(Poolers.supports(EffectMeasure.RR, PoolingMethod.MH, CiMethod.HKSJ));
        assertThrows(IllegalArgumentException.class,
                () -> Poolers.create(EffectMeasure.RR, PoolingMethod.IV, CiMethod.HKSJ, RULE));
    }

    @Test
    void withoutCorrectionAStudyWithAZeroCellIsLeftOutOfInverseVariancePooling() {
        List<StudyCounts> studies = List.of(StudyCounts.binary("a", 3, 50, 6, 52), StudyCounts.binary("b", 0, 80, 9, 77),
                StudyCounts.binary("c", 12, 80, 9, 77));
        PooledEstimate e = Poolers.create(EffectMeasure.OR, PoolingMethod.DL, CiMethod.WALD_Z, NONE).pool(studies);
        assertTrue(e.isOk(), e.status());
        assertEquals(2, e.k());
    }

    @Test
    void withoutCorrectionAndOnlyZeroCellStudiesTheStatusSaysWhy() {
        List<StudyCounts> studies = List.of(StudyCounts.binary("a", 0, 50, 6, 52), StudyCounts.binary("b", 0, 80, 9, 77));
        PooledEstimate e = Poolers.create(EffectMeasure.OR, PoolingMethod.IV, CiMethod.WALD_Z, NONE).pool(studies);
        assertEquals(0, e.k());
        assertEquals("not estimable: no study has a finite effect and variance (zero cells without continuity correction)",
                e.status());
    }

    @Test
    void mantelHaenszelWithNoEventsInOneArmAnywhereIsNotEstimableRatherThanThrowing() {
        List<StudyCounts> studies = List.of(StudyCounts.binary("a", 0, 50, 6, 52), StudyCounts.binary("b", 0, 80, 9, 77));
        PooledEstimate e = Poolers.create(EffectMeasure.RR, PoolingMethod.MH, CiMethod.WALD_Z, RULE).pool(studies);
        assertEquals(2, e.k());
        assertTrue(e.status().startsWith("not estimable: no events in one arm"), e.status());
    }

    @Test
    void rateMeasureWithoutPersonTimeIsNotEstimable() {
        PooledEstimate e = Poolers.create(EffectMeasure.IRR, PoolingMethod.DL, CiMethod.WALD_Z, RULE)
                .pool(List.of(StudyCounts.binary("nt", 3, 50, 6, 52)));
        assertEquals("not estimable: study nt has no person-time for IRR", e.status());
    }

    @Test
    void fixedEffectMethodsReportTauSquaredZeroAndNoTauInterval() {
        for (PoolingMethod p : List.of(PoolingMethod.MH, PoolingMethod.IV, PoolingMethod.PETO)) {
            PooledEstimate e = Poolers.create(EffectMeasure.OR, p, CiMethod.WALD_Z, RULE).pool(twoStudies(EffectMeasure.OR));
            assertEquals(0, e.tau2(), p.name());
            assertTrue(Double.isNaN(e.tau2CiLow()), p.name());
        }
    }

    @Test
    void resultCarriesTheRuleLabelMethodAndMeasure() {
        PooledEstimate e = Poolers.create(EffectMeasure.RD, PoolingMethod.PM, CiMethod.HKSJ, RULE).pool(twoStudies(EffectMeasure.RD));
        assertEquals("only0:0.5,drop00", e.zeroRule());
        assertEquals(PoolingMethod.PM, e.method());
        assertEquals(CiMethod.HKSJ, e.ciMethod());
        assertEquals(EffectMeasure.RD, e.measure());
    }
}
