package io.aepool.stats;

/** The effect measures the engine pools. Ratio measures are analysed on the log scale. */
public enum EffectMeasure {
    /** Risk ratio. */
    RR(true, false),
    /** Odds ratio. */
    OR(true, false),
    /** Risk difference. */
    RD(false, false),
    /** Incidence rate ratio (events per person-time). */
    IRR(true, true),
    /** Incidence rate difference (events per person-time). */
    IRD(false, true);

    private final boolean ratio;
    private final boolean rate;

    EffectMeasure(boolean ratio, boolean rate) {
        this.ratio = ratio;
        this.rate = rate;
    }

    /** True when the analysis scale is the log of the reported scale. */
    public boolean isRatio() {
        return ratio;
    }

    /** True when the measure needs person-time rather than arm sizes. */
    public boolean isRate() {
        return rate;
    }

    /** Analysis scale (log for ratios) to the scale users read. */
    public double toNatural(double analysisScale) {
        return ratio ? Math.exp(analysisScale) : analysisScale;
    }

    /** Parses a measure name case-insensitively, with a message naming the accepted values. */
    public static EffectMeasure parse(String name) {
        for (EffectMeasure m : values()) {
            if (m.name().equalsIgnoreCase(name.trim())) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown effect measure '" + name + "' (expected one of RR, OR, RD, IRR, IRD)");
    }
}
