package io.aepool.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The exact conditional logistic (CM-EL) fixed-effect odds ratio. Agreement with R is in {@link MetaforOracleTest}. */
class ConditionalLogisticPoolerTest {

    private static final Pooler CL = Poolers.conditionalLogistic();

    /**
     * Three tables with one event each and equal arms: the event is in the experimental arm with probability
     * p = e^ψ/(1 + e^ψ). Two of three are: score 2 − 3p = 0 gives p = 2/3, ψ = ln 2; information 3·p(1 − p) = 2/3.
     */
    private static final List<StudyCounts> ONE_EVENT_EACH = List.of(
            StudyCounts.binary("s1", 1, 10, 0, 10),
            StudyCounts.binary("s2", 1, 10, 0, 10),
            StudyCounts.binary("s3", 0, 10, 1, 10));

    @Test
    void handWorkedExample() {
        PooledEstimate r = CL.pool(ONE_EVENT_EACH);
        assertTrue(r.isOk(), r.status());
        assertEquals(3, r.k());
        assertEquals(Math.log(2), r.theta(), 1e-12);
        assertEquals(2, r.estimate(), 1e-12);
        assertEquals(Math.sqrt(1.5), r.se(), 1e-12);
        assertEquals(Math.log(2) - Models.Z_CRIT * Math.sqrt(1.5), r.ciLow(), 1e-12);
        assertEquals(EffectMeasure.OR, r.measure());
        assertEquals(PoolingMethod.CMEL, r.method());
        assertEquals(CiMethod.WALD_Z, r.ciMethod());
        assertEquals(0, r.tau2());
    }

    @Test
    void doubleZeroAndDoubleAllStudiesCarryNoInformation() {
        List<StudyCounts> more = new ArrayList<>(ONE_EVENT_EACH);
        more.add(StudyCounts.binary("zero", 0, 50, 0, 60));
        more.add(StudyCounts.binary("all", 7, 7, 9, 9));
        more.add(StudyCounts.binary("empty arm", 3, 10, 0, 0));
        PooledEstimate r = CL.pool(more);
        assertEquals(3, r.k());
        assertEquals(Math.log(2), r.theta(), 1e-12);
        assertEquals(Math.sqrt(1.5), r.se(), 1e-12);
    }

    @Test
    void allEventsInOneArmHaveNoFiniteMle() {
        List<StudyCounts> monotone = ReferenceData.load("oracle", "monotone3").studies();
        PooledEstimate r = CL.pool(monotone);
        assertFalse(r.isOk());
        assertEquals(2, r.k());
        assertTrue(r.status().startsWith("not estimable: no finite MLE"), r.status());
        assertTrue(Double.isNaN(r.theta()));
        // the mirror image: all events in the control arm
        PooledEstimate low = CL.pool(List.of(StudyCounts.binary("a", 0, 20, 3, 20), StudyCounts.binary("b", 0, 9, 1, 9)));
        assertTrue(low.status().startsWith("not estimable: no finite MLE"), low.status());
    }

    @Test
    void noInformativeStudyIsNotEstimable() {
        assertEquals("not estimable: no studies", CL.pool(List.of()).status());
        assertEquals("not estimable: no studies left after dropping studies without information"
                        + " (no study with both events and non-events)",
                CL.pool(List.of(StudyCounts.binary("zero", 0, 50, 0, 60))).status());
    }

    @Test
    void theScoreIsZeroAtTheEstimateOfAMegaTrialMetaAnalysis() {
        // li2007 includes ISIS-4 (58 050 patients): the exact score Σ(a − E(a; ψ̂)) vanishes at the estimate
        List<StudyCounts> li = ReferenceData.load("li2007").studies();
        PooledEstimate r = CL.pool(li);
        assertTrue(r.isOk(), r.status());
        double score = 0;
        double info = 0;
        for (StudyCounts s : li) {
            long t = s.eventsExp() + s.eventsCtl();
            int lo = (int) Math.max(0, t - s.nCtl());
            int hi = (int) Math.min(s.nExp(), t);
            double[] logp = new double[hi - lo + 1];
            double max = Double.NEGATIVE_INFINITY;
            for (int x = lo; x <= hi; x++) {
                // C(n1, x)·C(n2, t − x)·e^{xψ} through log-gamma (an independent route to the same density)
                logp[x - lo] = lchoose(s.nExp(), x) + lchoose(s.nCtl(), t - x) + x * r.theta();
                max = Math.max(max, logp[x - lo]);
            }
            double s0 = 0;
            double s1 = 0;
            double s2 = 0;
            for (int x = lo; x <= hi; x++) {
                double p = Math.exp(logp[x - lo] - max);
                s0 += p;
                s1 += x * p;
                s2 += (double) x * x * p;
            }
            score += s.eventsExp() - s1 / s0;
            info += s2 / s0 - (s1 / s0) * (s1 / s0);
        }
        assertEquals(0, score, 1e-6);
        assertEquals(1 / Math.sqrt(info), r.se(), 1e-6 * r.se());
    }

    private static double lchoose(long n, long x) {
        return org.apache.commons.math3.special.Gamma.logGamma(n + 1.0) - org.apache.commons.math3.special.Gamma.logGamma(x + 1.0)
                - org.apache.commons.math3.special.Gamma.logGamma(n - x + 1.0);
    }
}
