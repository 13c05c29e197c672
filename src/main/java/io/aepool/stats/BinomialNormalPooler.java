package io.aepool.stats;

import org.apache.commons.math3.analysis.integration.gauss.GaussIntegrator;
import org.apache.commons.math3.analysis.integration.gauss.GaussIntegratorFactory;
import org.apache.commons.math3.optim.MaxEval;
import org.apache.commons.math3.optim.nonlinear.scalar.GoalType;
import org.apache.commons.math3.optim.univariate.BrentOptimizer;
import org.apache.commons.math3.optim.univariate.SearchInterval;
import org.apache.commons.math3.optim.univariate.UnivariateObjectiveFunction;
import org.apache.commons.math3.optim.univariate.UnivariatePointValuePair;
import org.apache.commons.math3.exception.TooManyEvaluationsException;
import org.apache.commons.math3.special.Gamma;

import java.util.ArrayList;
import java.util.List;

/**
 * The one-stage binomial–normal model for odds ratios with fixed study intercepts and a random treatment effect
 * (Turner et al. 2000; Stijnen, Hamza & Özdemir 2010, "model 4"; metafor {@code rma.glmm(measure = "OR",
 * model = "UM.FS", method = "ML")}, R meta {@code metabin(method = "GLMM", model.glmm = "UM.FS")}): in study i,
 * logit p_i,exp = α_i + μ + u_i/2 and logit p_i,ctl = α_i − u_i/2, u_i ~ N(0, τ²) (metafor's ±½ coding of the
 * random effect), events binomial. Fitted by maximum likelihood, each study's integral over u_i by 7-point adaptive
 * Gauss–Hermite quadrature around its conditional mode (lme4's {@code nAGQ = 7}, metafor's default). The raw counts are
 * used: no continuity correction; studies without events, or with only events, in both arms carry no information
 * and drop out.
 *
 * <p>The maximum: for fixed τ the log-likelihood is concave in (α, μ) (Prékopa: the integral of a log-concave
 * function), maximised by Newton–Raphson with the arrowhead Hessian of that structure (each α_i meets only μ), its
 * derivatives the posterior moments of the score at the quadrature nodes (Louis 1982); τ is then found by Brent's
 * search on the profile, on [0, 10]. se(μ) inverts the finite-difference Hessian of the log-likelihood in (μ, τ) with
 * the α's profiled out, which is the (μ, μ) element of the inverse of the full Hessian that lme4's {@code vcov} uses.
 * Heterogeneity: the likelihood-ratio test of the fixed-effect model (τ = 0) against one log odds ratio per study
 * (metafor {@code QE.LRT}, k − 1 df); I² and H² from τ² and the typical variance of the per-study log odds ratios under
 * the zero-cell rule (metafor's {@code I2}, {@code H2} for {@code rma.glmm}).
 *
 * <p>Never throws for data: when there is no finite maximum (events in one arm only, across all studies), when τ runs
 * to its bound, or an iteration fails, the result says so in its status and the grid goes on.
 */
final class BinomialNormalPooler implements Pooler {

    private static final int NODES = 7;
    private static final GaussIntegrator HERMITE = new GaussIntegratorFactory().hermite(NODES);
    private static final double[] Z = new double[NODES];
    private static final double[] LOG_W = new double[NODES];
    static final double TAU_MAX = 10;
    private static final double MU_MAX = 30;
    private static final int MAX_NEWTON = 100;
    private static final double NEWTON_TOL = 1e-10;
    private static final double H = 1e-5;

    static {
        for (int j = 0; j < NODES; j++) {
            Z[j] = HERMITE.getPoint(j);
            LOG_W[j] = Math.log(HERMITE.getWeight(j));
        }
    }

    private final ZeroCellRule rule;
    private final PredictionInterval predictionInterval;
    private final String label;

    BinomialNormalPooler(ZeroCellRule rule, PredictionInterval predictionInterval) {
        this.rule = rule;
        this.predictionInterval = predictionInterval;
        this.label = rule.label();
    }

    /** One informative study: events and sizes of the experimental (1) and control (0) arms. */
    private record Arms(double x1, double n1, double x0, double n0) {
    }

    /** A study's log-likelihood contribution with the posterior moments of its score (Louis 1982). */
    private record Contribution(double logLik, double gA, double gM, double gT, double hAA, double hAM, double hMM) {
    }

