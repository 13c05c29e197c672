package io.aepool.stats;

import org.apache.commons.math3.distribution.BetaDistribution;
import org.apache.commons.math3.distribution.ChiSquaredDistribution;
import org.apache.commons.math3.exception.NotPositiveException;
import org.apache.commons.math3.exception.NotStrictlyPositiveException;
import org.apache.commons.math3.exception.OutOfRangeException;
import org.apache.commons.math3.exception.util.LocalizedFormats;

/**
 * Crude incidence rates and rate ratios with exact intervals, as R's {@code poisson.test} reports them: the
 * Garwood (1936) interval of one Poisson rate and the exact conditional interval of the ratio of two rates
 * (binomial on the events of A given the events of both, Clopper–Pearson limits). Arguments are checked at the
 * door with the typed Commons Math exceptions its {@code stat.interval} classes throw; results never throw.
 */
public final class PoissonRates {

    /**
     * A point estimate and its two-sided interval. Infinite values (a rate ratio whose reference arm has no events)
     * and NaN (no events in either arm) are legitimate here; writers turn them into null.
     */
    public record RateInterval(double estimate, double low, double high) {
    }

    /** Absolute accuracy of the quantile solvers; Commons Math's default (1e-9) is too coarse for small limits. */
    private static final double INVERSE_ACCURACY = 1e-300;

    private PoissonRates() {
    }

    /**
     * Rate x/T with the exact Poisson interval (Garwood 1936), R's {@code poisson.test(x, T)}.
     *
     * @param events          number of events x, at least 0
     * @param personTime      person-time T, strictly positive
     * @param confidenceLevel two-sided level in (0, 1), e.g. 0.95
     * @throws NotPositiveException         if {@code events < 0}
     * @throws NotStrictlyPositiveException if {@code personTime} is not a positive number
     * @throws OutOfRangeException          if {@code confidenceLevel} is not in (0, 1)
     */
    public static RateInterval incidence(long events, double personTime, double confidenceLevel) {
        checkEvents(events);
        checkTime(personTime);
        double alpha = alpha(confidenceLevel);
        // Garwood (1936): low = χ²(α/2; 2x)/2/T (0 when x = 0), high = χ²(1 − α/2; 2x + 2)/2/T
        double low = events == 0 ? 0 : chiSquareQuantile(alpha / 2, 2.0 * events) / 2 / personTime;
        double high = chiSquareQuantile(1 - alpha / 2, 2.0 * events + 2) / 2 / personTime;
        return new RateInterval(events / personTime, low, high);
    }

    /** {@link #incidence} per 100 person-years: events and interval scaled by 100 (person-time in years). */
    public static RateInterval per100(long events, double personYears, double confidenceLevel) {
        RateInterval r = incidence(events, personYears, confidenceLevel);
        return new RateInterval(100 * r.estimate(), 100 * r.low(), 100 * r.high());
    }

    /**
     * Incidence rate ratio of A versus B, (xA/tA)/(xB/tB), with the exact conditional interval, R's
     * {@code poisson.test(c(xA, xB), c(tA, tB))}: given n = xA + xB, xA is binomial with p = tA·IRR/(tA·IRR + tB),
     * so each Clopper–Pearson limit p of xA out of n maps to the IRR limit p/(1 − p)·tB/tA.
     * <ul>
     *   <li>xA = 0: estimate and lower limit 0;</li>
     *   <li>xB = 0: estimate and upper limit +∞ (callers write null); the lower limit is finite;</li>
     *   <li>xA = xB = 0: no information, NaN everywhere (R's {@code binom.test} stops with an error).</li>
     * </ul>
     *
     * @throws NotPositiveException         if an event count is negative
     * @throws NotStrictlyPositiveException if a person-time is not a positive number
     * @throws OutOfRangeException          if {@code confidenceLevel} is not in (0, 1)
     */
    public static RateInterval rateRatio(long eventsA, double timeA, long eventsB, double timeB, double confidenceLevel) {
        checkEvents(eventsA);
        checkEvents(eventsB);
        checkTime(timeA);
        checkTime(timeB);
        double alpha = alpha(confidenceLevel);
        if (eventsA == 0 && eventsB == 0) {
            return new RateInterval(Double.NaN, Double.NaN, Double.NaN);
        }
        double estimate = eventsB == 0 ? Double.POSITIVE_INFINITY : (eventsA / timeA) / (eventsB / timeB);
        double timeRatio = timeB / timeA;
        // Clopper & Pearson (1934): pL = B(α/2; x, n − x + 1), pU = B(1 − α/2; x + 1, n − x); IRR limit = p/(1 − p)·tB/tA.
        // The odds p/(1 − p) are taken as B(q; a, b)/B(1 − q; b, a), so both factors keep full relative precision.
        double low = eventsA == 0 ? 0 : betaOdds(alpha / 2, eventsA, eventsB + 1) * timeRatio;
        double high = eventsB == 0 ? Double.POSITIVE_INFINITY : betaOdds(1 - alpha / 2, eventsA + 1, eventsB) * timeRatio;
        return new RateInterval(estimate, low, high);
    }

    /** p/(1 − p) for p the q-quantile of Beta(a, b), with 1 − p computed as the (1 − q)-quantile of Beta(b, a). */
    private static double betaOdds(double q, double a, double b) {
        double p = new BetaDistribution(null, a, b, INVERSE_ACCURACY).inverseCumulativeProbability(q);
        double oneMinusP = new BetaDistribution(null, b, a, INVERSE_ACCURACY).inverseCumulativeProbability(1 - q);
        return p / oneMinusP;
    }

    private static double chiSquareQuantile(double p, double df) {
        return new ChiSquaredDistribution(null, df, INVERSE_ACCURACY).inverseCumulativeProbability(p);
    }

    private static void checkEvents(long events) {
        if (events < 0) {
            throw new NotPositiveException(LocalizedFormats.NEGATIVE_NUMBER_OF_SUCCESSES, events);
        }
    }

    private static void checkTime(double time) {
        if (!(time > 0) || Double.isInfinite(time)) {
            throw new NotStrictlyPositiveException(time);
        }
    }

    private static double alpha(double confidenceLevel) {
        if (!(confidenceLevel > 0 && confidenceLevel < 1)) {
            throw new OutOfRangeException(LocalizedFormats.OUT_OF_BOUNDS_CONFIDENCE_LEVEL, confidenceLevel, 0, 1);
        }
        return 1 - confidenceLevel;
    }
}
