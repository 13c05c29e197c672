package io.aepool.stats;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aepool.stats.ClusteredPoissonRates.CrossSums;
import io.aepool.stats.ClusteredPoissonRates.GroupSums;
import io.aepool.stats.PoissonRates.RateInterval;
import java.util.Random;
import org.apache.commons.math3.distribution.GammaDistribution;
import org.apache.commons.math3.distribution.PoissonDistribution;
import org.apache.commons.math3.exception.NotPositiveException;
import org.apache.commons.math3.exception.NotStrictlyPositiveException;
import org.apache.commons.math3.exception.OutOfRangeException;
import org.apache.commons.math3.random.Well19937c;
import org.junit.jupiter.api.Test;

/**
 * Patient-clustered sandwich variance of log rates and log rate ratios from per-group sums: against the definition
 * Σ_i (y_i − λ̂ t_i)² / (Σy)² (and the cross term) computed from simulated patient-level data, and against a small
 * case worked by hand in fractions. R's {@code sandwich::vcovCL} on the same small case is in
 * {@code RegistryRatesOracleTest}.
 */
class ClusteredPoissonRatesTest {

    private static final double Z95 = 1.959963984540054;

    /**
     * By hand. A: patients (y, t) = (0, 1), (2, 1), (4, 2): λ_A = 6/4, residuals −3/2, 1/2, 1, Σr² = 7/2, var = 7/2/36.
     * B: (1, 2) and patient 3 again with (3, 1): λ_B = 4/3, residuals −5/3, 5/3, Σr² = 50/9, var = 50/9/16.
     * Patient 3 is in both: cov = (1 · 5/3)/(6 · 4) = 5/72. var(log IRR) = 14/144 + 50/144 − 20/144 = 11/36.
     */
    @Test
    void handComputedSmallCase() {
        GroupSums a = new GroupSums(6, 4, 0 + 4 + 16, 0 + 2 + 8, 1 + 1 + 4);
        GroupSums b = new GroupSums(4, 3, 1 + 9, 2 + 3, 4 + 1);
        CrossSums both = new CrossSums(4 * 3, 4 * 1, 2 * 3, 2 * 1);
        assertAll(() -> assertEquals(3.5 / 36, ClusteredPoissonRates.logRateVariance(a), 1e-15),
                () -> assertEquals(50.0 / 9 / 16, ClusteredPoissonRates.logRateVariance(b), 1e-15),
                () -> assertEquals(11.0 / 36, ClusteredPoissonRates.logRateRatioVariance(a, b, both), 1e-15),
                // without the shared patient's covariance the variance would be 64/144
                () -> assertEquals(64.0 / 144, ClusteredPoissonRates.logRateRatioVariance(a, b, CrossSums.NONE), 1e-15));
        RateInterval irr = ClusteredPoissonRates.rateRatio(a, b, both, 0.95);
        double half = Z95 * Math.sqrt(11.0 / 36);
        assertAll(() -> assertEquals(1.125, irr.estimate(), 1e-15),
                () -> assertEquals(1.125 * Math.exp(-half), irr.low(), 1e-12),
                () -> assertEquals(1.125 * Math.exp(half), irr.high(), 1e-12));
        RateInterval rate = ClusteredPoissonRates.incidence(a, 0.95);
        double h = Z95 * Math.sqrt(3.5 / 36);
        assertAll(() -> assertEquals(1.5, rate.estimate(), 1e-15),
                () -> assertEquals(1.5 * Math.exp(-h), rate.low(), 1e-12),
                () -> assertEquals(1.5 * Math.exp(h), rate.high(), 1e-12));
    }

