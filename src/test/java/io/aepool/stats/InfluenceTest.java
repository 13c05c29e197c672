package io.aepool.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class InfluenceTest {

    private static final ZeroCellRule RULE = ZeroCellRule.DEFAULT;

    /** IRD with person-time 1000 per arm and 20 events per study: v = 20e-6; y = 0, 0, 6e-3. */
    private static final List<StudyCounts> THREE = List.of(
            StudyCounts.rate("a", 10, 1000, 10, 1000),
            StudyCounts.rate("b", 10, 1000, 10, 1000),
            StudyCounts.rate("c", 13, 1000, 7, 1000));

    @Test
    void handWorkedFixedEffectExample() {
        // full: θ = 2e-3, Var θ = 20e-6/3, hat = 1/3. Without c: θ = 0, Var = 10e-6. Without a: θ = 3e-3, Var = 10e-6.
        InfluenceDiagnostics d = Influence.of(THREE, EffectMeasure.IRD, PoolingMethod.IV, RULE);
        assertTrue(d.isOk(), d.status());
        StudyInfluence a = d.studies().get(0);
        StudyInfluence c = d.studies().get(2);
        assertEquals("c", c.studyId());
        assertEquals(6 / Math.sqrt(30), c.rstudent(), 1e-12, "6e-3/√(20e-6 + 10e-6)");
        assertEquals(Math.sqrt(0.6), c.dffits(), 1e-12, "2e-3/√(1/3 · 20e-6)");
        assertEquals(0.6, c.cooksDistance(), 1e-12, "(2e-3)²/(20e-6/3)");
        assertEquals(1.5, c.covRatio(), 1e-12, "10e-6/(20e-6/3)");
        assertEquals(0, c.qDeleted(), 1e-12);
        assertEquals(0, c.tau2Deleted());
        assertEquals(1.0 / 3, c.hat(), 1e-15);
        assertEquals(100.0 / 3, c.weight(), 1e-12);
        assertEquals(Math.sqrt(0.6), c.dfbetas(), 1e-12);
        assertTrue(c.influential(), "P(χ²₁ <= 0.6) = 0.56 > 0.5");

        assertEquals(-3 / Math.sqrt(30), a.rstudent(), 1e-12);
        assertEquals(0.15, a.cooksDistance(), 1e-12);
        assertEquals(0.9, a.qDeleted(), 1e-12, "(3e-3)²·2/20e-6");
        assertEquals(-Math.sqrt(0.15), a.dfbetas(), 1e-12);
        assertFalse(a.influential());

        BaujatPoint bc = d.baujat().get(2);
        assertEquals(0.8, bc.contributionToQ(), 1e-12, "(4e-3)²/20e-6");
        assertEquals(0.4, bc.influence(), 1e-12, "(2e-3)²/10e-6");
        assertEquals(0.2, d.baujat().get(0).contributionToQ(), 1e-12);
        assertEquals(0.1, d.baujat().get(0).influence(), 1e-12);
    }

    @Test
    void randomEffectsDiagnosticsAgreeWithTheLeaveOneOutModels() {
        List<StudyCounts> bcg = ReferenceData.load("bcg").studies();
        Pooler dl = Poolers.create(EffectMeasure.RR, PoolingMethod.DL, CiMethod.WALD_Z, RULE);
        PooledEstimate full = dl.pool(bcg);
        Map<String, PooledEstimate> loo = Sensitivity.leaveOneOut(dl, bcg);
        List<EffectSize> es = EffectSizes.all(bcg, EffectMeasure.RR, RULE);
        InfluenceDiagnostics d = Influence.of(bcg, EffectMeasure.RR, PoolingMethod.DL, RULE);
        assertTrue(d.isOk(), d.status());
        assertEquals(13, d.studies().size());
        double sumHat = 0;
        for (int i = 0; i < es.size(); i++) {
            StudyInfluence s = d.studies().get(i);
            PooledEstimate without = loo.get(s.studyId());
            double diff = full.theta() - without.theta();
            assertEquals(es.get(i).studyId(), s.studyId());
            assertEquals(without.tau2(), s.tau2Deleted(), 1e-12);
            assertEquals(without.q(), s.qDeleted(), 1e-9);
            assertEquals(Math.pow(without.se() / full.se(), 2), s.covRatio(), 1e-9, "det ratio = se² ratio");
            assertEquals(diff * diff / (full.se() * full.se()), s.cooksDistance(), 1e-9);
            assertEquals((es.get(i).yi() - without.theta())
                    / Math.sqrt(es.get(i).vi() + without.tau2() + without.se() * without.se()), s.rstudent(), 1e-9);
            assertEquals(diff * diff / (without.se() * without.se()), d.baujat().get(i).influence(), 1e-9);
            sumHat += s.hat();
        }
        assertEquals(1, sumHat, 1e-12, "leverages of an intercept-only model sum to p = 1");
    }

    @Test
    void baujatContributionsOfTheFixedEffectModelSumToCochransQ() {
        List<StudyCounts> bcg = ReferenceData.load("bcg").studies();
        InfluenceDiagnostics d = Influence.of(bcg, EffectMeasure.OR, PoolingMethod.IV, RULE);
        double q = d.baujat().stream().mapToDouble(BaujatPoint::contributionToQ).sum();
        assertEquals(Poolers.create(EffectMeasure.OR, PoolingMethod.IV, CiMethod.WALD_Z, RULE).pool(bcg).q(), q, 1e-9);
    }

    @Test
    void fewerThanThreeStudiesAreNotEstimableAndMantelHaenszelIsRejected() {
        InfluenceDiagnostics d = Influence.of(THREE.subList(0, 2), EffectMeasure.IRD, PoolingMethod.DL, RULE);
        assertEquals("not estimable: fewer than 3 studies", d.status());
        assertTrue(d.studies().isEmpty() && d.baujat().isEmpty());
        assertThrows(IllegalArgumentException.class, () -> Influence.of(THREE, EffectMeasure.IRD, PoolingMethod.MH, RULE));
    }
}
