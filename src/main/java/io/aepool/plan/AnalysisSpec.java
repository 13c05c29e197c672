package io.aepool.plan;

import io.aepool.stats.BayesPrior;
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
                           Subset subset, BayesPrior prior) implements Serializable {

    private static final int PARTS = 8;

    /**
     * @param prior the Bayesian model's priors: given for {@link PoolingMethod#BAYES} (null takes
     *              {@link BayesPrior#DEFAULT}), dropped for every other method, so it enters only Bayesian ids
     */
    public AnalysisSpec {
        if (method != null && zeroRule != null && !method.usesContinuityCorrection()) {
            zeroRule = zeroRule.withoutCorrection();
        }
        if (method != null && method.isBayesian()) {
            prior = prior == null ? BayesPrior.DEFAULT : prior;
        } else {
            prior = null;
        }
    }

    /** A spec of a method without priors (any but the Bayesian one, which then takes the default priors). */
    public AnalysisSpec(String pool, String outcome, EffectMeasure measure, PoolingMethod method, CiMethod ciMethod,
                        PredictionInterval predictionInterval, ZeroCellRule zeroRule, Subset subset) {
        this(pool, outcome, measure, method, ciMethod, predictionInterval, zeroRule, subset, null);
    }

    /** The priors to pool with: the spec's for the Bayesian model, the (unread) default for the others. */
    public BayesPrior priorOrDefault() {
        return prior == null ? BayesPrior.DEFAULT : prior;
    }

    /**
     * The rule for this analysis's per-study effects: the spec's own, except for methods that pool raw counts, whose
     * per-study effects and Q take 0.5 added to the cells of studies with a zero cell (metafor {@code rma.mh} and
     * {@code rma.peto} defaults {@code add = 1/2, to = "only0"}; RevMan's per-study display).
     */
    public ZeroCellRule effectsZeroRule() {
        return method.usesContinuityCorrection() ? zeroRule : zeroRule.withDefaultCorrection();
    }

    private static final String SEP = "|";

    /**
     * Canonical text: {@code pool|outcome|measure|method|ci|prediction interval|zero rule|subset}; a Bayesian method
     * carries its priors, {@code BAYES[hn(0.5),flat,>1.25]}, so a changed prior is another analysis.
     */
    public String canonical() {
        String m = prior == null ? method.name() : method.name() + "[" + prior.label() + "]";
        return String.join(SEP, pool, outcome, measure.name(), m, ciMethod.label(),
                predictionInterval.label(), zeroRule.label(), subset.label());
    }

    public static AnalysisSpec parse(String canonical) {
        String[] p = canonical.split("\\|", PARTS);
        if (p.length != PARTS) {
            throw new IllegalArgumentException("analysis spec '" + canonical + "' must have " + PARTS + " '|'-separated parts");
        }
        int bracket = p[3].indexOf('[');
        BayesPrior prior = bracket < 0 || !p[3].endsWith("]") ? null
                : BayesPrior.parse(p[3].substring(bracket + 1, p[3].length() - 1));
        String method = bracket < 0 ? p[3] : p[3].substring(0, bracket);
        return new AnalysisSpec(p[0], p[1], EffectMeasure.parse(p[2]), PoolingMethod.parse(method), CiMethod.parse(p[4]),
                PredictionInterval.parse(p[5]), ZeroCellRule.parse(p[6]), Subset.parse(p[7]), prior);
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
        return new AnalysisSpec(pool, outcome, measure, method, ciMethod, predictionInterval, zeroRule, other, prior);
    }

    /** The same analysis with another pooling method and interval (e.g. the fixed-effect input of a bias test). */
    public AnalysisSpec withMethod(PoolingMethod otherMethod, CiMethod otherCi) {
        // the posterior predictive interval is the Bayesian model's own: a frequentist input takes the default one
        PredictionInterval pi = predictionInterval == PredictionInterval.POSTERIOR && !otherMethod.isBayesian()
                ? PredictionInterval.DEFAULT : predictionInterval;
        return new AnalysisSpec(pool, outcome, measure, otherMethod, otherCi, pi, effectsZeroRule(), subset, prior);
    }
}
