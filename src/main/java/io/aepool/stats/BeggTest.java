package io.aepool.stats;

/**
 * Begg and Mazumdar's (1994) rank correlation test (metafor {@code ranktest}): Kendall's tau between the
 * standardised deviates (y − θ_FE)/√(v − v_θ) and the variances v. The p-value is exact (permutation
 * distribution of Kendall's statistic) when k < 50 and there are no ties, otherwise the normal approximation
 * with the tie-corrected variance, as R's {@code cor.test(method = "kendall")}.
 * Numbers are NaN when {@code status} is not {@link PooledEstimate#OK}.
 *
 * @param kendallTau           Kendall's tau-b (tau-a when there are no ties)
 * @param exact                true when the p-value is exact
 * @param fewerThanTenStudies  true when k < 10, where the test has too little power to be interpreted (Sterne et al. 2011)
 */
public record BeggTest(EffectMeasure measure, String zeroRule, int k, double kendallTau, double pValue,
                       boolean exact, boolean fewerThanTenStudies, String status) {

    public boolean isOk() {
        return PooledEstimate.OK.equals(status);
    }
}
