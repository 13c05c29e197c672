package io.aepool.stats;

/**
 * One study's effect on the analysis scale (log for ratio measures) with its sampling variance,
 * after the zero-cell rule. {@code yi} or {@code vi} may be infinite or NaN when no correction was
 * applied to a zero cell ({@link ZeroCellRule.Scope#NONE}); see {@link #isUsable()}.
 */
public record EffectSize(String studyId, double yi, double vi) {

    /** True when the effect can enter an inverse-variance or random-effects model: finite yi, finite vi > 0. */
    public boolean isUsable() {
        return Double.isFinite(yi) && Double.isFinite(vi) && vi > 0;
    }
}
