package io.aepool.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Meta-regression of the BCG log risk ratios on publication year; expected values derived in closed form for one
 * covariate (centring x at its weighted mean makes X'WX diagonal).
 */
class MetaRegressionTest {

    private static final ReferenceData BCG = ReferenceData.load("bcg");
    private static final ZeroCellRule RULE = ZeroCellRule.DEFAULT;

    private static MetaRegressionResult byYear(PoolingMethod method) {
        return MetaRegression.numeric(BCG.studies(), BCG::yearOf, "year", EffectMeasure.RR, method, RULE);
    }

    private static double[][] yvx() {
        List<EffectSize> es = EffectSizes.all(BCG.studies(), EffectMeasure.RR, RULE);
        double[][] out = new double[3][es.size()];
        for (int i = 0; i < es.size(); i++) {
            out[0][i] = es.get(i).yi();
            out[1][i] = es.get(i).vi();
            out[2][i] = BCG.yearOf(es.get(i).studyId());
        }
        return out;
    }

    /** Weighted simple regression at tau²: {intercept, slope, Sxx = Σw(x − x̄w)², Σw, x̄w, Σw(y − a − bx)²}. */
    private static double[] wls(double[] y, double[] v, double[] x, double tau2) {
        double sw = 0;
        double swx = 0;
        double swy = 0;
        for (int i = 0; i < y.length; i++) {
            double w = 1 / (v[i] + tau2);
            sw += w;
            swx += w * x[i];
            swy += w * y[i];
        }
        double xbar = swx / sw;
        double ybar = swy / sw;
        double sxx = 0;
        double sxy = 0;
        for (int i = 0; i < y.length; i++) {
            double w = 1 / (v[i] + tau2);
            sxx += w * (x[i] - xbar) * (x[i] - xbar);
            sxy += w * (x[i] - xbar) * (y[i] - ybar);
        }
        double b = sxy / sxx;
        double a = ybar - b * xbar;
        double rss = 0;
        for (int i = 0; i < y.length; i++) {
            rss += (y[i] - a - b * x[i]) * (y[i] - a - b * x[i]) / (v[i] + tau2);
        }
        return new double[] {a, b, sxx, sw, xbar, rss};
    }

    @Test
    void dersimonianLairdResidualTau2AndSlopeMatchTheClosedForm() {
        double[][] d = yvx();
        double[] y = d[0];
        double[] v = d[1];
        double[] x = d[2];
        int k = y.length;
        double[] fe = wls(y, v, x, 0);
        // tr(P) = Σw − Σw²/Σw − Σw²(x − x̄)²/Sxx at tau² = 0
        double sw2 = 0;
        double sw2xx = 0;
        for (int i = 0; i < k; i++) {
            double w = 1 / v[i];
            sw2 += w * w;
            sw2xx += w * w * (x[i] - fe[4]) * (x[i] - fe[4]);
        }
        double trP = fe[3] - sw2 / fe[3] - sw2xx / fe[2];
        double tau2 = Math.max(0, (fe[5] - (k - 2)) / trP);
        double[] re = wls(y, v, x, tau2);

        MetaRegressionResult r = byYear(PoolingMethod.DL);
        assertTrue(r.isOk(), r.status());
        assertEquals(13, r.k());
        assertEquals(tau2, r.tau2(), 1e-10, "uncentred years near 1950 cost a few digits, as in metafor");
        assertTrue(tau2 > 0.1, "bcg stays heterogeneous after adjusting for year");
        MetaRegressionCoefficient slope = r.coefficients().get(1);
        assertEquals("year", slope.name());
        assertEquals(re[1], slope.estimate(), 1e-12);
        assertEquals(1 / Math.sqrt(re[2]), slope.se(), 1e-12);
        assertEquals(re[0], r.coefficients().get(0).estimate(), 1e-9 * Math.abs(re[0]));
        assertEquals(re[1] * re[1] * re[2], r.qm(), 1e-9, "QM = b²·Sxx = z²");
        assertEquals(slope.z() * slope.z(), r.qm(), 1e-9);
        assertEquals(slope.pValue(), r.qmP(), 1e-9);
        assertEquals(1, r.qmDf());
        assertEquals(fe[5], r.qe(), 1e-9);
        assertEquals(11, r.qeDf());
        assertTrue(slope.estimate() > 0, "later trials found smaller benefits");
        assertEquals(Math.max(0, (Poolers.create(EffectMeasure.RR, PoolingMethod.DL, CiMethod.WALD_Z, RULE)
                .pool(BCG.studies()).tau2() - tau2) / Poolers.create(EffectMeasure.RR, PoolingMethod.DL, CiMethod.WALD_Z,
                RULE).pool(BCG.studies()).tau2()), r.r2(), 1e-9);
        assertEquals(tau2 / (tau2 + (k - 2) / trP), r.i2(), 1e-9);
        assertTrue(!r.fewerThanTenStudies());
    }

    @Test
    void remlResidualTau2SolvesTheRestrictedScoreEquation() {
        double[][] d = yvx();
        double[] y = d[0];
        double[] v = d[1];
        double[] x = d[2];
        MetaRegressionResult r = byYear(PoolingMethod.REML);
        assertTrue(r.isOk(), r.status());
        double tau2 = r.tau2();
        assertTrue(tau2 > 0);
        // score ∝ y'PPy − tr(P); P y = W r; tr(P) = Σw − Σw²/Σw − Σw²(x − x̄)²/Sxx
        double[] re = wls(y, v, x, tau2);
        double yPPy = 0;
        double sw2 = 0;
        double sw2xx = 0;
        for (int i = 0; i < y.length; i++) {
            double w = 1 / (v[i] + tau2);
            double res = y[i] - re[0] - re[1] * x[i];
            yPPy += w * w * res * res;
            sw2 += w * w;
            sw2xx += w * w * (x[i] - re[4]) * (x[i] - re[4]);
        }
        double trP = re[3] - sw2 / re[3] - sw2xx / re[2];
        assertEquals(0, (yPPy - trP) / trP, 1e-4, "Fisher scoring stops within metafor's 1e-5 change in tau²");
        assertEquals(re[1], r.coefficients().get(1).estimate(), 1e-12);
        assertEquals(1 / Math.sqrt(re[2]), r.coefficients().get(1).se(), 1e-12);
    }

    @Test
    void fixedEffectRegressionSplitsCochransQIntoModelAndResidual() {
        MetaRegressionResult r = byYear(PoolingMethod.IV);
        PooledEstimate iv = Poolers.create(EffectMeasure.RR, PoolingMethod.IV, CiMethod.WALD_Z, RULE).pool(BCG.studies());
        assertEquals(iv.q(), r.qe() + r.qm(), 1e-9);
        assertEquals(0, r.tau2());
        assertEquals(0, r.i2());
        assertTrue(Double.isNaN(r.r2()), "no tau² to explain in a fixed-effect model");
    }

    @Test
    void categoricalFixedEffectQmIsTheQBetweenOfTheSubgroups() {
        MetaRegressionResult r = MetaRegression.categorical(BCG.studies(), BCG::groupOf, "allocation", EffectMeasure.RR,
                PoolingMethod.IV, RULE);
        Pooler iv = Poolers.create(EffectMeasure.RR, PoolingMethod.IV, CiMethod.WALD_Z, RULE);
        SubgroupAnalysis sub = Sensitivity.subgroups(iv, BCG.studies(), BCG::groupOf);
        assertTrue(r.isOk(), r.status());
        assertEquals(sub.test().df(), r.qmDf());
        assertEquals(2, r.qmDf());
        assertEquals(sub.test().qBetween(), r.qm(), 1e-9);
        assertEquals(sub.test().pValue(), r.qmP(), 1e-9);
        // dummy coding against the first level in label order: intercept = reference group's estimate
        List<String> levels = List.copyOf(sub.groups().keySet());
        assertEquals("intercept", r.coefficients().get(0).name());
        assertEquals(sub.groups().get(levels.get(0)).theta(), r.coefficients().get(0).estimate(), 1e-12);
        assertEquals("allocation=" + levels.get(1), r.coefficients().get(1).name());
        assertEquals(sub.groups().get(levels.get(1)).theta() - sub.groups().get(levels.get(0)).theta(),
                r.coefficients().get(1).estimate(), 1e-12);
    }

    @Test
    void aConstantCovariateIsNotEstimable() {
        MetaRegressionResult r = MetaRegression.numeric(BCG.studies(), id -> 1.0, "one", EffectMeasure.RR,
                PoolingMethod.DL, RULE);
        assertEquals("not estimable: one does not vary between studies (or its levels are confounded)", r.status());
        assertTrue(Double.isNaN(r.qm()));
    }

    @Test
    void studiesWithoutACovariateValueAreLeftOut() {
        List<StudyCounts> s = BCG.studies();
        String first = s.get(0).studyId();
        MetaRegressionResult r = MetaRegression.numeric(s, id -> id.equals(first) ? null : BCG.yearOf(id), "year",
                EffectMeasure.RR, PoolingMethod.DL, RULE);
        assertEquals(12, r.k());
        assertTrue(!r.fewerThanTenStudies());
        MetaRegressionResult two = MetaRegression.numeric(s.subList(0, 2), BCG::yearOf, "year", EffectMeasure.RR,
                PoolingMethod.DL, RULE);
        assertEquals("not estimable: fewer than 3 studies for 2 coefficients", two.status());
        assertTrue(two.fewerThanTenStudies());
    }

    @Test
    void mantelHaenszelIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> byYear(PoolingMethod.MH));
    }
}
