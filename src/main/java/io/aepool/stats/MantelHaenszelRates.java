package io.aepool.stats;

import java.util.List;
import org.apache.commons.math3.distribution.NormalDistribution;
import org.apache.commons.math3.exception.NoDataException;
import org.apache.commons.math3.exception.NotPositiveException;
import org.apache.commons.math3.exception.NullArgumentException;
import org.apache.commons.math3.exception.OutOfRangeException;
import org.apache.commons.math3.exception.util.LocalizedFormats;

/**
 * The Mantel–Haenszel incidence rate ratio of A versus B over strata (Rothman, Greenland &amp; Lash, <i>Modern
 * Epidemiology</i>, 3rd ed., ch. 15) with the Greenland &amp; Robins (1985) variance of its logarithm and a Wald
 * interval on the log scale. A stratum without person-time in one of the two groups carries no information on the
 * ratio: it is left out and counted ({@link Result#strataDropped()}). Arguments are checked at the door with Commons
 * Math's typed exceptions (as its {@code stat.inference} classes do); results never throw.
 */
public final class MantelHaenszelRates {

    /**
     * One stratum: events and person-time of group A (the exposed, numerator group) and of group B (the reference).
     *
     * @throws NotPositiveException if an event count is negative or a person-time is negative, infinite or NaN
     */
    public record Stratum(long eventsA, double timeA, long eventsB, double timeB) {
        public Stratum {
            checkEvents(eventsA);
            checkEvents(eventsB);
            checkTime(timeA);
            checkTime(timeB);
        }

        /** Both groups have person-time, so the stratum enters the estimate. */
        public boolean informative() {
            return timeA > 0 && timeB > 0;
        }
    }

    /**
     * The MH rate ratio, the GR variance of its logarithm and the Wald interval exp(ln IRR ± z·√var).
     * <ul>
     *   <li>no A events in the strata used: estimate 0, variance and limits NaN (no log-scale interval);</li>
     *   <li>no B events: estimate +∞, variance and limits NaN;</li>
     *   <li>no events at all, or no stratum used: everything NaN.</li>
     * </ul>
     * Writers turn non-finite values into null.
     */
    public record Result(double estimate, double logVariance, double low, double high, int strataUsed,
                         int strataDropped) {

        /**
         * The same estimate with the variance of its logarithm multiplied by {@code factor} (a design effect, ≥ 1) and
         * the Wald interval exp(ln IRR_MH ± z·√(factor·Var)) to match; unchanged when the variance is not finite.
         *
         * @throws OutOfRangeException if {@code factor} is below 1 or not finite, or the level is not in (0, 1)
         */
        public Result scaled(double factor, double confidenceLevel) {
            if (!(factor >= 1) || Double.isInfinite(factor)) {
                throw new OutOfRangeException(factor, 1, Double.POSITIVE_INFINITY);
            }
            if (!(confidenceLevel > 0 && confidenceLevel < 1)) {
                throw new OutOfRangeException(LocalizedFormats.OUT_OF_BOUNDS_CONFIDENCE_LEVEL, confidenceLevel, 0, 1);
            }
            if (!Double.isFinite(logVariance)) {
                return this;
            }
            double v = factor * logVariance;
            double half = z(confidenceLevel) * Math.sqrt(v);
            return new Result(estimate, v, estimate * Math.exp(-half), estimate * Math.exp(half), strataUsed,
                    strataDropped);
        }
    }

    /** The standard normal quantile of a two-sided interval at this level. */
    private static double z(double confidenceLevel) {
        return new NormalDistribution(null, 0, 1).inverseCumulativeProbability(1 - (1 - confidenceLevel) / 2);
    }

    private MantelHaenszelRates() {
    }

