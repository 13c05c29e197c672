package io.aepool.stats;

/**
 * The random-effects model y = Xβ + u + e, u ~ N(0, tau²), e ~ N(0, v), as the tau² estimators see it
 * ({@link TauSquared.Estimator}): each estimator is written once over this interface and serves both the
 * intercept-only model (X a column of ones, {@link TauSquared#interceptOnly}, in closed form) and the
 * meta-regression ({@link MixedEffects}, with matrices). P = W − WX(X'WX)⁻¹X'W with W = diag(1/(v + tau²)).
 */
interface Tau2Model {

    /** Studies. */
    int k();

    /** Coefficients of X (1 for the intercept-only model). */
    int p();

    /** The effects (for the Sidik–Jonkman start Σ(y − ȳ)²/k). */
    double[] y();

    /** y'P(tau²)y, the generalised Q (the weighted residual sum of squares); NaN when X'WX is singular at tau². */
    double rss(double tau2);

    /** tr P at tau² = 0. */
    double traceP0();

    /** Hedges' (1983) moment estimator from ordinary least squares residuals, not truncated; NaN for a singular design. */
    double hedges();

    /** What one Fisher-scoring step needs at tau² ({@code trPP} only when {@code reml}, else NaN). */
    Scoring scoring(double tau2, boolean reml);

    /** The (restricted) log-likelihood at tau² (Viechtbauer 2005). */
    double logLik(double tau2, boolean reml);

    /** y'PPy, tr P, tr PP, Σw and Σw² at one tau². */
    record Scoring(double yPPy, double trP, double trPP, double sw, double sw2) {
    }
}