    @Override
    public PooledEstimate pool(List<StudyCounts> studies) {
        List<Arms> arms = informative(studies);
        int k = arms.size();
        if (k == 0) {
            return notEstimable(0, studies.isEmpty() ? "no studies"
                    : "no studies left after dropping studies without events (or with only events) in both arms");
        }
        if (k < 2) {
            return notEstimable(k, "the binomial-normal model needs two or more studies with events to estimate tau");
        }
        double sumX1 = 0;
        double sumN1 = 0;
        double sumX0 = 0;
        double sumN0 = 0;
        for (Arms a : arms) {
            sumX1 += a.x1();
            sumN1 += a.n1();
            sumX0 += a.x0();
            sumN0 += a.n0();
        }
        if (sumX1 == 0 || sumX1 == sumN1 || sumX0 == 0 || sumX0 == sumN0) {
            return notEstimable(k, "no finite maximum likelihood estimate (one arm has no events, or only events, in"
                    + " every study)");
        }
        Fit fit = new Fit(arms);
        double tau;
        try {
            BrentOptimizer brent = new BrentOptimizer(1e-12, 1e-14);
            UnivariatePointValuePair best = brent.optimize(new MaxEval(500), GoalType.MAXIMIZE,
                    new SearchInterval(0, TAU_MAX), new UnivariateObjectiveFunction(fit::profileTau));
            tau = best.getPoint();
            // the boundary: Brent stops within its tolerance of 0 when the profile falls from there
            if (tau < 1e-6 && fit.profileTau(0) >= best.getValue() - 1e-9) {
                tau = 0;
            }
        } catch (TooManyEvaluationsException | ArithmeticException e) {
            return notConverged(k, "tau search failed (" + e.getMessage() + ")");
        }
        if (fit.failure != null) {
            return notConverged(k, fit.failure);
        }
        if (tau > TAU_MAX * 0.999) {
            return notConverged(k, "tau ran to its bound of " + TAU_MAX + " (log odds ratio scale)");
        }
        double logLik = fit.profileTau(tau);
        double mu = fit.mu;
        if (fit.failure != null || !Double.isFinite(logLik)) {
            return notConverged(k, fit.failure != null ? fit.failure : "log-likelihood not finite at the maximum");
        }
        // se(μ): Hessian of the α-profiled log-likelihood in (μ, τ) from central differences of its gradient (the
        // envelope theorem makes that gradient the posterior mean score at the fitted α's); ℓ is even in τ, so the
        // differences may step below 0 (there the cross term vanishes, as for lme4 at θ = 0)
        double[] alpha = fit.alpha.clone();
        double[] gmPlus = fit.profileGradient(mu + H, tau, alpha.clone());
        double[] gmMinus = fit.profileGradient(mu - H, tau, alpha.clone());
        double[] gtPlus = fit.profileGradient(mu, tau + H, alpha.clone());
        double[] gtMinus = fit.profileGradient(mu, tau - H, alpha.clone());
        double lmm = (gmPlus[0] - gmMinus[0]) / (2 * H);
        double ltt = (gtPlus[1] - gtMinus[1]) / (2 * H);
        double lmt = ((gmPlus[1] - gmMinus[1]) + (gtPlus[0] - gtMinus[0])) / (4 * H);
        if (fit.failure != null) {
            return notConverged(k, fit.failure);
        }
        double det = lmm * ltt - lmt * lmt;
        // [(-H)^-1]_μμ = -ltt/det for the 2×2 observed information; τ with no curvature (a flat profile) leaves 1/-lmm
        double varMu = det > 0 && ltt < 0 ? -ltt / det : -1 / lmm;
        if (!(varMu > 0) || !Double.isFinite(varMu)) {
            return notConverged(k, "the information matrix is not positive definite at the maximum");
        }
        double se = Math.sqrt(varMu);
        // likelihood-ratio test of τ = 0 against one log odds ratio per study (metafor QE.LRT)
        double saturated = 0;
        for (Arms a : arms) {
            saturated += saturatedLogLik(a.x1(), a.n1()) + saturatedLogLik(a.x0(), a.n0());
        }
        double fixed = fit.profileTau(0);
        double q = Math.max(0, 2 * (saturated - fixed));
        double tau2 = tau * tau;
        // I² and H² from τ² and the typical within-study variance of the per-study log ORs (Higgins & Thompson 2002)
        double s2 = Models.typicalVariance(EffectSizes.usable(studies, EffectMeasure.OR, rule.withDefaultCorrection()).v());
        double i2 = tau2 / (tau2 + s2);
        double h2 = (tau2 + s2) / s2;
        String range = Models.ratioRangeProblem(EffectMeasure.OR, mu - Models.Z_CRIT * se, mu + Models.Z_CRIT * se);
        if (range != null) {
            return notEstimable(k, range);
        }
        int piDf = predictionInterval.df(k);
        double n = Double.NaN;
        double piHalf = Models.predictionQuantile(predictionInterval, k) * Math.sqrt(tau2 + se * se);
        // Wald z test and interval, as metafor reports for rma.glmm
        return new PooledEstimate(EffectMeasure.OR, PoolingMethod.GLMM, CiMethod.WALD_Z, label, k, mu, se,
                mu - Models.Z_CRIT * se, mu + Models.Z_CRIT * se, Dist.twoSidedNormalP(mu / se), q, k - 1,
                Dist.chiSquareUpper(q, k - 1), i2, h2, tau2, n, n, n, n, mu - piHalf, mu + piHalf, piDf, PooledEstimate.OK);
    }

