package io.aepool.stats;

import org.apache.commons.math3.analysis.integration.gauss.GaussIntegrator;
import org.apache.commons.math3.analysis.integration.gauss.GaussIntegratorFactory;

import java.util.function.DoubleUnaryOperator;

/**
 * The posterior of the normal–normal hierarchical model y_i ~ N(θ_i, v_i), θ_i ~ N(μ, τ²), with a half-normal prior on
 * τ and a flat or normal prior on μ, by deterministic numerical integration over τ (Röver 2020, bayesmeta's
 * "direct algorithm"; no MCMC, so every digit repeats). Given τ, μ is normal with the precision-weighted mean of the
 * studies (weights 1/(v_i + τ²)) and the prior; τ's marginal posterior is the prior times the likelihood with μ
 * integrated out. Every posterior quantity is then a one-dimensional integral over τ, computed by composite
 * Gauss–Legendre quadrature over the range where the posterior density is within e^-60 of its peak.
 */
public final class NormalNormalPosterior {

    /** Panels of the composite rule and Gauss–Legendre points per panel: exact to ~1e-13 on the reference sets. */
    static final int PANELS = 48;
    static final int POINTS = 20;
    private static final GaussIntegrator LEGENDRE = new GaussIntegratorFactory().legendre(POINTS, -1, 1);
    private static final double SPAN = 60;
    private static final int SCAN = 400;
    private static final double ROOT_TOL = 1e-14;

    /**
     * The summary of a posterior, all on the analysis scale.
     *
     * @param muMedian       posterior median of μ
     * @param muLow          2.5% quantile of μ (equal-tailed 95% credible interval)
     * @param muMean         posterior mean of μ
     * @param muSd           posterior standard deviation of μ
     * @param tauMedian      posterior median of τ
     * @param predLow        2.5% quantile of the posterior predictive distribution of a new study's θ
     * @param probAbove0     P(μ > 0 | y): for a ratio measure, the probability that the ratio exceeds 1
     * @param probAboveLogThreshold P(μ > log threshold | y)
     */
    public record Summary(int k, double muMedian, double muLow, double muHigh, double muMean, double muSd,
                          double tauMedian, double tauLow, double tauHigh, double predLow, double predHigh,
                          double probAbove0, double probAboveLogThreshold) {
    }

    private final double[] y;
    private final double[] v;
    private final BayesPrior prior;
    // per quadrature node: τ, normalised posterior weight, conditional mean and precision of μ
    private final double[] tau;
    private final double[] weight;
    private final double[] mean;
    private final double[] precision;
    private final double lower;
    private final double panelWidth;
    private final double[] panelMass;
    private final double top;
    /** The unnormalised posterior mass (density scaled by e^-top), which the node weights were divided by. */
    private final double mass;

    private NormalNormalPosterior(double[] y, double[] v, BayesPrior prior) {
        this.y = y;
        this.v = v;
        this.prior = prior;
        double maxV = 0;
        for (double vi : v) {
            maxV = Math.max(maxV, vi);
        }
        // the range of τ holding the posterior: scan, keep where the log density is within SPAN of its peak; the scan
        // doubles its reach while its far end is still near the peak (fuzzing found τ ≈ 15 for Q ≈ 1500 on 8 studies)
        double scanEnd = 20 * prior.tauScale() + 10 * Math.sqrt(maxV);
        double step;
        double[] lp = new double[SCAN + 1];
        double peak;
        int doublings = 0;
        while (true) {
            step = scanEnd / SCAN;
            peak = Double.NEGATIVE_INFINITY;
            for (int i = 0; i <= SCAN; i++) {
                lp[i] = logPosterior(i * step);
                peak = Math.max(peak, lp[i]);
            }
            if (!(lp[SCAN] > peak - SPAN) || ++doublings > 60) {
                break;
            }
            scanEnd *= 2;
        }
        int first = SCAN;
        int last = 0;
        for (int i = 0; i <= SCAN; i++) {
            if (lp[i] > peak - SPAN) {
                first = Math.min(first, i);
                last = Math.max(last, i);
            }
        }
        this.lower = Math.max(0, (first - 1) * step);
        double upper = Math.min(SCAN, last + 1) * step;
        this.top = peak;
        this.panelWidth = (upper - lower) / PANELS;
        int n = PANELS * POINTS;
        tau = new double[n];
        weight = new double[n];
        mean = new double[n];
        precision = new double[n];
        panelMass = new double[PANELS];
        double total = 0;
        for (int p = 0; p < PANELS; p++) {
            double a = lower + p * panelWidth;
            for (int j = 0; j < POINTS; j++) {
                int i = p * POINTS + j;
                double t = a + (LEGENDRE.getPoint(j) + 1) / 2 * panelWidth;
                tau[i] = t;
                double[] c = conditional(t);
                weight[i] = LEGENDRE.getWeight(j) / 2 * panelWidth * Math.exp(logPosterior(t, c) - top);
                mean[i] = c[0];
                precision[i] = c[1];
                panelMass[p] += weight[i];
            }
            total += panelMass[p];
        }
        this.mass = total;
        for (int i = 0; i < n; i++) {
            weight[i] /= total;
        }
        for (int p = 0; p < PANELS; p++) {
            panelMass[p] /= total;
        }
    }

