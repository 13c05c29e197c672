package io.aepool.stats;

import org.apache.commons.math3.linear.LUDecomposition;
import org.apache.commons.math3.linear.MatrixUtils;
import org.apache.commons.math3.linear.RealMatrix;

/**
 * Weighted least squares fits of y = Xβ + u + e with u ~ N(0, tau²) and e ~ N(0, v): the fixed-effect (tau² = 0)
 * and mixed-effects meta-regression of metafor's {@code rma.uni(yi, vi, mods = ...)}, with metafor's residual
 * tau² algorithms and controls (tau2.min 0, tau2.max 100, threshold 1e-5, maxiter 100, uniroot tol eps^0.25).
 * X is k × p with its first column the intercept. Used by meta-regression, trim-and-fill (side) and Egger's test.
 */
final class MixedEffects {

    /**
     * A fit. {@code beta}, {@code vb} (covariance of β at the fitted tau², z-based) and the residual heterogeneity
     * {@code qe} = Σ(y − Xβ_FE)²/v on k − p df; {@code failure} null when the tau² estimator converged.
     */
    record Fit(double[] beta, double[][] vb, double tau2, double qe, int qeDf, double typicalV, String failure) {
        boolean converged() {
            return failure == null;
        }
    }

    /** Quantities of the weighted model at one tau²: β, (X'WX)⁻¹, residuals r = y − Xβ and w = 1/(v + tau²). */
    record Wls(double[] beta, double[][] xtwxInv, double[] r, double[] w) {
        /** y'Py = Σ w r² (the generalised Q / weighted residual sum of squares). */
        double rss() {
            double s = 0;
            for (int i = 0; i < r.length; i++) {
                s += w[i] * r[i] * r[i];
            }
            return s;
        }

        /** tr(P) with P = W − WX(X'WX)⁻¹X'W: Σw − tr((X'WX)⁻¹X'W²X). */
        double traceP(double[][] x) {
            double sw = 0;
            for (double wi : w) {
                sw += wi;
            }
            return sw - traceProduct(xtwxInv, crossprod(x, w, 2));
        }
    }

    private MixedEffects() {
    }

    /** The fit for a pooling method (IV: tau² = 0; random-effects methods: their residual tau² estimator). */
    static Fit fit(double[] y, double[] v, double[][] x, PoolingMethod method) {
        int k = y.length;
        int p = x[0].length;
        Wls fe = wls(y, v, x, 0);
        if (fe == null) {
            return null;
        }
        double qe = fe.rss();
        double tau2;
        String failure = null;
        if (!method.isRandomEffects()) {
            tau2 = 0;
        } else {
            TauSquared.Estimate est = residualTau2(method, y, v, x, fe);
            tau2 = est.tau2();
            failure = est.failure();
            if (Double.isNaN(tau2)) {
                return new Fit(null, null, Double.NaN, qe, k - p, typicalV(k, p, fe, x), failure);
            }
        }
        Wls at = tau2 == 0 ? fe : wls(y, v, x, tau2);
        if (at == null) {
            // singular at the fitted tau² though not at 0 (fuzzing: NullPointerException); callers handle beta null
            return new Fit(null, null, tau2, qe, k - p, typicalV(k, p, fe, x),
                    failure != null ? failure : "X'WX is singular at the fitted tau²");
        }
        return new Fit(at.beta(), at.xtwxInv(), tau2, qe, k - p, typicalV(k, p, fe, x), failure);
    }

    // "typical" within-study variance (k − p)/tr(P) at tau² = 0 (metafor vt, Higgins & Thompson 2002 generalised)
    private static double typicalV(int k, int p, Wls fe, double[][] x) {
        return k > p ? (k - p) / fe.traceP(x) : Double.NaN;
    }