    /**
     * The studies that inform the model: both arms non-empty, events but not only events. A study without events (or
     * with only events) in both arms has its intercept at ±∞ and adds nothing: metafor drops it too.
     */
    private static List<Arms> informative(List<StudyCounts> studies) {
        List<Arms> arms = new ArrayList<>();
        for (StudyCounts s : studies) {
            long events = s.eventsExp() + s.eventsCtl();
            if (s.nExp() > 0 && s.nCtl() > 0 && events > 0 && events < s.nExp() + s.nCtl()) {
                arms.add(new Arms(s.eventsExp(), s.nExp(), s.eventsCtl(), s.nCtl()));
            }
        }
        return arms;
    }

    /** The log-likelihood at the fitted μ and τ including the binomial coefficients, as lme4's {@code logLik}. */
    double logLikAtMaximum(List<StudyCounts> studies) {
        PooledEstimate e = pool(studies);
        if (!e.isOk()) {
            return Double.NaN;
        }
        List<Arms> arms = informative(studies);
        double constant = 0;
        for (Arms a : arms) {
            constant += logChoose(a.n1(), a.x1()) + logChoose(a.n0(), a.x0());
        }
        Fit fit = new Fit(arms);
        return fit.profileAlpha(e.theta(), Math.sqrt(e.tau2()), fit.alpha) + constant;
    }

    /** The maximisation state: the α's and μ of the last profile, warm starts for the next. */
    private static final class Fit {
        private final List<Arms> arms;
        private final double[] alpha;
        private double mu;
        private String failure;

        Fit(List<Arms> arms) {
            this.arms = arms;
            this.alpha = new double[arms.size()];
            for (int i = 0; i < alpha.length; i++) {
                Arms a = arms.get(i);
                // start at the pooled control log odds of the study (events in either arm; 0.5 keeps it finite)
                alpha[i] = Math.log((a.x0() + a.x1() + 0.5) / (a.n0() + a.n1() - a.x0() - a.x1() + 0.5));
            }
        }