    /**
     * The posterior for studies with effects y and within-study variances v (analysis scale).
     *
     * @throws IllegalArgumentException when there are no studies, the arrays differ in length, or a variance is not
     *                                  positive and finite
     */
    public static NormalNormalPosterior of(double[] y, double[] v, BayesPrior prior) {
        if (y == null || v == null || y.length != v.length || y.length == 0) {
            throw new IllegalArgumentException("the normal-normal model needs at least one study with an effect and a variance");
        }
        for (int i = 0; i < y.length; i++) {
            if (!Double.isFinite(y[i]) || !(v[i] > 0) || Double.isInfinite(v[i])) {
                throw new IllegalArgumentException("study " + (i + 1) + " has effect " + y[i] + " and variance " + v[i]
                        + ": both must be finite, the variance positive");
            }
        }
        return new NormalNormalPosterior(y.clone(), v.clone(), prior);
    }

    /** Conditional posterior of μ given τ: {mean, precision} (precision-weighted mean of studies and prior). */
    private double[] conditional(double t) {
        double w0 = prior.flatMu() ? 0 : 1 / (prior.muSd() * prior.muSd());
        double sw = w0;
        double swy = 0; // the prior's mean is 0
        for (int i = 0; i < y.length; i++) {
            double w = 1 / (v[i] + t * t);
            sw += w;
            swy += w * y[i];
        }
        return new double[] {swy / sw, sw};
    }

    /** log p(τ | y) up to a constant: half-normal prior times the normal likelihood with μ integrated out. */
    private double logPosterior(double t) {
        return logPosterior(t, conditional(t));
    }

    /** As {@link #logPosterior(double)}, given μ's conditional {mean, precision} at t (the nodes keep it). */
    private double logPosterior(double t, double[] c) {
        double m = c[0];
        double log = -0.5 * Math.log(c[1]);
        double ss = prior.flatMu() ? 0 : m * m / (prior.muSd() * prior.muSd());
        for (int i = 0; i < y.length; i++) {
            double w = 1 / (v[i] + t * t);
            log += 0.5 * Math.log(w);
            ss += w * (y[i] - m) * (y[i] - m);
        }
        double z = t / prior.tauScale();
        return log - 0.5 * ss - 0.5 * z * z;
    }

    /** P(τ ≤ x | y). */
    private double tauCdf(double x) {
        if (x <= lower) {
            return 0;
        }
        int p = (int) Math.min(PANELS, Math.floor((x - lower) / panelWidth));
        double f = 0;
        for (int i = 0; i < p; i++) {
            f += panelMass[i];
        }
        if (p == PANELS) {
            return Math.min(1, f);
        }
        double a = lower + p * panelWidth;
        double b = x;
        double partial = 0;
        for (int j = 0; j < POINTS; j++) {
            double t = a + (LEGENDRE.getPoint(j) + 1) / 2 * (b - a);
            partial += LEGENDRE.getWeight(j) / 2 * (b - a) * Math.exp(logPosterior(t) - top);
        }
        return Math.min(1, f + partial / mass);
    }

