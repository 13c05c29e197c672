package io.aepool.stats;

/**
 * Quantile of the random-effects prediction interval θ ± q·√(tau² + se²) (Higgins, Thompson & Spiegelhalter 2009).
 * Software differs: Higgins et al. and Stata {@code metan} use t(k − 2) (our default), R {@code meta} 8.0 uses
 * t(k − 1), metafor uses the normal quantile (with test = "z").
 */
public enum PredictionInterval {
    /** t with k − 2 df (Higgins et al. 2009; Stata); needs k >= 3. The default. */
    T_K_MINUS_2("t(k-2)", 2),
    /** t with k − 1 df (R meta >= 8.0 default); needs k >= 2. */
    T_K_MINUS_1("t(k-1)", 1),
    /** Standard normal quantile (metafor's default with Wald tests); needs k >= 2. */
    Z("z", 0),
    /**
     * The posterior predictive interval of the Bayesian model: quantiles of a new study's θ given the data, τ
     * integrated out (no t or z quantile; its rows say {@code pi_dist = posterior}). A frequentist method asked for it
     * gives no prediction interval ({@link #df} is -1).
     */
    POSTERIOR("posterior", 0);

    public static final PredictionInterval DEFAULT = T_K_MINUS_2;

    private final String label;
    private final int dfLost;

    PredictionInterval(String label, int dfLost) {
        this.label = label;
        this.dfLost = dfLost;
    }

    /** Stable label: {@code t(k-2)}, {@code t(k-1)} or {@code z}. */
    public String label() {
        return label;
    }

    /** Degrees of freedom of the quantile for k studies (0 for the normal quantile), or -1 when k is too small. */
    public int df(int k) {
        if (this == POSTERIOR) {
            return -1;
        }
        if (this == Z) {
            return k >= 2 ? 0 : -1;
        }
        int df = k - dfLost;
        return df >= 1 ? df : -1;
    }

    /** Parses a label or enum name, case-insensitively. */
    public static PredictionInterval parse(String name) {
        String n = name.trim();
        for (PredictionInterval p : values()) {
            if (p.label.equalsIgnoreCase(n) || p.name().equalsIgnoreCase(n)) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown prediction interval '" + name + "' (expected t(k-2), t(k-1), z or posterior)");
    }
}
