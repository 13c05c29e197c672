package io.aepool.stats;

/** How studies are pooled: a fixed-effect method or a random-effects model with its tau² estimator. */
public enum PoolingMethod {
    /** Mantel–Haenszel fixed effect on raw counts. */
    MH(false),
    /** Inverse-variance fixed effect on per-study effects. */
    IV(false),
    /** Peto one-step odds ratio. */
    PETO(false),
    /** Random effects, DerSimonian–Laird tau². */
    DL(true),
    /** Random effects, restricted maximum likelihood tau². */
    REML(true),
    /** Random effects, Paule–Mandel tau². */
    PM(true),
    /** Random effects, maximum likelihood tau². */
    ML(true),
    /** Random effects, Sidik–Jonkman tau². */
    SJ(true),
    /** Random effects, Hedges tau². */
    HE(true),
    /** Fixed-effect exact conditional logistic regression (metafor rma.glmm model "CM.EL"); odds ratio only. */
    CMEL(false),
    /**
     * Bayesian normal–normal random-effects model: half-normal prior on τ, flat or normal prior on μ, by numerical
     * integration over τ (Friede et al. 2017; Röver 2021, bayesmeta); estimate = posterior median, interval = 95%
     * credible interval, prediction = posterior predictive interval. Not one of the τ²-estimator methods of
     * {@link #isRandomEffects()}: its τ is a posterior, not an estimate.
     */
    BAYES(false),
    /**
     * One-stage binomial–normal model, fixed study intercepts and a random treatment effect, by maximum likelihood with
     * adaptive Gauss–Hermite quadrature (metafor {@code rma.glmm(model = "UM.FS")}); odds ratio only, raw counts.
     */
    GLMM(false);

    private final boolean randomEffects;

    PoolingMethod(boolean randomEffects) {
        this.randomEffects = randomEffects;
    }

    /** True for the random-effects models with a τ² estimator on per-study effects (DL, REML, PM, ML, SJ, HE). */
    public boolean isRandomEffects() {
        return randomEffects;
    }

    /**
     * False for the methods whose pooled estimate is computed from the raw counts (Mantel–Haenszel, Peto, exact
     * conditional logistic): a continuity correction never enters it, only the choice of dropping double-zero
     * studies does (metafor {@code rma.mh}, {@code rma.peto}, {@code rma.glmm}; RevMan).
     */
    public boolean usesContinuityCorrection() {
        return this != MH && this != PETO && this != CMEL && this != GLMM;
    }

    /** True for the Bayesian model, whose interval is a credible interval and whose prediction is posterior predictive. */
    public boolean isBayesian() {
        return this == BAYES;
    }

    public static PoolingMethod parse(String name) {
        for (PoolingMethod m : values()) {
            if (m.name().equalsIgnoreCase(name.trim().replace("-", "").replace(".", ""))) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown pooling method '" + name + "' (expected one of MH, IV, PETO, DL, REML, PM, ML, SJ, HE, CMEL, BAYES, GLMM)");
    }
}
