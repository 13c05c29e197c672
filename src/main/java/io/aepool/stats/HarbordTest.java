package io.aepool.stats;

/**
 * Harbord, Egger and Sterne's (2006) modified test for small-study effects in meta-analyses of odds ratios:
 * the unweighted least-squares regression of Z/√V on √V, where Z = O − E is the efficient score of the log odds
 * ratio at 0 and V its (hypergeometric, Peto) variance, computed from the raw counts of each study with V > 0.
 * The test is the t test of the intercept on k − 2 df. Numbers are NaN when {@code status} is not
 * {@link PooledEstimate#OK}.
 *
 * @param k                    studies with V > 0 (studies with no events, or only events, carry no information)
 * @param intercept            the bias coefficient (0 without small-study effects)
 * @param slope                coefficient of √V, an estimate of the log odds ratio
 * @param fewerThanTenStudies  true when k < 10, where the test has too little power to be interpreted (Sterne et al. 2011)
 */
public record HarbordTest(int k, double intercept, double interceptSe, double slope, double t, int df, double pValue,
                          boolean fewerThanTenStudies, String status) {

    public boolean isOk() {
        return PooledEstimate.OK.equals(status);
    }
}