    /**
     * @param strata          one entry per stratum (for a joint stratification, one per combination of the variables)
     * @param confidenceLevel two-sided level in (0, 1), e.g. 0.95
     * @throws NullArgumentException if {@code strata} or one of its entries is null
     * @throws NoDataException       if {@code strata} is empty
     * @throws OutOfRangeException   if {@code confidenceLevel} is not in (0, 1)
     */
    public static Result rateRatio(List<Stratum> strata, double confidenceLevel) {
        if (!(confidenceLevel > 0 && confidenceLevel < 1)) {
            throw new OutOfRangeException(LocalizedFormats.OUT_OF_BOUNDS_CONFIDENCE_LEVEL, confidenceLevel, 0, 1);
        }
        Sums s = sums(strata, 1, 1);
        double num = s.sums().exposed();
        double den = s.sums().reference();
        if (s.strataUsed() == 0 || (num == 0 && den == 0)) {
            return new Result(Double.NaN, Double.NaN, Double.NaN, Double.NaN, s.strataUsed(), s.strataDropped());
        }
        if (num == 0 || den == 0) {
            return new Result(num == 0 ? 0 : Double.POSITIVE_INFINITY, Double.NaN, Double.NaN, Double.NaN,
                    s.strataUsed(), s.strataDropped());
        }
        double estimate = num / den;
        double logVariance = s.sums().logVariance();
        // Wald on the log scale: exp(ln IRR_MH ± z·√Var)
        double half = z(confidenceLevel) * Math.sqrt(logVariance);
        return new Result(estimate, logVariance, estimate * Math.exp(-half), estimate * Math.exp(half), s.strataUsed(),
                s.strataDropped());
    }

    /** The three MH sums over the strata used, and how many strata were used and dropped. */
    public record Sums(RateRatioSums sums, int strataUsed, int strataDropped) {
    }

    /**
     * The MH sums of A versus B over the strata, B's events and person-time in every stratum first multiplied by the
     * given shares (1 and 1: B as given; a comparator shared by k comparisons enters each with its share, as the
     * crude counts of a shared control arm do).
     *
     * @throws NullArgumentException if {@code strata} or one of its entries is null
     * @throws NoDataException       if {@code strata} is empty
     * @throws OutOfRangeException   if a share is not in (0, 1]
     */
    public static Sums sums(List<Stratum> strata, double eventShareB, double timeShareB) {
        if (strata == null) {
            throw new NullArgumentException();
        }
        if (strata.isEmpty()) {
            throw new NoDataException();
        }
        for (double share : new double[] {eventShareB, timeShareB}) {
            if (!(share > 0 && share <= 1)) {
                throw new OutOfRangeException(share, 0, 1);
            }
        }
        double num = 0;
        double den = 0;
        double var = 0;
        int used = 0;
        int dropped = 0;
        for (Stratum s : strata) {
            if (s == null) {
                throw new NullArgumentException();
            }
            if (!s.informative()) {
                dropped++;
                continue;
            }
            used++;
            double b = s.eventsB() * eventShareB;
            double t0 = s.timeB() * timeShareB;
            double t = s.timeA() + t0;
            // Rothman, Greenland & Lash (2008) ch. 15: IRR_MH = Σ a_j·T0_j/T_j / Σ b_j·T1_j/T_j
            num += s.eventsA() * (t0 / t);
            den += b * (s.timeA() / t);
            // Greenland & Robins (1985): Var(ln IRR_MH) = Σ M1_j·T1_j·T0_j/T_j² / (Σ a_j·T0_j/T_j · Σ b_j·T1_j/T_j)
            var += (s.eventsA() + b) * (s.timeA() / t) * (t0 / t);
        }
        return new Sums(new RateRatioSums(num, den, var, 1), used, dropped);
    }

    private static void checkEvents(long events) {
        if (events < 0) {
            throw new NotPositiveException(LocalizedFormats.NEGATIVE_NUMBER_OF_SUCCESSES, events);
        }
    }

    private static void checkTime(double time) {
        if (!(time >= 0) || Double.isInfinite(time)) {
            throw new NotPositiveException(time);
        }
    }
}
