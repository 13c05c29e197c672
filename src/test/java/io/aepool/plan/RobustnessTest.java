package io.aepool.plan;

import io.aepool.stats.CiMethod;
import io.aepool.stats.EffectMeasure;
import io.aepool.stats.PoolingMethod;
import io.aepool.stats.PredictionInterval;
import io.aepool.stats.ZeroCellRule;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The robustness verdict counts distinct analyses (specs with equal estimate and interval are one), reports method
 * choices on all studies apart from data choices under the primary method, and names the choices behind a flip.
 */
class RobustnessTest {

    static final AnalysisSpec PRIMARY = new AnalysisSpec("p", "si", EffectMeasure.RR, PoolingMethod.MH, CiMethod.WALD_Z,
            PredictionInterval.DEFAULT, ZeroCellRule.DEFAULT, Subset.ALL);
    static final String Z = "only0:0.5,drop00";
    static final String ALL05 = "all:0.5,drop00";

    static Robustness.Point point(String method, String ci, String zero, String kind, String subset,
                                  double est, double lo, double hi) {
        return new Robustness.Point("p|si|RR|" + method + "|" + ci + "|t(k-2)|" + zero + "|" + subset, "p", "si",
                EffectMeasure.RR, method, ci, "t(k-2)", zero, kind, subset, est, lo, hi, "ok");
    }

    static Robustness.Point point(String method, String kind, String subset, double est, double lo, double hi) {
        return point(method, "wald-z", Z, kind, subset, est, lo, hi);
    }

    static Robustness.Summary summary(Robustness.Point... points) {
        List<Robustness.Summary> s = Robustness.summarise(List.of(points), PRIMARY);
        assertEquals(1, s.size());
        return s.get(0);
    }

    @Test
    void duplicateSpecsAreOneDistinctAnalysisAndCastOneVote() {
        // MH is the same under every zero rule here; DL = REML = IV when tau² = 0; leaving out a double-zero study
        // gives the whole pool again. Counted per spec these 8 rows were "fragile: 50% of 8 analyses include RR = 1".
        Robustness.Summary r = summary(
                point("MH", "wald-z", Z, "all", "all", 0.7, 0.5, 1.05),
                point("MH", "wald-z", ALL05, "all", "all", 0.7, 0.5, 1.05),
                point("MH", "wald-z", "tacc,drop00", "all", "all", 0.7, 0.5, 1.05),
                point("MH", "wald-z", Z, "loo", "loo:DZ", 0.7, 0.5, 1.05),
                point("DL", "hksj-adhoc", Z, "all", "all", 0.68, 0.55, 0.85),
                point("REML", "hksj-adhoc", Z, "all", "all", 0.68, 0.55, 0.85),
                point("DL", "hksj-adhoc", ALL05, "all", "all", 0.68, 0.55, 0.85),
                point("REML", "hksj-adhoc", ALL05, "all", "all", 0.68, 0.55, 0.85));
        assertEquals(8, r.estimable());
        assertEquals(2, r.distinct());
        assertEquals(1, r.distinctExcludingNull());
        assertEquals(0.5, r.shareExcludingNull());
        assertEquals(2, r.methodDistinct());
        assertEquals(1, r.dataDistinct(), "MH on all studies and without the double-zero study are one analysis");
        assertTrue(r.verdict().startsWith("fragile: 1 of 2 distinct analyses (from 8 specs) exclude RR = 1 while the "
                + "reference includes it (method choices (all studies): 1 of 2; data choices (primary method): 0 of 1)"),
                r.verdict());
    }

    @Test
    void robustWhenEveryDistinctAnalysisAgreesWithTheReference() {
        Robustness.Summary r = summary(
                point("MH", "all", "all", 0.7, 0.4, 1.1),
                point("MH", "loo", "loo:A", 0.8, 0.5, 1.3),
                point("MH", "loo", "loo:B", 0.6, 0.3, 1.05),
                point("DL", "all", "all", 0.72, 0.41, 1.2),
                point("IV", "all", "all", 0.72, 0.41, 1.2),
                // subgroups and cumulative steps are not sensitivity analyses of the conclusion
                point("MH", "subgroup", "subgroup:condition=x", 0.3, 0.1, 0.9),
                point("MH", "cum", "cum:A", 0.2, 0.1, 0.5));
        assertEquals(5, r.analyses());
        assertEquals(4, r.distinct());
        assertEquals("robust: 100% of 4 distinct analyses (from 5 specs) include RR = 1 (method choices (all studies): "
                + "2 of 2; data choices (primary method): 3 of 3)", r.verdict());
        assertEquals(0.6, r.minEstimate());
        assertEquals(0.71, r.medianEstimate(), 1e-12, "median of the distinct estimates 0.6, 0.7, 0.72, 0.8");
        assertEquals(0.0, r.shareExcludingNull());
        assertEquals("p|si|RR|MH|wald-z|t(k-2)|" + Z + "|all", r.referenceId());
        assertFalse(r.referenceExcludesNull());
        // |log 0.6 − log 0.7| > |log 0.8 − log 0.7|
        assertEquals("loo:B", r.mostInfluential());
        assertNull(r.flipDrivers());
    }

