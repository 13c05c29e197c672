package io.aepool.stats;

import io.aepool.stats.PoissonRates.RateInterval;
import org.apache.commons.math3.distribution.NormalDistribution;
import org.apache.commons.math3.exception.NotPositiveException;
import org.apache.commons.math3.exception.NotStrictlyPositiveException;
import org.apache.commons.math3.exception.NullArgumentException;
import org.apache.commons.math3.exception.OutOfRangeException;
import org.apache.commons.math3.exception.util.LocalizedFormats;

/**
 * Rates and rate ratios of recurrent events with a patient-clustered sandwich (robust) variance: the Poisson model
 * log E[y_i] = log λ_g + log t_i, whose events of one patient need not be independent (overdispersion), with the
 * variance of log λ̂ and of log IRR estimated from the patients' residuals y_i − λ̂·t_i (Zeger &amp; Liang 1986;
 * Lumley &amp; Heagerty 1999 for the clustered form; no small-sample factor, i.e. R's
 * {@code sandwich::vcovCL(fit, cluster = ~patient, type = "HC0", cadjust = FALSE)}). Everything is computed from sums
 * that a distributed job can aggregate per group: Σy, Σt, Σy², Σy·t, Σt², and for a ratio the cross sums over the
 * patients who contribute to both groups. Intervals are Wald intervals on the log scale. Arguments are checked at the
 * door with Commons Math's typed exceptions; results never throw.
 */
public final class ClusteredPoissonRates {

    /**
     * Per-patient sums of one group: Σy (events), Σt (person-time), Σy², Σy·t and Σt² over the patients (clusters)
     * of the group, each patient's y and t being its totals in the group.
     *
     * @throws NotPositiveException         if a sum is negative, infinite or NaN
     * @throws NotStrictlyPositiveException if the person-time is not positive
     */
    public record GroupSums(double events, double time, double eventsSquared, double eventsTime, double timeSquared) {
        public GroupSums {
            nonNegative(events);
            nonNegative(eventsSquared);
            nonNegative(eventsTime);
            nonNegative(timeSquared);
            if (!(time > 0) || Double.isInfinite(time)) {
                throw new NotStrictlyPositiveException(time);
            }
        }

        /** λ̂ = Σy / Σt. */
        public double rate() {
            return events / time;
        }

        /** Σ_i (y_i − λ̂·t_i)² = Σy² − 2λ̂·Σyt + λ̂²·Σt² (never below 0 after rounding). */
        double squaredResiduals() {
            double lambda = rate();
            return Math.max(0, eventsSquared - 2 * lambda * eventsTime + lambda * lambda * timeSquared);
        }
    }

    /**
     * Cross sums over the patients who contribute to both groups A and B (0 for a patient in one group only):
     * Σ y_A·y_B, Σ y_A·t_B, Σ t_A·y_B, Σ t_A·t_B. {@link #NONE} when no patient is in both.
     *
     * @throws NotPositiveException if a sum is negative, infinite or NaN
     */
    public record CrossSums(double eventsAEventsB, double eventsATimeB, double timeAEventsB, double timeATimeB) {
        public static final CrossSums NONE = new CrossSums(0, 0, 0, 0);

        public CrossSums {
            nonNegative(eventsAEventsB);
            nonNegative(eventsATimeB);
            nonNegative(timeAEventsB);
            nonNegative(timeATimeB);
        }
    }

    private ClusteredPoissonRates() {
    }

    /**
     * Sandwich variance of log λ̂ (Zeger &amp; Liang 1986): Σ_i (y_i − λ̂·t_i)² / (Σ y_i)²; NaN without events.
     */
    public static double logRateVariance(GroupSums g) {
        if (g == null) {
            throw new NullArgumentException();
        }
        // Zeger & Liang (1986): bread (Σy)⁻¹, meat Σ_i (y_i − λ̂ t_i)²
        return g.events() == 0 ? Double.NaN : g.squaredResiduals() / (g.events() * g.events());
    }

    /**
     * Sandwich variance of log λ̂_A − log λ̂_B: var_A + var_B − 2·cov, cov = Σ_i (y_iA − λ̂_A t_iA)(y_iB − λ̂_B t_iB)
     * / (Σy_A·Σy_B) over the patients in both groups; NaN when a group has no events.
     */
    public static double logRateRatioVariance(GroupSums a, GroupSums b, CrossSums both) {
        if (a == null || b == null || both == null) {
            throw new NullArgumentException();
        }
        if (a.events() == 0 || b.events() == 0) {
            return Double.NaN;
        }
        double la = a.rate();
        double lb = b.rate();
        // Σ_i (y_iA − λ_A t_iA)(y_iB − λ_B t_iB) = Σ yA·yB − λ_B Σ yA·tB − λ_A Σ tA·yB + λ_A λ_B Σ tA·tB
        double crossResiduals = both.eventsAEventsB() - lb * both.eventsATimeB() - la * both.timeAEventsB()
                + la * lb * both.timeATimeB();
        // Lumley & Heagerty (1999), clustered sandwich of (log λ_A, log λ_B): var(a − b) = v_A + v_B − 2·cov_AB
        double v = logRateVariance(a) + logRateVariance(b) - 2 * crossResiduals / (a.events() * b.events());
        return Math.max(0, v);
    }

    /**
     * The rate λ̂ = Σy/Σt (per unit of the person-time given) with the robust Wald interval exp(log λ̂ ± z·√var).
     * Without events: estimate 0 and NaN limits (the caller falls back to an exact interval).
     *
     * @throws OutOfRangeException if {@code confidenceLevel} is not in (0, 1)
     */
    public static RateInterval incidence(GroupSums g, double confidenceLevel) {
        double z = z(confidenceLevel);
        double v = logRateVariance(g);
        return wald(g.rate(), v, z);
    }

    /**
     * IRR = λ̂_A / λ̂_B with the robust Wald interval exp(log IRR ± z·√var). A group without events: estimate 0 or
     * +∞ (NaN with neither) and NaN limits (the caller falls back to the exact conditional interval).
     *
     * @throws OutOfRangeException if {@code confidenceLevel} is not in (0, 1)
     */
    public static RateInterval rateRatio(GroupSums a, GroupSums b, CrossSums both, double confidenceLevel) {
        double z = z(confidenceLevel);
        double v = logRateRatioVariance(a, b, both);
        if (a.events() == 0 || b.events() == 0) {
            double estimate = a.events() == 0 && b.events() == 0 ? Double.NaN
                    : b.events() == 0 ? Double.POSITIVE_INFINITY : 0;
            return new RateInterval(estimate, Double.NaN, Double.NaN);
        }
        return wald(a.rate() / b.rate(), v, z);
    }

    private static RateInterval wald(double estimate, double logVariance, double z) {
        if (Double.isNaN(logVariance)) {
            return new RateInterval(estimate, Double.NaN, Double.NaN);
        }
        double half = z * Math.sqrt(logVariance);
        return new RateInterval(estimate, estimate * Math.exp(-half), estimate * Math.exp(half));
    }

    private static double z(double confidenceLevel) {
        if (!(confidenceLevel > 0 && confidenceLevel < 1)) {
            throw new OutOfRangeException(LocalizedFormats.OUT_OF_BOUNDS_CONFIDENCE_LEVEL, confidenceLevel, 0, 1);
        }
        return new NormalDistribution(null, 0, 1).inverseCumulativeProbability(1 - (1 - confidenceLevel) / 2);
    }

    private static void nonNegative(double v) {
        if (!(v >= 0) || Double.isInfinite(v)) {
            throw new NotPositiveException(v);
        }
    }
}
