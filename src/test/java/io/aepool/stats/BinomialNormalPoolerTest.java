package io.aepool.stats;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The binomial-normal model (UM.FS) agrees with metafor 3.8-1 {@code rma.glmm} with lme4 1.1-31 ({@code nAGQ = 7};
 * {@code src/test/resources/oracle/glmm-um-fs.json}) to the precision lme4's optimiser reaches: our maximum is never
 * below lme4's log-likelihood, and the estimates agree to {@link #LME4_REL_TOL} relative (τ² absolutely near 0).
 */
class BinomialNormalPoolerTest {

    /**
     * lme4 stops its bobyqa/Nelder-Mead search at a gradient of up to 2e-3, and for li2007 did not converge (it warns:
     * max|grad| = 0.0058; our maximum there is 5.7e-7 higher than the likelihood at its estimates). Measured relative
     * differences of the log odds ratio: bcg 1.3e-5, li2007 3.0e-4, hine1989 and sparse10 (tau = 0) below 1e-8; of
     * the standard error (lme4's from a finite-difference Hessian) bcg 3.0e-5, li2007 2.3e-4, hine1989 5e-8, sparse10
     * 8e-7; tau² bcg 2.6e-5, li2007 4.1e-4.
     */
    static final double LME4_REL_TOL = 5e-4;
    static final double LME4_SE_REL_TOL = 2e-3;

    @TestFactory
    Stream<DynamicNode> agreesWithRmaGlmmUmFs() {
        JsonNode all = MetaforOracleTest.load("glmm-um-fs.json");
        List<DynamicNode> tests = new ArrayList<>();
        all.properties().forEach(e -> tests.add(DynamicTest.dynamicTest(e.getKey(), () -> {
            List<StudyCounts> studies = e.getKey().equals("sparse10")
                    ? ReferenceData.load("oracle", "sparse10").studies() : ReferenceData.load(e.getKey()).studies();
            BinomialNormalPooler pooler = new BinomialNormalPooler(ZeroCellRule.DEFAULT.withoutCorrection(), PredictionInterval.Z);
            PooledEstimate r = pooler.pool(studies);
            assertTrue(r.isOk(), r.status());
            JsonNode exp = e.getValue();
            String w = e.getKey();
            double logLik = pooler.logLikAtMaximum(studies);
            assertAll(w,
                    () -> assertEquals(exp.get("k").asInt(), r.k(), w + " k"),
                    // a maximiser reaches at least the likelihood at lme4's estimates (integrate(); lme4's own logLik
                    // for nAGQ > 1 is not the marginal likelihood and is not compared); 1e-6 is the 7-point rule's error
                    () -> assertTrue(logLik >= exp.get("loglik_integrate").asDouble() - 1e-6,
                            w + ": our maximum " + logLik + " is below the likelihood at lme4's estimates "
                                    + exp.get("loglik_integrate").asDouble()),
                    () -> assertEquals(exp.get("loglik_integrate").asDouble(), logLik, 1e-4, w + " log-likelihood"),
                    () -> near(w, "log_estimate", exp.get("log_estimate").asDouble(), r.theta(), LME4_REL_TOL),
                    () -> near(w, "se", exp.get("se").asDouble(), r.se(), LME4_SE_REL_TOL),
                    () -> near(w, "ci_lb", exp.get("ci_lb").asDouble(), r.ciLow(), LME4_SE_REL_TOL),
                    () -> near(w, "ci_ub", exp.get("ci_ub").asDouble(), r.ciHigh(), LME4_SE_REL_TOL),
                    () -> near(w, "tau2", exp.get("tau2").asDouble(), r.tau2(), LME4_REL_TOL * 10),
                    () -> near(w, "I2", exp.get("I2").asDouble() / 100, r.i2(), LME4_REL_TOL * 10),
                    () -> near(w, "QE_LRT", exp.get("QE_LRT").asDouble(), r.q(), LME4_REL_TOL),
                    () -> assertEquals(r.k() - 1, r.qDf()));
        })));
        return tests.stream();
    }

    private static void near(String where, String field, double expected, double actual, double rel) {
        double diff = Math.abs(actual - expected);
        if (!(diff <= rel * Math.abs(expected) || Math.abs(expected) < 1e-6 && diff < 1e-6)) {
            fail(String.format("%s %s: lme4 %.10g, ours %.10g (relative difference %.2g)", where, field, expected, actual,
                    diff / Math.abs(expected)));
        }
    }

    @Test
    void eventsInOneArmOnlyEverywhereHaveNoFiniteEstimateAndSaySo() {
        List<StudyCounts> monotone = List.of(StudyCounts.binary("a", 3, 50, 0, 50), StudyCounts.binary("b", 2, 40, 0, 40));
        PooledEstimate r = Poolers.create(EffectMeasure.OR, PoolingMethod.GLMM, CiMethod.WALD_Z,
                ZeroCellRule.DEFAULT).pool(monotone);
        assertTrue(r.status().startsWith("not estimable: no finite maximum likelihood estimate"), r.status());
    }

    @Test
    void oneInformativeStudyCannotEstimateTau() {
        PooledEstimate r = Poolers.create(EffectMeasure.OR, PoolingMethod.GLMM, CiMethod.WALD_Z, ZeroCellRule.DEFAULT)
                .pool(List.of(StudyCounts.binary("a", 3, 50, 1, 50), StudyCounts.binary("b", 0, 40, 0, 40)));
        assertEquals(1, r.k());
        assertTrue(r.status().contains("two or more studies"), r.status());
    }

    @Test
    void withoutHeterogeneityTauIsZeroAndTheEstimateIsTheFixedEffectLogisticOne() {
        // identical studies: the profile in tau falls from 0, the fit is the common-effect logistic regression
        List<StudyCounts> same = List.of(StudyCounts.binary("a", 10, 100, 5, 100), StudyCounts.binary("b", 10, 100, 5, 100),
                StudyCounts.binary("c", 10, 100, 5, 100));
        PooledEstimate r = Poolers.create(EffectMeasure.OR, PoolingMethod.GLMM, CiMethod.WALD_Z, ZeroCellRule.DEFAULT).pool(same);
        assertTrue(r.isOk(), r.status());
        assertEquals(0.0, r.tau2(), 0.0);
        assertEquals(Math.log((10.0 / 90) / (5.0 / 95)), r.theta(), 1e-8);
        // the pooled table's Woolf variance (1/a + 1/b + 1/c + 1/d over the three studies together)
        assertEquals(Math.sqrt((1.0 / 30 + 1.0 / 270 + 1.0 / 15 + 1.0 / 285)), r.se(), 1e-6);
        assertEquals(0.0, r.q(), 1e-9);
    }
}
