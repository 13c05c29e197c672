package io.aepool.stats;

import java.util.List;

/**
 * The Bayesian normal–normal model as a {@link Pooler}: per-study effects under the zero-cell rule, then the posterior
 * of {@link NormalNormalPosterior}. The row's {@code theta} is the posterior median of μ, {@code se} its posterior
 * standard deviation, the interval the equal-tailed 95% credible interval, the prediction interval the posterior
 * predictive one; {@code tau2} and its interval are the squared posterior median and quantiles of τ, and I² and its
 * interval follow from them with the typical within-study variance (Higgins & Thompson 2002), as metafor derives
 * I² from a given τ². There is no p-value: the posterior probabilities of harm take its place. Cochran's Q is given as
 * a description of the data. Ratio measures only: the prior's scale is set on the log scale of a ratio.
 */
final class BayesianPooler implements Pooler {

    private final EffectMeasure measure;
    private final ZeroCellRule rule;
    private final BayesPrior prior;
    private final String zeroRule;

    BayesianPooler(EffectMeasure measure, ZeroCellRule rule, BayesPrior prior) {
        this.measure = measure;
        this.rule = rule;
        this.prior = prior;
        this.zeroRule = rule.label();
    }

    @Override
    public PooledEstimate pool(List<StudyCounts> studies) {
        String missing = Poolers.missingPersonTime(studies, measure);
        if (missing != null) {
            return notEstimable(0, missing);
        }
        EffectSizes.Usable usable = EffectSizes.usable(studies, measure, rule);
        int k = usable.k();
        if (k == 0) {
            return notEstimable(0, Poolers.noStudiesReason(studies.size(), usable.kept()));
        }
        double[] y = usable.y();
        double[] v = usable.v();
        NormalNormalPosterior.Summary s = NormalNormalPosterior.of(y, v, prior).summary(Math.log(prior.threshold()));
        if (!Double.isFinite(s.muLow()) || !Double.isFinite(s.muHigh()) || !Double.isFinite(s.tauHigh())
                || !(s.muSd() > 0) || !Double.isFinite(s.muSd()) || !Double.isFinite(s.predLow())
                || !Double.isFinite(s.predHigh()) || Double.isNaN(s.probAbove0())) {
            return notEstimable(k, "the posterior quantiles could not be found (numerical integration failed)");
        }
        String range = Models.ratioRangeProblem(measure, s.muLow(), s.muHigh());
        if (range != null) {
            return notEstimable(k, range);
        }
        double n = Double.NaN;
        double q = n;
        double qP = n;
        double s2 = Models.typicalVariance(v);
        if (k > 1) {
            q = Models.cochranQ(y, v, Models.weightedMean(y, v, 0));
            qP = Dist.chiSquareUpper(q, k - 1);
        }
        double tau2 = s.tauMedian() * s.tauMedian();
        double tau2Low = s.tauLow() * s.tauLow();
        double tau2High = s.tauHigh() * s.tauHigh();
        // I² = τ²/(τ² + s²) and H² = (τ² + s²)/s² at the posterior median of τ (Higgins & Thompson 2002)
        double i2 = k > 1 ? tau2 / (tau2 + s2) : n;
        double h2 = k > 1 ? (tau2 + s2) / s2 : n;
        double i2Low = k > 1 ? tau2Low / (tau2Low + s2) : n;
        double i2High = k > 1 ? tau2High / (tau2High + s2) : n;
        PooledEstimate.Posterior posterior = new PooledEstimate.Posterior(prior.label(), prior.threshold(),
                s.probAbove0(), s.probAboveLogThreshold());
        return new PooledEstimate(measure, PoolingMethod.BAYES, CiMethod.CREDIBLE, zeroRule, k, s.muMedian(), s.muSd(),
                s.muLow(), s.muHigh(), n, k > 1 ? q : 0, k - 1, k > 1 ? qP : n, i2, h2, tau2, tau2Low, tau2High, i2Low,
                i2High, s.predLow(), s.predHigh(), 0, PooledEstimate.OK, posterior);
    }

    private PooledEstimate notEstimable(int k, String reason) {
        return PooledEstimate.notEstimable(measure, PoolingMethod.BAYES, CiMethod.CREDIBLE, zeroRule, k, reason);
    }
}