    /**
     * Simulated overdispersed recurrent events (gamma frailty shared by a patient's two groups, so the cross term
     * matters): the variances from sums equal the definition computed patient by patient, and exceed the Poisson
     * variances 1/Σy (and 1/Σy_A + 1/Σy_B) by the overdispersion.
     */
    @Test
    void sumsGiveTheDefinitionOnSimulatedPatients() {
        Well19937c rng = new Well19937c(20261202L);
        Random coin = new Random(7);
        int n = 4000;
        double[] ya = new double[n];
        double[] ta = new double[n];
        double[] yb = new double[n];
        double[] tb = new double[n];
        GammaDistribution frailty = new GammaDistribution(rng, 0.5, 2.0); // mean 1, variance 2
        for (int i = 0; i < n; i++) {
            double u = frailty.sample();
            boolean inA = coin.nextDouble() < 0.6;
            boolean inB = !inA || coin.nextDouble() < 0.3; // some patients in both groups
            if (inA) {
                ta[i] = 0.1 + 3 * coin.nextDouble();
                ya[i] = new PoissonDistribution(rng, 0.8 * u * ta[i], 1e-12, 10_000).sample();
            }
            if (inB) {
                tb[i] = 0.1 + 2 * coin.nextDouble();
                yb[i] = new PoissonDistribution(rng, 0.5 * u * tb[i], 1e-12, 10_000).sample();
            }
        }
        GroupSums a = sums(ya, ta);
        GroupSums b = sums(yb, tb);
        CrossSums both = new CrossSums(dot(ya, yb), dot(ya, tb), dot(ta, yb), dot(ta, tb));
        // the definition, patient by patient
        double la = a.rate();
        double lb = b.rate();
        double ra = 0;
        double rb = 0;
        double rab = 0;
        for (int i = 0; i < n; i++) {
            double ea = ya[i] - la * ta[i];
            double eb = yb[i] - lb * tb[i];
            ra += ea * ea;
            rb += eb * eb;
            rab += ea * eb;
        }
        double va = ra / (a.events() * a.events());
        double vb = rb / (b.events() * b.events());
        double vab = va + vb - 2 * rab / (a.events() * b.events());
        assertAll(() -> assertEquals(va, ClusteredPoissonRates.logRateVariance(a), 1e-10 * va),
                () -> assertEquals(vb, ClusteredPoissonRates.logRateVariance(b), 1e-10 * vb),
                () -> assertEquals(vab, ClusteredPoissonRates.logRateRatioVariance(a, b, both), 1e-10 * vab),
                () -> assertTrue(va > 1.5 / a.events(), "overdispersed: " + va * a.events()),
                () -> assertTrue(vab < va + vb, "the shared frailty correlates the two rates"));
    }

    @Test
    void noEventsLeaveTheIntervalToTheExactMethod() {
        GroupSums none = new GroupSums(0, 10, 0, 0, 30);
        GroupSums some = new GroupSums(3, 10, 5, 4, 30);
        RateInterval rate = ClusteredPoissonRates.incidence(none, 0.95);
        RateInterval zero = ClusteredPoissonRates.rateRatio(none, some, CrossSums.NONE, 0.95);
        RateInterval inf = ClusteredPoissonRates.rateRatio(some, none, CrossSums.NONE, 0.95);
        assertAll(() -> assertEquals(0, rate.estimate()), () -> assertTrue(Double.isNaN(rate.low())),
                () -> assertEquals(0, zero.estimate()), () -> assertTrue(Double.isNaN(zero.high())),
                () -> assertEquals(Double.POSITIVE_INFINITY, inf.estimate()), () -> assertTrue(Double.isNaN(inf.low())),
                () -> assertTrue(Double.isNaN(ClusteredPoissonRates.rateRatio(none, none, CrossSums.NONE, 0.95).estimate())));
    }

    @Test
    void inputsAreCheckedAtTheDoor() {
        GroupSums ok = new GroupSums(1, 1, 1, 1, 1);
        assertAll(() -> assertThrows(NotPositiveException.class, () -> new GroupSums(-1, 1, 1, 1, 1)),
                () -> assertThrows(NotStrictlyPositiveException.class, () -> new GroupSums(1, 0, 1, 1, 1)),
                () -> assertThrows(NotPositiveException.class, () -> new GroupSums(1, 1, Double.NaN, 1, 1)),
                () -> assertThrows(NotPositiveException.class, () -> new CrossSums(0, -1, 0, 0)),
                () -> assertThrows(OutOfRangeException.class, () -> ClusteredPoissonRates.incidence(ok, 0)),
                () -> assertThrows(OutOfRangeException.class,
                        () -> ClusteredPoissonRates.rateRatio(ok, ok, CrossSums.NONE, 1.5)));
    }

    private static GroupSums sums(double[] y, double[] t) {
        double sy = 0;
        double st = 0;
        double syy = 0;
        double syt = 0;
        double stt = 0;
        for (int i = 0; i < y.length; i++) {
            sy += y[i];
            st += t[i];
            syy += y[i] * y[i];
            syt += y[i] * t[i];
            stt += t[i] * t[i];
        }
        return new GroupSums(sy, st, syy, syt, stt);
    }

    private static double dot(double[] x, double[] y) {
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            s += x[i] * y[i];
        }
        return s;
    }
}