    /** The summary: medians, equal-tailed 95% intervals, moments and probabilities. */
    public Summary summary(double logThreshold) {
        double muMean = 0;
        double muSecond = 0;
        double[] sd = new double[tau.length];
        double[] sdPred = new double[tau.length];
        for (int i = 0; i < tau.length; i++) {
            muMean += weight[i] * mean[i];
            muSecond += weight[i] * (mean[i] * mean[i] + 1 / precision[i]);
            sd[i] = 1 / Math.sqrt(precision[i]);
            sdPred[i] = Math.sqrt(sd[i] * sd[i] + tau[i] * tau[i]);
        }
        double muSd = Math.sqrt(Math.max(0, muSecond - muMean * muMean));
        double upperTau = lower + PANELS * panelWidth;
        return new Summary(y.length,
                mixtureQuantile(sd, 0.5), mixtureQuantile(sd, 0.025), mixtureQuantile(sd, 0.975), muMean, muSd,
                quantile(this::tauCdf, 0.5, lower, upperTau), quantile(this::tauCdf, 0.025, lower, upperTau),
                quantile(this::tauCdf, 0.975, lower, upperTau),
                mixtureQuantile(sdPred, 0.025), mixtureQuantile(sdPred, 0.975),
                mixtureAbove(sd, 0), mixtureAbove(sd, logThreshold));
    }

    /** Σ weight·Φ((x − mean)/sd) over the nodes: the cdf of μ (sd = 1/√precision) or of the prediction. */
    private double mixtureCdf(double[] sd, double x) {
        double f = 0;
        for (int i = 0; i < tau.length; i++) {
            f += weight[i] * Dist.normalCdf((x - mean[i]) / sd[i]);
        }
        return f;
    }

    /** P(μ > x) summed as upper tails, Σ weight·Φ((mean − x)/sd): no cancellation in 1 − cdf for a tiny tail. */
    private double mixtureAbove(double[] sd, double x) {
        double f = 0;
        for (int i = 0; i < tau.length; i++) {
            f += weight[i] * Dist.normalCdf((mean[i] - x) / sd[i]);
        }
        return Math.min(1, f);
    }

    /**
     * The p-quantile of a normal mixture: Newton's iteration on cdf − p from the quantile of the normal with the
     * mixture's mean and variance (a few steps: the cdf and density come from one pass over the nodes), kept inside a
     * bracket that every step narrows; Brent's method on that bracket if Newton has not converged in 30 steps.
     */
    private double mixtureQuantile(double[] sd, double p) {
        double m = 0;
        double second = 0;
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < tau.length; i++) {
            m += weight[i] * mean[i];
            second += weight[i] * (mean[i] * mean[i] + sd[i] * sd[i]);
            lo = Math.min(lo, mean[i] - 40 * sd[i]);
            hi = Math.max(hi, mean[i] + 40 * sd[i]);
        }
        double x = m + Dist.normalQuantile(p) * Math.sqrt(Math.max(0, second - m * m));
        for (int step = 0; step < 30 && x > lo && x < hi; step++) {
            double cdf = 0;
            double density = 0;
            for (int i = 0; i < tau.length; i++) {
                double z = (x - mean[i]) / sd[i];
                cdf += weight[i] * Dist.normalCdf(z);
                density += weight[i] * Math.exp(-0.5 * z * z) / (sd[i] * SQRT_2PI);
            }
            double f = cdf - p;
            if (Math.abs(f) <= 8 * Math.ulp(p)) {
                return x; // the cdf is p to its rounding: the step would be noise
            }
            if (f < 0) {
                lo = x;
            } else {
                hi = x;
            }
            double next = x - f / density;
            if (!(next > lo && next < hi)) {
                next = (lo + hi) / 2; // a step out of the bracket: bisect instead
            }
            if (Math.abs(next - x) <= 4 * Math.ulp(x) + ROOT_TOL) {
                return next;
            }
            x = next;
        }
        return quantile(z -> mixtureCdf(sd, z), p, lo, hi);
    }

    private static double quantile(DoubleUnaryOperator cdf, double p, double lo, double hi) {
        RootFinder.Root root = RootFinder.zeroin(x -> cdf.applyAsDouble(x) - p, lo, hi, ROOT_TOL, 1000);
        // a bracket narrowed to the cdf's rounding can show one sign at both ends: its midpoint is the quantile
        return root.converged() ? root.x() : (lo + hi) / 2;
    }

    private static final double SQRT_2PI = Math.sqrt(2 * Math.PI);

}
