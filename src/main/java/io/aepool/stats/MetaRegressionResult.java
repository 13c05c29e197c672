package io.aepool.stats;

import java.util.List;

/**
 * A meta-regression on one study-level covariate (metafor {@code rma.uni(yi, vi, mods = ...)} with z tests).
 * Numbers are NaN when {@code status} is not {@link PooledEstimate#OK}.
 *
 * @param covariate    the covariate's name
 * @param k            studies in the model (with a usable effect and a covariate value)
 * @param coefficients the intercept then the covariate's slope (numeric) or one contrast per non-reference level
 *                     (categorical, named {@code covariate=level}, reference level = first in label order)
 * @param tau2         residual between-study variance (0 for {@link PoolingMethod#IV})
 * @param i2           residual I² = tau²/(tau² + typical within-study variance) (0 for IV)
 * @param r2           proportion of tau² explained, max(0, (tau²_RE − tau²)/tau²_RE), 0 when tau²_RE = 0; NaN for IV
 * @param qe           test for residual heterogeneity Σ(y − Xβ_FE)²/v on k − p df
 * @param qm           omnibus Wald test of the covariate's coefficients on qmDf (1, or G − 1 for G levels) df
 * @param fewerThanTenStudies true when k < 10 (the Cochrane Handbook advises at least ten studies per covariate)
 */
public record MetaRegressionResult(EffectMeasure measure, PoolingMethod method, String zeroRule, String covariate,
                                   int k, List<MetaRegressionCoefficient> coefficients, double tau2, double i2,
                                   double r2, double qe, int qeDf, double qeP, double qm, int qmDf, double qmP,
                                   boolean fewerThanTenStudies, String status) {

    public MetaRegressionResult {
        coefficients = List.copyOf(coefficients);
    }

    public boolean isOk() {
        return PooledEstimate.OK.equals(status);
    }
}
