package io.aepool.plan;

import io.aepool.stats.CiMethod;
import io.aepool.stats.EffectMeasure;
import io.aepool.stats.PoolingMethod;
import io.aepool.stats.PredictionInterval;
import io.aepool.stats.ZeroCellRule;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** The robustness verdict: what share of the sensitivity grid agrees with the reference analysis, and what flips it. */
class RobustnessTest {

    static final AnalysisSpec PRIMARY = new AnalysisSpec("p", "si", EffectMeasure.RR, PoolingMethod.MH, CiMethod.WALD_Z,
            PredictionInterval.DEFAULT, ZeroCellRule.DEFAULT, Subset.ALL);
    static final String Z = "only0:0.5,drop00";

    static Robustness.Point point(String method, String kind, String subset, double est, double lo, double hi) {
        return new Robustness.Point("p|si|RR|" + method + "|" + subset, "p", "si", EffectMeasure.RR, method, "wald-z",
                "t(k-2)", Z, kind, subset, est, lo, hi, "ok");
    }

    @Test
    void robustWhenEveryAnalysisAgreesWithTheReference() {
        List<Robustness.Summary> s = Robustness.summarise(List.of(
                point("MH", "all", "all", 0.7, 0.4, 1.1),
                point("MH", "loo", "loo:A", 0.8, 0.5, 1.3),
                point("MH", "loo", "loo:B", 0.6, 0.3, 1.05),
                point("DL", "all", "all", 0.72, 0.41, 1.2),
                // subgroups and cumulative steps are not sensitivity analyses of the conclusion
                point("MH", "subgroup", "subgroup:condition=x", 0.3, 0.1, 0.9),
                point("MH", "cum", "cum:A", 0.2, 0.1, 0.5)), PRIMARY);
        assertEquals(1, s.size());
        Robustness.Summary r = s.get(0);
        assertEquals(4, r.analyses());
        assertEquals("robust: 100% of 4 analyses include RR = 1", r.verdict());
        assertEquals(0.6, r.minEstimate());
        assertEquals(0.71, r.medianEstimate(), 1e-12);
        assertEquals(0.0, r.shareExcludingNull());
        assertEquals("p|si|RR|MH|all", r.referenceId());
        // |log 0.6 − log 0.7| > |log 0.8 − log 0.7|
        assertEquals("loo:B", r.mostInfluential());
    }

    @Test
    void fragileNamesTheStudyWhoseRemovalChangesSignificance() {
        Robustness.Summary r = Robustness.summarise(List.of(
                point("MH", "all", "all", 0.7, 0.5, 0.98),
                point("MH", "loo", "loo:A", 0.75, 0.52, 1.08),
                point("MH", "loo", "loo:B", 0.68, 0.49, 0.95),
                point("DL", "all", "all", 0.7, 0.45, 1.1)), PRIMARY).get(0);
        assertEquals("fragile: 50% of 4 analyses exclude RR = 1; dropping A changes significance", r.verdict());
    }

    @Test
    void fragileNamesAnotherModelWhenNoRemovalFlipsTheReference() {
        Robustness.Summary r = Robustness.summarise(List.of(
                point("MH", "all", "all", 0.7, 0.5, 0.98),
                point("MH", "loo", "loo:A", 0.72, 0.52, 0.99),
                point("DL", "loo", "loo:A", 0.7, 0.45, 1.1),
                point("DL", "all", "all", 0.7, 0.45, 1.1)), PRIMARY).get(0);
        assertEquals("fragile: 50% of 4 analyses exclude RR = 1; significance changes with DL/wald-z/" + Z + " (all)",
                r.verdict());
    }

    @Test
    void anOutcomeWithNothingEstimableSaysSo() {
        Robustness.Summary r = Robustness.summarise(List.of(new Robustness.Point("x", "p", "si", EffectMeasure.RR, "MH",
                "wald-z", "t(k-2)", Z, "all", "all", null, null, null, "not estimable: no studies")), PRIMARY).get(0);
        assertEquals("not estimable: no analysis of this outcome could be estimated", r.verdict());
        assertNull(r.medianEstimate());
    }
}
