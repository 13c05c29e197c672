package io.aepool.stats;

import java.io.Serializable;

/**
 * A study's rate ratio adjusted over its own strata, as the three Mantel–Haenszel sums (Rothman, Greenland &amp; Lash
 * 2008, ch. 15): {@code exposed} = Σ a_j·T0_j/T_j, {@code reference} = Σ b_j·T1_j/T_j and {@code variance} =
 * Σ (a_j + b_j)·T1_j·T0_j/T_j² (Greenland &amp; Robins 1985). Sums are what a stratified study hands to the pools: the
 * MH pooler adds them to the other studies' (each stratum a stratum of the pooled MH estimate), the inverse-variance
 * poolers take ln(exposed/reference) with its variance. {@code dispersion} ≥ 1 multiplies the variance (a design
 * effect for events that recur within patients; 1 for Poisson counts).
 *
 * @throws IllegalArgumentException if a sum is negative or not finite, or the dispersion is below 1 or not finite
 */
public record RateRatioSums(double exposed, double reference, double variance, double dispersion)
        implements Serializable {

    public RateRatioSums {
        for (double v : new double[] {exposed, reference, variance}) {
            if (!(v >= 0) || Double.isInfinite(v)) {
                throw new IllegalArgumentException("Mantel–Haenszel sums must be finite and >= 0, were " + exposed
                        + ", " + reference + ", " + variance);
            }
        }
        if (!(dispersion >= 1) || Double.isInfinite(dispersion)) {
            throw new IllegalArgumentException("dispersion must be finite and >= 1, was " + dispersion);
        }
    }

    /** Both groups have events in the strata used: the log ratio and its variance are finite. */
    public boolean isUsable() {
        return exposed > 0 && reference > 0;
    }

    /** ln IRR_MH. */
    public double logRatio() {
        return Math.log(exposed / reference);
    }

    /** Greenland &amp; Robins (1985) variance of ln IRR_MH, times the dispersion. */
    public double logVariance() {
        return dispersion * variance / (exposed * reference);
    }

    /** The same sums with the variance multiplied by {@code factor} (≥ 1). */
    public RateRatioSums withDispersion(double factor) {
        return new RateRatioSums(exposed, reference, variance, factor);
    }
}
