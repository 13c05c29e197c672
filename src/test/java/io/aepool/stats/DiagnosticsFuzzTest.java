package io.aepool.stats;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.util.List;
import java.util.Map;

import static io.aepool.stats.FuzzStudies.assertFinite;
import static io.aepool.stats.FuzzStudies.assertProbability;
import static io.aepool.stats.FuzzStudies.isNotConverged;
import static io.aepool.stats.FuzzStudies.isNotEstimable;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Property-based tests of the study-level diagnostics on random 2×2 tables and rate data: small-study tests, trim
 * and fill, influence and forest-plot weights never throw, and give finite numbers or say why not.
 */
class DiagnosticsFuzzTest {

    private static final List<EffectMeasure> MEASURES = List.of(EffectMeasure.values());
    /** The inverse-variance fixed effect and a closed-form and an iterative tau² estimator. */
    private static final List<PoolingMethod> MODEL_METHODS = List.of(PoolingMethod.IV, PoolingMethod.DL, PoolingMethod.REML);

    @Provide
    Arbitrary<List<StudyCounts>> studies() {
        return Arbitraries.oneOf(FuzzStudies.binaryStudies(), FuzzStudies.rateStudies());
    }

    private static List<EffectMeasure> measuresFor(List<StudyCounts> studies) {
        return MEASURES.stream().filter(m -> m.isRate() == studies.get(0).hasPersonTime()).toList();
    }

    @Property(tries = 200, seed = "42")
    void smallStudyTestsAreFiniteOrSayWhyNot(@ForAll("studies") List<StudyCounts> studies) {
        for (EffectMeasure measure : measuresFor(studies)) {
            for (ZeroCellRule rule : FuzzStudies.RULES) {
                String ctx = measure + "/" + rule.label() + " on " + studies;
                EggerTest egger = SmallStudyTests.egger(studies, measure, rule);
                if (okOrExplained(egger.status(), ctx + " Egger " + egger)) {
                    regression(egger.limitEstimate(), egger.slope(), egger.slopeSe(), egger.t(), egger.pValue(), ctx + " " + egger);
                }
                PetersTest peters = SmallStudyTests.peters(studies, measure, rule);
                if (okOrExplained(peters.status(), ctx + " Peters " + peters)) {
                    regression(peters.limitEstimate(), peters.slope(), peters.slopeSe(), peters.t(), peters.pValue(), ctx + " " + peters);
                }
                BeggTest begg = SmallStudyTests.begg(studies, measure, rule);
                if (okOrExplained(begg.status(), ctx + " Begg " + begg)) {
                    assertTrue(Math.abs(begg.kendallTau()) <= 1, () -> ctx + " " + begg);
                    assertProbability(begg.pValue(), "Begg p", ctx + " " + begg);
                }
            }
        }
        if (!studies.get(0).hasPersonTime()) {
            HarbordTest h = SmallStudyTests.harbord(studies);
            if (okOrExplained(h.status(), "Harbord " + h + " on " + studies)) {
                regression(h.intercept(), h.slope(), h.interceptSe(), h.t(), h.pValue(), "Harbord " + h + " on " + studies);
            }
        }
    }

    private static void regression(double intercept, double slope, double se, double t, double p, String ctx) {
        assertFinite(intercept, "intercept", ctx);
        assertFinite(slope, "slope", ctx);
        assertTrue(se > 0 && Double.isFinite(se), () -> ctx + ": se must be finite and > 0");
        assertFinite(t, "t", ctx);
        assertProbability(p, "p", ctx);
    }

    /** True for "ok"; otherwise the status must explain itself. */
    private static boolean okOrExplained(String status, String ctx) {
        if (PooledEstimate.OK.equals(status)) {
            return true;
        }
        assertTrue(isNotEstimable(status) || isNotConverged(status), () -> ctx + ": unexpected status");
        return false;
    }