        /** max over α and μ of ℓ(α, μ, τ) by Newton–Raphson on the concave problem; remembers α and μ. */
        double profileTau(double tau) {
            double m = mu;
            double[] grad = new double[arms.size()];
            double[] hAA = new double[arms.size()];
            double[] hAM = new double[arms.size()];
            double last = Double.NEGATIVE_INFINITY;
            for (int iter = 0; iter < MAX_NEWTON; iter++) {
                double logLik = 0;
                double gM = 0;
                double hMM = 0;
                for (int i = 0; i < alpha.length; i++) {
                    Contribution c = contribution(arms.get(i), alpha[i], m, tau);
                    logLik += c.logLik();
                    grad[i] = c.gA();
                    hAA[i] = c.hAA();
                    hAM[i] = c.hAM();
                    gM += c.gM();
                    hMM += c.hMM();
                }
                // Newton step for the arrowhead Hessian [[diag(hAA), hAM], [hAMᵀ, hMM]]: eliminate the α's first
                double schur = hMM;
                double rhs = gM;
                for (int i = 0; i < alpha.length; i++) {
                    schur -= hAM[i] * hAM[i] / hAA[i];
                    rhs -= hAM[i] * grad[i] / hAA[i];
                }
                double dMu = -rhs / schur;
                double maxStep = Math.abs(dMu);
                dMu = clamp(dMu);
                m += dMu;
                for (int i = 0; i < alpha.length; i++) {
                    double dA = clamp(-(grad[i] + hAM[i] * dMu) / hAA[i]);
                    maxStep = Math.max(maxStep, Math.abs(dA));
                    alpha[i] += dA;
                }
                if (!Double.isFinite(m) || Math.abs(m) > MU_MAX) {
                    failure = "no finite maximum likelihood estimate (the log odds ratio ran past " + MU_MAX + ")";
                    mu = 0;
                    return Double.NEGATIVE_INFINITY;
                }
                if (maxStep < NEWTON_TOL && Math.abs(logLik - last) < 1e-9) {
                    mu = m;
                    return logLikAt(m, tau);
                }
                last = logLik;
            }
            failure = "Newton-Raphson for the intercepts and log odds ratio did not converge in " + MAX_NEWTON + " steps";
            mu = m;
            return logLikAt(m, tau);
        }

        /** max over α alone at (μ, τ), starting from {@code start} (updated in place). */
        double profileAlpha(double m, double tau, double[] start) {
            double total = 0;
            for (int i = 0; i < start.length; i++) {
                Arms a = arms.get(i);
                boolean done = false;
                for (int iter = 0; iter < MAX_NEWTON && !done; iter++) {
                    Contribution c = contribution(a, start[i], m, tau);
                    double step = clamp(-c.gA() / c.hAA());
                    start[i] += step;
                    done = Math.abs(step) < 1e-12;
                }
                if (!done) {
                    failure = "Newton-Raphson for a study's intercept did not converge in " + MAX_NEWTON + " steps";
                }
                total += contribution(a, start[i], m, tau).logLik();
            }
            return total;
        }

        /** The gradient in (μ, τ) of the log-likelihood with α profiled out at (μ, τ), α started from {@code start}. */
        double[] profileGradient(double m, double tau, double[] start) {
            profileAlpha(m, tau, start);
            double gM = 0;
            double gT = 0;
            for (int i = 0; i < start.length; i++) {
                Contribution c = contribution(arms.get(i), start[i], m, tau);
                gM += c.gM();
                gT += c.gT();
            }
            return new double[] {gM, gT};
        }

        private double logLikAt(double m, double tau) {
            double total = 0;
            for (int i = 0; i < alpha.length; i++) {
                total += contribution(arms.get(i), alpha[i], m, tau).logLik();
            }
            return total;
        }
    }

    private static double clamp(double step) {
        return Math.max(-2, Math.min(2, step));
    }