    @Test
    void theFlipsAreTracedToTheOverRepresentedMethodChoice() {
        Robustness.Summary r = summary(
                point("MH", "wald-z", Z, "all", "all", 0.7, 0.45, 1.09),
                point("DL", "wald-z", Z, "all", "all", 0.69, 0.44, 1.08),
                point("DL", "hksj-adhoc", Z, "all", "all", 0.69, 0.55, 0.87),
                point("REML", "wald-z", Z, "all", "all", 0.66, 0.43, 1.02),
                point("REML", "hksj-adhoc", Z, "all", "all", 0.66, 0.52, 0.84),
                point("MH", "wald-z", Z, "loo", "loo:A", 0.72, 0.46, 1.12),
                point("DL", "hksj-adhoc", Z, "loo", "loo:A", 0.71, 0.56, 0.9));
        assertEquals(7, r.distinct());
        assertEquals(3, r.distinctExcludingNull());
        // f/F > n/N: hksj-adhoc 3 of 3 flips against 3 of 7 analyses; DL 2/3 against 3/7; REML 1/3 against 2/7;
        // named by the share of their analyses that flip: 3 of 3, 2 of 3, 1 of 2
        assertEquals("ci_method=hksj-adhoc (3 of 3 flip); method=DL (2 of 3 flip); method=REML (1 of 2 flip)",
                r.flipDrivers());
        assertEquals("fragile: 3 of 7 distinct analyses (from 7 specs) exclude RR = 1 while the reference includes it "
                + "(method choices (all studies): 2 of 5; data choices (primary method): 0 of 2); the flips come from "
                + "method choices: ci_method=hksj-adhoc (3 of 3 flip), method=DL (2 of 3 flip), method=REML (1 of 2 flip)",
                r.verdict());
    }

    @Test
    void theUntruncatedHartungKnappIntervalIsNoOptionOfTheMultiverse() {
        // narrower than Wald's when Q < k - 1: counted, its 4 rows made the reference look fragile
        Robustness.Summary r = summary(
                point("MH", "wald-z", Z, "all", "all", 0.7, 0.45, 1.09),
                point("DL", "hksj", Z, "all", "all", 0.69, 0.55, 0.87),
                point("REML", "hksj", Z, "all", "all", 0.66, 0.52, 0.84),
                point("DL", "hksj", ALL05, "all", "all", 0.62, 0.5, 0.8),
                point("DL", "hksj-adhoc", Z, "all", "all", 0.69, 0.42, 1.13));
        assertEquals(2, r.distinct());
        assertEquals(0, r.distinctExcludingNull());
        assertTrue(r.verdict().startsWith("robust: 100% of 2 distinct analyses (from 2 specs) include RR = 1"), r.verdict());
    }

    @Test
    void aRemovalThatFlipsUnderThePrimaryMethodIsNamedAsADataChoice() {
        Robustness.Summary r = summary(
                point("MH", "all", "all", 0.7, 0.5, 0.98),
                point("MH", "loo", "loo:A", 0.75, 0.52, 1.08),
                point("MH", "loo", "loo:B", 0.68, 0.49, 0.95),
                point("MH", "lso", "lso:condition=pso", 0.8, 0.6, 1.07),
                point("DL", "all", "all", 0.7, 0.47, 0.99));
        assertTrue(r.referenceExcludesNull());
        assertEquals(2, r.dataDistinct() - r.dataExcludingNull());
        assertEquals("fragile: 2 of 5 distinct analyses (from 5 specs) include RR = 1 while the reference excludes it "
                + "(method choices (all studies): 0 of 2; data choices (primary method): 2 of 4); "
                + "the flips come from data choices: dropping A, dropping condition pso", r.verdict());
    }

