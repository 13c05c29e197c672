package io.aepool.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TauSquaredTest {

    private static final double[] Y = {0, 1, 3};
    private static final double[] V = {0.1, 0.2, 0.3};

    @Test
    void hedgesIsTheUnweightedMomentEstimator() {
        // Σ(y − ȳ)²/(k − 1) − Σv/k = (42/9)/2 − 0.6/3
        assertEquals(42.0 / 18 - 0.2, TauSquared.estimate(PoolingMethod.HE, Y, V).tau2(), 1e-12);
    }

    @Test
    void hedgesIsTruncatedAtZero() {
        assertEquals(0, TauSquared.estimate(PoolingMethod.HE, new double[] {0, 0.1}, new double[] {1, 1}).tau2());
    }

    @Test
    void sidikJonkmanMatchesAnIndependentComputation() {
        // value from an independent numpy implementation of Sidik & Jonkman (2005)
        assertEquals(2.04448543663365, TauSquared.estimate(PoolingMethod.SJ, Y, V).tau2(), 1e-12);
    }

    @Test
    void remlSolvesTheRestrictedLikelihoodScoreEquation() {
        double t = TauSquared.estimate(PoolingMethod.REML, Y, V).tau2();
        // Σw²(y − θ)² = Σw − Σw²/Σw at the REML estimate (Viechtbauer 2005)
        double[] s = sums(t);
        assertEquals(s[1] - s[2] / s[1], s[0], 1e-4 * s[0]);
    }

    @Test
    void mlSolvesTheLikelihoodScoreEquation() {
        double t = TauSquared.estimate(PoolingMethod.ML, Y, V).tau2();
        // Σw²(y − θ)² = Σw at the ML estimate
        double[] s = sums(t);
        assertEquals(s[1], s[0], 1e-4 * s[0]);
        assertTrue(t < TauSquared.estimate(PoolingMethod.REML, Y, V).tau2(), "ML is smaller than REML here");
    }

    @Test
    void pauleMandelMakesTheGeneralisedQEqualToKMinusOne() {
        double t = TauSquared.estimate(PoolingMethod.PM, Y, V).tau2();
        assertEquals(2, TauSquared.qGen(t, Y, V), 1e-3);
    }

    @Test
    void iterativeEstimatorsAreZeroForHomogeneousStudies() {
        double[] y = {0.1, 0.12, 0.09};
        double[] v = {0.5, 0.4, 0.6};
        for (PoolingMethod m : new PoolingMethod[] {PoolingMethod.DL, PoolingMethod.REML, PoolingMethod.ML, PoolingMethod.PM}) {
            TauSquared.Estimate e = TauSquared.estimate(m, y, v);
            assertTrue(e.converged(), m.name());
            assertEquals(0, e.tau2(), m.name());
        }
    }

    /** {Σw²(y − θ)², Σw, Σw²} at tau². */
    private static double[] sums(double tau2) {
        double theta = Models.weightedMean(Y, V, tau2);
        double a = 0;
        double sw = 0;
        double sw2 = 0;
        for (int i = 0; i < Y.length; i++) {
            double w = 1 / (V[i] + tau2);
            a += w * w * (Y[i] - theta) * (Y[i] - theta);
            sw += w;
            sw2 += w * w;
        }
        return new double[] {a, sw, sw2};
    }
}
