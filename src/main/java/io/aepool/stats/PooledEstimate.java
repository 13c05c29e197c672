package io.aepool.stats;

/**
 * One pooled result. {@code theta}, {@code se}, {@code ciLow}, {@code ciHigh}, {@code piLow}, {@code piHigh}
 * are on the analysis scale (log for ratio measures); the natural-scale accessors exponentiate ratios.
 * Quantities a method does not produce are NaN (fixed-effect tau² is 0, not NaN); writers turn NaN into null.
 * {@code status} is {@link #OK} or a short reason such as "not estimable: no studies with events" or
 * "not converged: REML after 100 iterations".
 *
 * @param k            studies that entered the pooled estimate (after dropping double-zero studies)
 * @param qDf          degrees of freedom of Cochran's Q (k − 1)
 * @param i2           I² as a fraction in [0, 1]
 * @param piDf         degrees of freedom of the prediction interval's t quantile, or 0 when the normal quantile was used
 *                     (or the interval is the Bayesian model's posterior predictive one), -1 when no interval
 * @param posterior    what only the Bayesian model gives (its prior and posterior probabilities), null for the others
 */
public record PooledEstimate(EffectMeasure measure, PoolingMethod method, CiMethod ciMethod, String zeroRule,
                             int k, double theta, double se, double ciLow, double ciHigh, double pValue,
                             double q, int qDf, double qP, double i2, double h2,
                             double tau2, double tau2CiLow, double tau2CiHigh, double i2CiLow, double i2CiHigh,
                             double piLow, double piHigh, int piDf, String status, Posterior posterior) {

    public static final String OK = "ok";

    /**
     * The Bayesian model's own results.
     *
     * @param prior              the prior's label ({@link BayesPrior#label()})
     * @param threshold          the ratio whose exceedance probability is given
     * @param probAbove1         posterior probability that the ratio exceeds 1 (μ > 0 on the log scale)
     * @param probAboveThreshold posterior probability that the ratio exceeds {@code threshold}
     */
    public record Posterior(String prior, double threshold, double probAbove1, double probAboveThreshold) {
    }

    /** A result of a method without a posterior (every method but the Bayesian one). */
    public PooledEstimate(EffectMeasure measure, PoolingMethod method, CiMethod ciMethod, String zeroRule,
                          int k, double theta, double se, double ciLow, double ciHigh, double pValue,
                          double q, int qDf, double qP, double i2, double h2,
                          double tau2, double tau2CiLow, double tau2CiHigh, double i2CiLow, double i2CiHigh,
                          double piLow, double piHigh, int piDf, String status) {
        this(measure, method, ciMethod, zeroRule, k, theta, se, ciLow, ciHigh, pValue, q, qDf, qP, i2, h2, tau2,
                tau2CiLow, tau2CiHigh, i2CiLow, i2CiHigh, piLow, piHigh, piDf, status, null);
    }

    /** A result that could not be computed, with every number NaN and the reason in status. */
    public static PooledEstimate notEstimable(EffectMeasure measure, PoolingMethod method, CiMethod ciMethod,
                                              String zeroRule, int k, String reason) {
        return withoutNumbers(measure, method, ciMethod, zeroRule, k, "not estimable: " + reason);
    }

    /** A result deliberately not computed (e.g. designs kept apart), every number NaN and the reason in status. */
    public static PooledEstimate withheld(EffectMeasure measure, PoolingMethod method, CiMethod ciMethod,
                                          String zeroRule, String reason) {
        return withoutNumbers(measure, method, ciMethod, zeroRule, 0, "not pooled: " + reason);
    }

    private static PooledEstimate withoutNumbers(EffectMeasure measure, PoolingMethod method, CiMethod ciMethod,
                                                 String zeroRule, int k, String status) {
        double n = Double.NaN;
        return new PooledEstimate(measure, method, ciMethod, zeroRule, k, n, n, n, n, n, n, Math.max(k - 1, 0), n, n, n,
                n, n, n, n, n, n, n, -1, status);
    }

    public boolean isOk() {
        return OK.equals(status);
    }

    public double estimate() {
        return measure.toNatural(theta);
    }

    public double ciLowNatural() {
        return measure.toNatural(ciLow);
    }

    public double ciHighNatural() {
        return measure.toNatural(ciHigh);
    }

    public double piLowNatural() {
        return measure.toNatural(piLow);
    }

    public double piHighNatural() {
        return measure.toNatural(piHigh);
    }
}
