package io.aepool.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/**
 * Leave-one-out from sufficient sums is the refit: for every reference data set, every measure it supports and MH,
 * IV and DL (Wald-z), each estimate without one study taken from the whole set's sums minus that study's terms equals
 * pooling the other studies from scratch (estimate, CI, SE, p, Q, I², H², tau², prediction interval to 1e-10
 * relative; k, Q df, status and the interval's df exactly), and it really came from the sums.
 */
class LeaveOneOutTest {

    private static final double REL = 1e-12;

    static Stream<Arguments> referenceSetsMeasuresAndMethods() {
        List<Arguments> out = new ArrayList<>();
        List<ReferenceData> sets = List.of(ReferenceData.load("bcg"), ReferenceData.load("hine1989"),
                ReferenceData.load("li2007"), ReferenceData.load("nielweise2008"),
                ReferenceData.load("oracle", "sparse10"), ReferenceData.load("oracle", "monotone3"));
        for (ReferenceData data : sets) {
            boolean rates = data.studies().get(0).hasPersonTime() && data.studies().get(0).nExp() == 0;
            List<EffectMeasure> measures = rates ? List.of(EffectMeasure.IRR, EffectMeasure.IRD)
                    : List.of(EffectMeasure.RR, EffectMeasure.OR, EffectMeasure.RD);
            for (EffectMeasure measure : measures) {
                for (PoolingMethod method : List.of(PoolingMethod.MH, PoolingMethod.IV, PoolingMethod.DL)) {
                    out.add(Arguments.of(data.name(), data.studies(), measure, method));
                }
            }
        }
        return out.stream();
    }

    /** The pooler of a leave-one-out row of the grid: no Q-profile intervals (metafor's leave1out leaves them out too). */
    private static Pooler pooler(EffectMeasure measure, PoolingMethod method) {
        return Poolers.create(measure, method, CiMethod.WALD_Z, ZeroCellRule.DEFAULT, PredictionInterval.DEFAULT, false);
    }

    @ParameterizedTest(name = "{0} {2} {3}")
    @MethodSource("referenceSetsMeasuresAndMethods")
    void eachStudyLeftOutFromTheSumsEqualsTheRefitOfTheOthers(String name, List<StudyCounts> studies,
                                                              EffectMeasure measure, PoolingMethod method) {
        Pooler pooler = pooler(measure, method);
        LeaveOneOut loo = LeaveOneOut.of(pooler, studies);
        int fromSums = 0;
        for (int i = 0; i < studies.size(); i++) {
            LeaveOneOut.Step step = loo.without(i);
            List<StudyCounts> rest = new ArrayList<>(studies);
            rest.remove(i);
            PooledEstimate refit = pooler.pool(rest);
            assertSame(refit, step.estimate(), name + " " + measure + " " + method + " without " + i);
            // the sums, not a silent refit: every step but DL's on fewer than 2 studies (tau² needs 2)
            assertEquals(method != PoolingMethod.DL || refit.k() >= 2, step.fromSums(), "from the sums without " + i);
            fromSums += step.fromSums() ? 1 : 0;
        }
        assertTrue(fromSums > 0);
    }

    @Test
    void aStudyTheZeroRuleDropsLeavesTheWholeSetsEstimate() {
        List<StudyCounts> studies = List.of(StudyCounts.binary("a", 3, 50, 6, 52), StudyCounts.binary("zero", 0, 40, 0, 41),
                StudyCounts.binary("b", 5, 80, 19, 77), StudyCounts.binary("c", 12, 80, 9, 77));
        for (PoolingMethod method : List.of(PoolingMethod.MH, PoolingMethod.IV, PoolingMethod.DL)) {
            Pooler pooler = pooler(EffectMeasure.RR, method);
            LeaveOneOut.Step step = LeaveOneOut.of(pooler, studies).without(1);
            assertTrue(step.fromSums(), method.name());
            assertSame(pooler.pool(studies), step.estimate(), method.name());
        }
    }