    /**
     * A study's marginal log-likelihood at (α, μ, τ) (binomial coefficients left out) by 7-point adaptive
     * Gauss–Hermite quadrature over b = u/τ ~ N(0, 1), centred at the conditional mode of b with the scale of its
     * curvature (Pinheiro & Bates 1995; lme4's nAGQ), and the posterior moments of the score in (α, μ) at the nodes.
     */
    private static Contribution contribution(Arms a, double alpha, double mu, double tau) {
        // conditional mode of b: Newton on f(b) = h(τb) − b²/2, concave
        double b = 0;
        double curvature = 1;
        for (int iter = 0; iter < 50; iter++) {
            double u = tau * b;
            double p1 = expit(alpha + mu + u / 2);
            double p0 = expit(alpha - u / 2);
            double dh = 0.5 * (a.x1() - a.n1() * p1) - 0.5 * (a.x0() - a.n0() * p0);
            double d2h = -0.25 * (a.n1() * p1 * (1 - p1) + a.n0() * p0 * (1 - p0));
            double f1 = tau * dh - b;
            curvature = 1 - tau * tau * d2h;
            double step = f1 / curvature;
            b += step;
            if (Math.abs(step) < 1e-12) {
                break;
            }
        }
        {
            double u = tau * b;
            double p1 = expit(alpha + mu + u / 2);
            double p0 = expit(alpha - u / 2);
            curvature = 1 + 0.25 * tau * tau * (a.n1() * p1 * (1 - p1) + a.n0() * p0 * (1 - p0));
        }
        double s = 1 / Math.sqrt(curvature);
        double[] logTerm = new double[NODES];
        double top = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < NODES; j++) {
            double bj = b + Math.sqrt(2) * s * Z[j];
            double u = tau * bj;
            double eta1 = alpha + mu + u / 2;
            double eta0 = alpha - u / 2;
            // ∫ g(b) φ(b) db = Σ w_j √2 s e^{z_j²} g(b_j) φ(b_j)
            logTerm[j] = LOG_W[j] + Z[j] * Z[j] + a.x1() * eta1 - a.n1() * log1pExp(eta1) + a.x0() * eta0
                    - a.n0() * log1pExp(eta0) - 0.5 * bj * bj;
            top = Math.max(top, logTerm[j]);
        }
        double sum = 0;
        for (int j = 0; j < NODES; j++) {
            sum += Math.exp(logTerm[j] - top);
        }
        double logLik = top + Math.log(sum) + Math.log(Math.sqrt(2) * s) - 0.5 * Math.log(2 * Math.PI);
        // posterior moments of the score at the nodes: ∇ log L = E[∇h], ∇² log L = E[∇²h] + Cov[∇h] (Louis 1982)
        double eA = 0;
        double eM = 0;
        double eT = 0;
        double eAA = 0;
        double eAM = 0;
        double eMM = 0;
        double sAA = 0;
        double sAM = 0;
        double sMM = 0;
        for (int j = 0; j < NODES; j++) {
            double w = Math.exp(logTerm[j] - top) / sum;
            double bj = b + Math.sqrt(2) * s * Z[j];
            double u = tau * bj;
            double p1 = expit(alpha + mu + u / 2);
            double p0 = expit(alpha - u / 2);
            double gM = a.x1() - a.n1() * p1;
            // ∂h/∂τ at u = τb: b·(½(x1 − n1p1) − ½(x0 − n0p0))
            eT += w * bj * 0.5 * (gM - (a.x0() - a.n0() * p0));
            double gA = gM + a.x0() - a.n0() * p0;
            double v1 = a.n1() * p1 * (1 - p1);
            double v0 = a.n0() * p0 * (1 - p0);
            eA += w * gA;
            eM += w * gM;
            sAA += w * gA * gA;
            sAM += w * gA * gM;
            sMM += w * gM * gM;
            eAA -= w * (v1 + v0);
            eAM -= w * v1;
            eMM -= w * v1;
        }
        return new Contribution(logLik, eA, eM, eT, eAA + sAA - eA * eA, eAM + sAM - eA * eM, eMM + sMM - eM * eM);
    }

    private static double expit(double eta) {
        return eta >= 0 ? 1 / (1 + Math.exp(-eta)) : Math.exp(eta) / (1 + Math.exp(eta));
    }

    // log(1 + e^η) without overflow
    private static double log1pExp(double eta) {
        return eta > 0 ? eta + Math.log1p(Math.exp(-eta)) : Math.log1p(Math.exp(eta));
    }

    // x·log(x/n) + (n − x)·log(1 − x/n): the binomial log-likelihood at p = x/n, coefficients left out
    private static double saturatedLogLik(double x, double n) {
        double out = 0;
        if (x > 0) {
            out += x * Math.log(x / n);
        }
        if (x < n) {
            out += (n - x) * Math.log((n - x) / n);
        }
        return out;
    }

    private static double logChoose(double n, double x) {
        return Gamma.logGamma(n + 1) - Gamma.logGamma(x + 1) - Gamma.logGamma(n - x + 1);
    }

    private PooledEstimate notEstimable(int k, String reason) {
        return PooledEstimate.notEstimable(EffectMeasure.OR, PoolingMethod.GLMM, CiMethod.WALD_Z, label, k, reason);
    }

    private PooledEstimate notConverged(int k, String reason) {
        double n = Double.NaN;
        return new PooledEstimate(EffectMeasure.OR, PoolingMethod.GLMM, CiMethod.WALD_Z, label, k, n, n, n, n, n, n,
                k - 1, n, n, n, n, n, n, n, n, n, n, -1, "not converged: binomial-normal model: " + reason);
    }
}
