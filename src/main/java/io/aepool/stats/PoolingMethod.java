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
    CMEL(false);

    private final boolean randomEffects;

    PoolingMethod(boolean randomEffects) {
        this.randomEffects = randomEffects;
    }

    public boolean isRandomEffects() {
        return randomEffects;
    }

    /**
     * False for the methods whose pooled estimate is computed from the raw counts (Mantel–Haenszel, Peto, exact
     * conditional logistic): a continuity correction never enters it, only the choice of dropping double-zero
     * studies does (metafor {@code rma.mh}, {@code rma.peto}, {@code rma.glmm}; RevMan).
     */
    public boolean usesContinuityCorrection() {
        return this != MH && this != PETO && this != CMEL;
    }

    public static PoolingMethod parse(String name) {
        for (PoolingMethod m : values()) {
            if (m.name().equalsIgnoreCase(name.trim().replace("-", "").replace(".", ""))) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown pooling method '" + name + "' (expected one of MH, IV, PETO, DL, REML, PM, ML, SJ, HE, CMEL)");
    }
}