    @Test
    void whatTheSumsCannotGiveIsRefitted() {
        List<StudyCounts> two = List.of(StudyCounts.binary("a", 3, 50, 6, 52), StudyCounts.binary("b", 5, 80, 19, 77));
        // DL on one study, HKSJ, Q-profile intervals and tau² estimators other than DL: a refit each
        assertFalse(LeaveOneOut.of(pooler(EffectMeasure.RR, PoolingMethod.DL), two).without(0).fromSums());
        assertNull(((LeaveOneOutPooler) Poolers.create(EffectMeasure.RR, PoolingMethod.DL, CiMethod.HKSJ,
                ZeroCellRule.DEFAULT, PredictionInterval.DEFAULT, false)).sums(two));
        assertNull(((LeaveOneOutPooler) Poolers.create(EffectMeasure.RR, PoolingMethod.DL, CiMethod.WALD_Z,
                ZeroCellRule.DEFAULT, PredictionInterval.DEFAULT, true)).sums(two));
        assertNull(((LeaveOneOutPooler) pooler(EffectMeasure.RR, PoolingMethod.REML)).sums(two));
        assertFalse(LeaveOneOut.of(Poolers.create(EffectMeasure.OR, PoolingMethod.PETO, CiMethod.WALD_Z,
                ZeroCellRule.DEFAULT), two).without(0).fromSums());
        // a study holding almost all of the weight: its subtraction would cancel, so the others are refitted
        List<StudyCounts> dominated = List.of(StudyCounts.binary("big", 4_000_000, 1_000_000_000, 6_000_000, 1_000_000_000),
                StudyCounts.binary("a", 3, 50, 6, 52), StudyCounts.binary("b", 5, 80, 19, 77));
        for (PoolingMethod method : List.of(PoolingMethod.MH, PoolingMethod.IV)) {
            Pooler pooler = pooler(EffectMeasure.RR, method);
            LeaveOneOut.Step step = LeaveOneOut.of(pooler, dominated).without(0);
            assertFalse(step.fromSums(), method.name());
            assertEquals(pooler.pool(dominated.subList(1, 3)), step.estimate());
        }
    }

    private static void assertSame(PooledEstimate refit, PooledEstimate fast, String where) {
        assertEquals(refit.status(), fast.status(), where + " status");
        assertEquals(refit.k(), fast.k(), where + " k");
        assertEquals(refit.qDf(), fast.qDf(), where + " q df");
        assertEquals(refit.piDf(), fast.piDf(), where + " pi df");
        assertEquals(refit.measure(), fast.measure());
        assertEquals(refit.method(), fast.method());
        assertEquals(refit.ciMethod(), fast.ciMethod());
        assertEquals(refit.zeroRule(), fast.zeroRule());
        close(refit.theta(), fast.theta(), where + " estimate");
        close(refit.se(), fast.se(), where + " se");
        close(refit.ciLow(), fast.ciLow(), where + " ci low");
        close(refit.ciHigh(), fast.ciHigh(), where + " ci high");
        close(refit.pValue(), fast.pValue(), where + " p");
        close(refit.q(), fast.q(), where + " Q");
        close(refit.qP(), fast.qP(), where + " p(Q)");
        close(refit.i2(), fast.i2(), where + " I²");
        close(refit.h2(), fast.h2(), where + " H²");
        close(refit.tau2(), fast.tau2(), where + " tau²");
        close(refit.tau2CiLow(), fast.tau2CiLow(), where + " tau² ci low");
        close(refit.tau2CiHigh(), fast.tau2CiHigh(), where + " tau² ci high");
        close(refit.i2CiLow(), fast.i2CiLow(), where + " I² ci low");
        close(refit.i2CiHigh(), fast.i2CiHigh(), where + " I² ci high");
        close(refit.piLow(), fast.piLow(), where + " pi low");
        close(refit.piHigh(), fast.piHigh(), where + " pi high");
    }

    /** Equal to 1e-12 relative (NaN only with NaN, a value that is exactly 0 only with 0). */
    private static void close(double expected, double actual, String what) {
        if (Double.isNaN(expected) || expected == 0) {
            assertEquals(expected, actual, 0, what);
            return;
        }
        assertEquals(expected, actual, REL * Math.abs(expected), what);
    }
}
