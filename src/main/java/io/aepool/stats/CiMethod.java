package io.aepool.stats;

/** How the confidence interval of a pooled estimate is formed. */
public enum CiMethod {
    /** Wald interval with the normal quantile. */
    WALD_Z("wald-z"),
    /** Hartung–Knapp–Sidik–Jonkman: rescaled variance, t(k−1) quantile (random effects only). */
    HKSJ("hksj"),
    /**
     * HKSJ with the ad hoc variance correction: the scaling factor is truncated at 1, so the interval is never
     * narrower than Wald's variance with a t(k−1) quantile (Röver, Knapp & Friede 2015; Jackson et al. 2017).
     */
    HKSJ_ADHOC("hksj-adhoc"),
    /** The equal-tailed 95% posterior credible interval of the Bayesian model (its only interval). */
    CREDIBLE("credible");

    private final String label;

    CiMethod(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    /** True for the Hartung–Knapp family, which needs a random-effects model. */
    public boolean isHartungKnapp() {
        return this == HKSJ || this == HKSJ_ADHOC;
    }

    public static CiMethod parse(String name) {
        for (CiMethod m : values()) {
            if (m.label.equalsIgnoreCase(name.trim()) || m.name().equalsIgnoreCase(name.trim())) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown interval method '" + name + "' (expected wald-z, hksj, hksj-adhoc or credible)");
    }
}