    @Property(tries = 30, seed = "42")
    void trimAndFillIsFiniteOrSaysWhyNot(@ForAll("studies") List<StudyCounts> studies) {
        for (EffectMeasure measure : measuresFor(studies)) {
            for (ZeroCellRule rule : FuzzStudies.RULES) {
                for (PoolingMethod method : MODEL_METHODS) {
                    for (TrimAndFill.Estimator estimator : TrimAndFill.Estimator.values()) {
                        String ctx = measure + "/" + method + "/" + rule.label() + "/" + estimator + " on " + studies;
                        TrimAndFillResult r = TrimAndFill.of(studies, measure, method, CiMethod.WALD_Z, rule, null, estimator);
                        if (!okOrExplained(r.status(), ctx + " " + r)) {
                            continue;
                        }
                        assertTrue(r.k0() >= 0 && r.side() != null, () -> ctx + " " + r);
                        assertEquals(r.k0(), r.filled().size(), () -> ctx + " " + r);
                        if (r.k0() > 0 || estimator == TrimAndFill.Estimator.R0) {
                            assertFinite(r.k0Se(), "k0 se", ctx + " " + r);
                        } else {
                            // as metafor: Duval & Tweedie's variance of S_r can go negative for L0 < 0, se NaN
                            assertTrue(Double.isNaN(r.k0Se()) || r.k0Se() >= 0, () -> ctx + " " + r);
                        }
                        for (EffectSize f : r.filled()) {
                            assertTrue(f.isUsable(), () -> ctx + ": filled study " + f);
                        }
                        FuzzStudies.assertWellFormed(r.observed(), PredictionInterval.DEFAULT, ctx + " observed");
                        FuzzStudies.assertWellFormed(r.adjusted(), PredictionInterval.DEFAULT, ctx + " adjusted");
                        assertEquals(r.observed().k() + r.k0(), r.adjusted().k(), () -> ctx + " " + r);
                    }
                }
            }
        }
    }

    @Property(tries = 100, seed = "42")
    void influenceIsFiniteOrSaysWhyNot(@ForAll("studies") List<StudyCounts> studies) {
        for (EffectMeasure measure : measuresFor(studies)) {
            for (ZeroCellRule rule : FuzzStudies.RULES) {
                for (PoolingMethod method : MODEL_METHODS) {
                    String ctx = measure + "/" + method + "/" + rule.label() + " on " + studies;
                    InfluenceDiagnostics d = Influence.of(studies, measure, method, rule);
                    if (!okOrExplained(d.status(), ctx + " " + d)) {
                        continue;
                    }
                    assertEquals(d.k(), d.studies().size(), () -> ctx);
                    double hats = 0;
                    for (StudyInfluence s : d.studies()) {
                        String c = ctx + " " + s;
                        for (double x : new double[] {s.rstudent(), s.dffits(), s.cooksDistance(), s.covRatio(),
                                s.tau2Deleted(), s.qDeleted(), s.hat(), s.weight(), s.dfbetas()}) {
                            assertFinite(x, "diagnostic", c);
                        }
                        assertTrue(s.cooksDistance() >= 0 && s.covRatio() > 0 && s.tau2Deleted() >= 0, () -> c);
                        assertTrue(s.hat() >= 0 && s.hat() <= 1, () -> c);
                        hats += s.hat();
                    }
                    assertEquals(1, hats, 1e-9, () -> ctx + ": leverages sum to 1");
                    for (BaujatPoint b : d.baujat()) {
                        assertTrue(b.contributionToQ() >= 0 && Double.isFinite(b.contributionToQ())
                                && b.influence() >= 0 && Double.isFinite(b.influence()), () -> ctx + " " + b);
                    }
                }
            }
        }
    }

    @Property(tries = 200, seed = "42")
    void forestPlotWeightsAreFiniteAndSumTo100(@ForAll("studies") List<StudyCounts> studies,
                                               @ForAll("tau2") double tau2) {
        for (EffectMeasure measure : measuresFor(studies)) {
            for (ZeroCellRule rule : FuzzStudies.RULES) {
                for (PoolingMethod method : PoolingMethod.values()) {
                    if (!Poolers.supports(measure, method, CiMethod.WALD_Z)) {
                        continue;
                    }
                    Map<String, Double> w = StudyWeights.percent(studies, measure, method, rule, tau2);
                    String ctx = measure + "/" + method + "/" + rule.label() + " tau²=" + tau2 + " on " + studies + ": " + w;
                    double sum = 0;
                    for (double x : w.values()) {
                        assertTrue(x >= 0 && x <= 100, () -> ctx);
                        sum += x;
                    }
                    if (!w.isEmpty()) {
                        assertEquals(100, sum, 1e-9, () -> ctx);
                    }
                }
            }
        }
    }

    @Provide
    Arbitrary<Double> tau2() {
        return Arbitraries.oneOf(Arbitraries.just(0.0), Arbitraries.just(Double.NaN), Arbitraries.doubles().between(0, 10));
    }
}