    /** Weighted least squares at tau²; null when X'WX is singular (e.g. a constant covariate). */
    static Wls wls(double[] y, double[] v, double[][] x, double tau2) {
        int k = y.length;
        int p = x[0].length;
        double[] w = new double[k];
        for (int i = 0; i < k; i++) {
            w[i] = 1 / (v[i] + tau2);
        }
        double[][] xtwx = crossprod(x, w, 1);
        double[][] inv = invert(xtwx);
        if (inv == null) {
            return null;
        }
        double[] xtwy = new double[p];
        for (int i = 0; i < k; i++) {
            for (int a = 0; a < p; a++) {
                xtwy[a] += x[i][a] * w[i] * y[i];
            }
        }
        double[] beta = multiply(inv, xtwy);
        double[] r = new double[k];
        for (int i = 0; i < k; i++) {
            double fitted = 0;
            for (int a = 0; a < p; a++) {
                fitted += x[i][a] * beta[a];
            }
            r[i] = y[i] - fitted;
        }
        return new Wls(beta, inv, r, w);
    }

    /** Residual tau² of the meta-regression for a random-effects method (metafor rma.uni with mods). */
    static TauSquared.Estimate residualTau2(PoolingMethod method, double[] y, double[] v, double[][] x, Wls fe) {
        return TauSquared.estimate(method, new Regression(y, v, x, fe));
    }

    /** The meta-regression as the tau² estimators see it: weighted least squares at each tau². */
    private record Regression(double[] y, double[] v, double[][] x, Wls fe) implements Tau2Model {
        @Override
        public int k() {
            return y.length;
        }

        @Override
        public int p() {
            return x[0].length;
        }

        @Override
        public double rss(double tau2) {
            Wls at = tau2 == 0 ? fe : wls(y, v, x, tau2);
            return at == null ? Double.NaN : at.rss();
        }

        @Override
        public double traceP0() {
            return fe.traceP(x);
        }

        // Hedges (1983) moment estimator with OLS residuals: (RSS_OLS − tr(P_OLS V))/(k − p) (metafor "HE")
        @Override
        public double hedges() {
            int k = y.length;
            double[] ones = new double[k];
            java.util.Arrays.fill(ones, 1);
            double[][] inv = invert(crossprod(x, ones, 1));
            if (inv == null) {
                return Double.NaN;
            }
            Wls ols = wls(y, new double[k], x, 1); // w = 1 for every study: ordinary least squares
            double rss = 0;
            double trPV = 0;
            for (int i = 0; i < k; i++) {
                rss += ols.r()[i] * ols.r()[i];
                double h = quadraticForm(inv, x[i]);
                trPV += (1 - h) * v[i];
            }
            return (rss - trPV) / (k - p());
        }

        @Override
        public Scoring scoring(double tau2, boolean reml) {
            Wls at = wls(y, v, x, tau2);
            double[] w = at.w();
            double yPPy = 0;
            double sw = 0;
            double sw2 = 0;
            for (int i = 0; i < y.length; i++) {
                double pr = w[i] * at.r()[i]; // (P y)_i = w_i r_i
                yPPy += pr * pr;
                sw += w[i];
                sw2 += w[i] * w[i];
            }
            if (!reml) {
                return new Scoring(yPPy, Double.NaN, Double.NaN, sw, sw2);
            }
            // tr(PP) = Σw² − 2 tr(A X'W³X) + tr(A X'W²X A X'W²X), A = (X'WX)⁻¹
            double[][] a = at.xtwxInv();
            double[][] ac2 = matmul(a, crossprod(x, w, 2));
            double trPP = sw2 - 2 * traceProduct(a, crossprod(x, w, 3)) + traceProduct(ac2, ac2);
            return new Scoring(yPPy, at.traceP(x), trPP, sw, sw2);
        }

        // (restricted) log-likelihood of the mixed-effects model (Viechtbauer 2005; metafor rma.uni fit statistics)
        @Override
        public double logLik(double tau2, boolean reml) {
            int k = y.length;
            Wls at = wls(y, v, x, tau2);
            double sumLog = 0;
            for (double vi : v) {
                sumLog += Math.log(vi + tau2);
            }
            if (reml) {
                double logDet = Math.log(new LUDecomposition(MatrixUtils.createRealMatrix(crossprod(x, at.w(), 1))).getDeterminant());
                return -0.5 * (k - p()) * Math.log(2 * Math.PI) - 0.5 * sumLog - 0.5 * logDet - 0.5 * at.rss();
            }
            return -0.5 * k * Math.log(2 * Math.PI) - 0.5 * sumLog - 0.5 * at.rss();
        }
    }

