package io.aepool.plan;

import io.aepool.stats.CiMethod;
import io.aepool.stats.EffectMeasure;
import io.aepool.stats.PoolingMethod;
import io.aepool.stats.PredictionInterval;
import io.aepool.stats.ZeroCellRule;

import java.io.Serializable;

/**
 * One analysis: a value. Equal specs have equal ids in every run (the id is the canonical text),
 * which is what lets nightly runs be compared row by row.
 * <p>
 * The zero rule of a spec is what its pooled estimate used: methods that pool raw counts (MH, Peto, exact) take no
 * continuity correction, so their rule is always {@code none} with the double-zero choice kept, and one such analysis
 * is never presented as several. Their per-study effects (forest plot, Cochran's Q) use {@link #effectsZeroRule()}.
 */
public record AnalysisSpec(String pool, String outcome, EffectMeasure measure, PoolingMethod method,
                           CiMethod ciMethod, PredictionInterval predictionInterval, ZeroCellRule zeroRule,
                           Subset subset) implements Serializable {

    private static final int PARTS = 8;

    public AnalysisSpec {
        if (method != null && zeroRule != null && !method.usesContinuityCorrection()) {
            zeroRule = zeroRule.withoutCorrection();
        }
    }

    /**
     * The rule for this analysis's per-study effects: the spec's own, except for methods that pool raw counts, whose
     * per-study effects and Q take 0.5 added to the cells of studies with a zero cell (metafor {@code rma.mh} and
     * {@code rma.peto} defaults {@code add = 1/2, to = "only0"}; RevMan's per-study display).
     */
    public ZeroCellRule effectsZeroRule() {
        if (method.usesContinuityCorrection() || !zeroRule.isUncorrected()) {
            return zeroRule;
        }
        return new ZeroCellRule(ZeroCellRule.DEFAULT.increment(), ZeroCellRule.DEFAULT.scope(), zeroRule.dropDoubleZero());
    }

    private static final String SEP = "|";

    /** Canonical text: {@code pool|outcome|measure|method|ci|prediction interval|zero rule|subset}. */
    public String canonical() {
        return String.join(SEP, pool, outcome, measure.name(), method.name(), ciMethod.label(),
                predictionInterval.label(), zeroRule.label(), subset.label());
    }

    public static AnalysisSpec parse(String canonical) {
        String[] p = canonical.split("\\|", PARTS);
        if (p.length != PARTS) {
            throw new IllegalArgumentException("analysis spec '" + canonical + "' must have " + PARTS + " '|'-separated parts");
        }
        return new AnalysisSpec(p[0], p[1], EffectMeasure.parse(p[2]), PoolingMethod.parse(p[3]), CiMethod.parse(p[4]),
                PredictionInterval.parse(p[5]), ZeroCellRule.parse(p[6]), Subset.parse(p[7]));
    }

    /**
     * Stable, human-readable id: the canonical text itself, e.g.
     * {@code synthetic-32|serious_infection|RR|MH|wald-z|t(k-2)|only0:0.5,drop00|loo:SYN-AD-01}.
     * Equal specs give equal ids in every run, so nightly results compare row by row.
     */
    public String id() {
        return canonical();
    }

    /** The same analysis on another subset (used to find an analysis's siblings, e.g. its subgroups). */
    public AnalysisSpec withSubset(Subset other) {
        return new AnalysisSpec(pool, outcome, measure, method, ciMethod, predictionInterval, zeroRule, other);
    }

    /** The same analysis with another pooling method and interval (e.g. the fixed-effect input of a bias test). */
    public AnalysisSpec withMethod(PoolingMethod otherMethod, CiMethod otherCi) {
        return new AnalysisSpec(pool, outcome, measure, otherMethod, otherCi, predictionInterval, effectsZeroRule(), subset);
    }
}
