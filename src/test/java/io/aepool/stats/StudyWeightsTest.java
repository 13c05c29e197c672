package io.aepool.stats;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** Forest-plot weights: each method's own weights, in percent of the studies that enter. */
class StudyWeightsTest {

    static final List<StudyCounts> STUDIES = List.of(StudyCounts.binary("a", 4, 100, 8, 100),
            StudyCounts.binary("b", 2, 80, 5, 40), StudyCounts.binary("zero", 0, 60, 0, 60));

    @Test
    void mantelHaenszelRiskRatioWeightsAreCTimesN1OverN() {
        Map<String, Double> w = StudyWeights.percent(STUDIES, EffectMeasure.RR, PoolingMethod.MH, ZeroCellRule.DEFAULT, 0);
        double a = 8 * 100 / 200.0;
        double b = 5 * 80 / 120.0;
        assertEquals(100 * a / (a + b), w.get("a"), 1e-12);
        assertFalse(w.containsKey("zero"), "a double-zero study does not enter a ratio measure");
    }

    @Test
    void inverseVarianceAndRandomEffectsWeightsAgreeWithMetafor() {
        List<StudyCounts> bcg = ReferenceData.load("bcg").studies();
        double tau2 = 0.308760262862376; // bcg.metafor.json RR/DL/Z tau2
        Map<String, Double> w = StudyWeights.percent(bcg, EffectMeasure.RR, PoolingMethod.DL, ZeroCellRule.DEFAULT, tau2);
        assertEquals(100, w.values().stream().mapToDouble(Double::doubleValue).sum(), 1e-9);
        EffectSize aronson = EffectSizes.of(bcg.get(0), EffectMeasure.RR, ZeroCellRule.DEFAULT).orElseThrow();
        double sum = 0;
        for (StudyCounts s : bcg) {
            sum += 1 / (EffectSizes.of(s, EffectMeasure.RR, ZeroCellRule.DEFAULT).orElseThrow().vi() + tau2);
        }
        assertEquals(100 / (aronson.vi() + tau2) / sum, w.get(bcg.get(0).studyId()), 1e-12);
        // R 4.2.2 / metafor 3.8-1: weights(rma(yi, vi, data = escalc("RR", ...bcg), method = "DL"))[1:2]
        assertEquals(5.03649168323173, w.get(bcg.get(0).studyId()), 1e-9);
        assertEquals(6.34732918264198, w.get(bcg.get(1).studyId()), 1e-9);
    }

    @Test
    void mantelHaenszelAndPetoWeightsAgreeWithMetafor() {
        List<StudyCounts> bcg = ReferenceData.load("bcg").studies();
        // weights(rma.mh(..., measure = "RR"))[1:2] and weights(rma.peto(...))[1:2] on bcg
        Map<String, Double> mh = StudyWeights.percent(bcg, EffectMeasure.RR, PoolingMethod.MH, ZeroCellRule.DEFAULT, 0);
        assertEquals(0.656295430727474, mh.get(bcg.get(0).studyId()), 1e-9);
        assertEquals(1.851846593893043, mh.get(bcg.get(1).studyId()), 1e-9);
        Map<String, Double> peto = StudyWeights.percent(bcg, EffectMeasure.OR, PoolingMethod.PETO, ZeroCellRule.DEFAULT, 0);
        assertEquals(0.584494118018665, peto.get(bcg.get(0).studyId()), 1e-9);
        assertEquals(1.365591919232825, peto.get(bcg.get(1).studyId()), 1e-9);
    }

    @Test
    void riskDifferenceKeepsDoubleZeroStudies() {
        Map<String, Double> w = StudyWeights.percent(STUDIES, EffectMeasure.RD, PoolingMethod.MH, ZeroCellRule.DEFAULT, 0);
        assertEquals(3, w.size());
        assertEquals(100 * 30.0 / (50 + 80 * 40 / 120.0 + 30), w.get("zero"), 1e-12);
    }
}
