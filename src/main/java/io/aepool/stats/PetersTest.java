package io.aepool.stats;

/**
 * Peters' regression test for funnel-plot asymmetry in metafor's form ({@code regtest(model = "lm",
 * predictor = "ninv")}): weighted least squares of the effect on 1/n (n the total sample size of the study) with
 * weights 1/v and a residual variance estimated from the data; the test is the t test of the slope on k − 2 df
 * (Peters et al. 2006). Numbers are NaN when {@code status} is not {@link PooledEstimate#OK}.
 *
 * @param limitEstimate        intercept: the effect expected in a study of infinite size (analysis scale)
 * @param slope                coefficient of 1/n (the asymmetry)
 * @param fewerThanTenStudies  true when k < 10, where the test has too little power to be interpreted (Sterne et al. 2011)
 */
public record PetersTest(EffectMeasure measure, String zeroRule, int k, double limitEstimate, double slope,
                         double slopeSe, double t, int df, double pValue, boolean fewerThanTenStudies, String status) {

    public boolean isOk() {
        return PooledEstimate.OK.equals(status);
    }
}