    /** Wald statistic β_S' (V_SS)⁻¹ β_S of the coefficients with indices from..p−1 (metafor QM). */
    static double wald(double[] beta, double[][] vb, int from) {
        int m = beta.length - from;
        double[][] sub = new double[m][m];
        double[] b = new double[m];
        for (int a = 0; a < m; a++) {
            b[a] = beta[from + a];
            for (int c = 0; c < m; c++) {
                sub[a][c] = vb[from + a][from + c];
            }
        }
        double[][] inv = invert(sub);
        return inv == null ? Double.NaN : quadraticForm(inv, b);
    }

    // ---- small dense linear algebra ----

    /** X' diag(w^power) X. */
    static double[][] crossprod(double[][] x, double[] w, int power) {
        int p = x[0].length;
        double[][] out = new double[p][p];
        for (int i = 0; i < x.length; i++) {
            double wi = power == 1 ? w[i] : power == 2 ? w[i] * w[i] : w[i] * w[i] * w[i];
            for (int a = 0; a < p; a++) {
                for (int c = 0; c < p; c++) {
                    out[a][c] += x[i][a] * wi * x[i][c];
                }
            }
        }
        return out;
    }

    static double[][] invert(double[][] m) {
        // scale to max |entry| 1 first: the 1e-14 pivot threshold was absolute, so X'WX with tiny weights (tau² ~ 1e20
        // for rate differences per 10⁻³ person-time) counted as singular (fuzzing: NullPointerException in fit)
        double scale = 0;
        for (double[] row : m) {
            for (double e : row) {
                scale = Math.max(scale, Math.abs(e));
            }
        }
        if (!(scale > 0) || !Double.isFinite(scale)) {
            return null;
        }
        RealMatrix rm = MatrixUtils.createRealMatrix(m).scalarMultiply(1 / scale);
        LUDecomposition lu = new LUDecomposition(rm, 1e-14);
        if (!lu.getSolver().isNonSingular()) {
            return null;
        }
        double[][] inv = lu.getSolver().getInverse().scalarMultiply(1 / scale).getData();
        // symmetrise (the inverse of a symmetric matrix, up to rounding)
        for (int a = 0; a < inv.length; a++) {
            for (int c = a + 1; c < inv.length; c++) {
                double s = (inv[a][c] + inv[c][a]) / 2;
                inv[a][c] = s;
                inv[c][a] = s;
            }
        }
        return inv;
    }

    static double[] multiply(double[][] m, double[] b) {
        double[] out = new double[m.length];
        for (int a = 0; a < m.length; a++) {
            for (int c = 0; c < b.length; c++) {
                out[a] += m[a][c] * b[c];
            }
        }
        return out;
    }

    static double[][] matmul(double[][] a, double[][] b) {
        int n = a.length;
        int m = b[0].length;
        double[][] out = new double[n][m];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < m; j++) {
                for (int l = 0; l < b.length; l++) {
                    out[i][j] += a[i][l] * b[l][j];
                }
            }
        }
        return out;
    }

    /** tr(AB) for square matrices. */
    static double traceProduct(double[][] a, double[][] b) {
        double t = 0;
        for (int i = 0; i < a.length; i++) {
            for (int l = 0; l < a.length; l++) {
                t += a[i][l] * b[l][i];
            }
        }
        return t;
    }

    /** x' M x. */
    static double quadraticForm(double[][] m, double[] x) {
        double s = 0;
        for (int a = 0; a < x.length; a++) {
            for (int c = 0; c < x.length; c++) {
                s += x[a] * m[a][c] * x[c];
            }
        }
        return s;
    }
}