    @Test
    void specificationCurveRanksDistinctAnalysesAndListsTheSpecsBehindEach() {
        List<Robustness.Point> points = List.of(
                point("MH", "wald-z", Z, "all", "all", 0.7, 0.5, 1.05),
                point("MH", "wald-z", ALL05, "all", "all", 0.7, 0.5, 1.05),
                point("MH", "wald-z", Z, "loo", "loo:DZ", 0.7, 0.5, 1.05),
                point("DL", "hksj-adhoc", Z, "all", "all", 0.68, 0.55, 0.85),
                point("REML", "hksj-adhoc", Z, "all", "all", 0.68, 0.55, 0.85),
                point("MH", "wald-z", Z, "loo", "loo:A", 0.9, 0.6, 1.3));
        List<Robustness.CurveRow> curve = Robustness.curve(points, PRIMARY);
        assertEquals(List.of(1, 2, 3), curve.stream().map(Robustness.CurveRow::rank).toList());
        assertEquals(List.of(0.68, 0.7, 0.9), curve.stream().map(Robustness.CurveRow::estimate).toList());

        Robustness.CurveRow hksj = curve.get(0);
        assertEquals("DL;REML", hksj.method());
        assertEquals("hksj-adhoc", hksj.ciMethod());
        assertTrue(hksj.excludesNull() && hksj.flips() && !hksj.reference() && hksj.allStudies() && !hksj.primaryModel());

        Robustness.CurveRow reference = curve.get(1);
        assertEquals(3, reference.nSpecs());
        assertEquals("MH", reference.method());
        assertEquals(ALL05 + ";" + Z, reference.zeroRule());
        assertEquals("all;loo", reference.subsetKind());
        assertEquals("all;loo:DZ", reference.subset());
        assertEquals(3, reference.analysisIds().split(Robustness.SEPARATOR).length);
        assertTrue(reference.reference() && !reference.flips() && reference.primaryModel());

        assertFalse(curve.get(2).allStudies());
        assertEquals(Robustness.CurveRow.COLUMNS.size(), reference.values().length);
    }

    @Test
    void estimatesEqualTo10SignificantDigitsAreOneAnalysisAndLargerDifferencesAreNot() {
        List<Robustness.Point> points = new ArrayList<>(List.of(
                point("MH", "all", "all", 0.7, 0.5, 1.05),
                point("IV", "all", "all", 0.7 * (1 + 1e-13), 0.5, 1.05 * (1 - 1e-13)),
                point("DL", "all", "all", 0.7 * (1 + 1e-7), 0.5, 1.05)));
        assertEquals(2, Robustness.summarise(points, PRIMARY).get(0).distinct());
    }

    @Test
    void poolsAreADataChoiceComparedUnderThePrimaryModel() {
        List<Robustness.Point> points = new ArrayList<>();
        points.add(point("MH", "all", "all", 0.7, 0.45, 1.09));
        points.add(point("DL", "all", "all", 0.6, 0.45, 0.8)); // another model: not a pool choice
        for (String[] pool : new String[][]{{"placebo", "0.72", "0.5", "1.04"}, {"doses", "0.65", "0.5", "0.85"},
                {"doses-b", "0.65", "0.5", "0.85"}}) {
            Robustness.Point p = point("MH", "all", "all", Double.parseDouble(pool[1]), Double.parseDouble(pool[2]),
                    Double.parseDouble(pool[3]));
            points.add(new Robustness.Point(pool[0] + "|" + p.analysisId(), pool[0], p.outcome(), p.measure(), p.method(),
                    p.ciMethod(), p.predictionInterval(), p.zeroRule(), p.subsetKind(), p.subset(), p.estimate(), p.ciLow(),
                    p.ciHigh(), p.status()));
        }
        Robustness.PoolChoice c = Robustness.pools(points, PRIMARY);
        assertEquals(List.of("doses", "doses-b", "p", "placebo"), c.pools());
        assertEquals(3, c.distinct(), "two pools with the same estimate and interval are one distinct analysis");
        assertEquals(List.of("doses", "doses-b"), c.flipping());
        assertEquals("2 of 4 pools include RR = 1 as the primary pool does; doses, doses-b exclude it", c.text());
    }

    @Test
    void anOutcomeWithNothingEstimableSaysSo() {
        Robustness.Summary r = Robustness.summarise(List.of(new Robustness.Point("x", "p", "si", EffectMeasure.RR, "MH",
                "wald-z", "t(k-2)", Z, "all", "all", null, null, null, "not estimable: no studies")), PRIMARY).get(0);
        assertEquals("not estimable: no analysis of this outcome could be estimated", r.verdict());
        assertNull(r.medianEstimate());
        assertEquals(Robustness.Summary.COLUMNS.size(), r.values().length);
        assertTrue(Robustness.curve(List.of(new Robustness.Point("x", "p", "si", EffectMeasure.RR, "MH",
                "wald-z", "t(k-2)", Z, "all", "all", null, null, null, "not estimable: no studies")), PRIMARY).isEmpty());
    }
}
