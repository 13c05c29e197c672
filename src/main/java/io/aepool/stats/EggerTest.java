package io.aepool.stats;

/**
 * Egger's regression test for funnel-plot asymmetry in metafor's form ({@code regtest(model = "lm",
 * predictor = "sei")}): weighted least squares of the effect on its standard error with weights 1/v and a
 * residual variance estimated from the data; the test is the t test of the slope on k − 2 df.
 * Numbers are NaN when {@code status} is not {@link PooledEstimate#OK}.
 *
 * @param limitEstimate        intercept: the effect expected in a study of infinite size (analysis scale)
 * @param slope                coefficient of the standard error (the asymmetry)
 * @param fewerThanTenStudies  true when k < 10, where the test has too little power to be interpreted (Sterne et al. 2011)
 */
public record EggerTest(EffectMeasure measure, String zeroRule, int k, double limitEstimate, double slope,
                        double slopeSe, double t, int df, double pValue, boolean fewerThanTenStudies, String status) {

    public boolean isOk() {
        return PooledEstimate.OK.equals(status);
    }
}
