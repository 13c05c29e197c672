package io.aepool.stats;

import java.util.function.DoubleUnaryOperator;

/**
 * Brent's (1973) zero-finder ("zeroin", Algorithms for Minimization without Derivatives, ch. 4), with the
 * stopping rule of R's {@code uniroot}: stop when half the bracket is within 2·eps·|b| + tol/2.
 * metafor computes the Paule–Mandel tau² and the Q-profile interval with {@code uniroot(tol = eps^0.25)};
 * that tolerance leaves the results up to ~1e-4 from the exact root, so reproducing metafor's numbers needs
 * this exact iteration rather than a tighter solver (Commons Math's BrentSolver stops on different rules).
 */
final class RootFinder {

    /** R's default {@code uniroot} tolerance, {@code .Machine$double.eps^0.25}. */
    static final double R_UNIROOT_TOL = Math.pow(Math.ulp(1.0), 0.25);

    private static final double EPSILON = Math.ulp(1.0);

    /** A root, or NaN with converged false when the iteration limit was reached or the bracket is invalid. */
    record Root(double x, boolean converged, int iterations) {
    }

    private RootFinder() {
    }

    /** Root of f in [ax, bx], where f(ax) and f(bx) have opposite signs (or one is zero). */
    static Root zeroin(DoubleUnaryOperator f, double ax, double bx, double tol, int maxIterations) {
        double fa = f.applyAsDouble(ax);
        double fb = f.applyAsDouble(bx);
        if (fa == 0) {
            return new Root(ax, true, 0);
        }
        if (fb == 0) {
            return new Root(bx, true, 0);
        }
        if (Double.isNaN(fa) || Double.isNaN(fb) || Math.signum(fa) == Math.signum(fb)) {
            return new Root(Double.NaN, false, 0);
        }
        double a = ax;
        double b = bx;
        double c = a;
        double fc = fa;
        for (int iter = 0; iter <= maxIterations; iter++) {
            double prevStep = b - a;
            if (Math.abs(fc) < Math.abs(fb)) {
                // swap so that b is the best approximation
                a = b;
                b = c;
                c = a;
                fa = fb;
                fb = fc;
                fc = fa;
            }
            double tolAct = 2 * EPSILON * Math.abs(b) + tol / 2;
            double newStep = (c - b) / 2;
            if (Math.abs(newStep) <= tolAct || fb == 0) {
                return new Root(b, true, iter);
            }
            if (Math.abs(prevStep) >= tolAct && Math.abs(fa) > Math.abs(fb)) {
                double p;
                double q;
                double cb = c - b;
                if (a == c) {
                    // linear interpolation (secant)
                    double t1 = fb / fa;
                    p = cb * t1;
                    q = 1.0 - t1;
                } else {
                    // inverse quadratic interpolation
                    q = fa / fc;
                    double t1 = fb / fc;
                    double t2 = fb / fa;
                    p = t2 * (cb * q * (q - t1) - (b - a) * (t1 - 1.0));
                    q = (q - 1.0) * (t1 - 1.0) * (t2 - 1.0);
                }
                if (p > 0) {
                    q = -q;
                } else {
                    p = -p;
                }
                if (p < (0.75 * cb * q - Math.abs(tolAct * q) / 2) && p < Math.abs(prevStep * q / 2)) {
                    newStep = p / q;
                }
            }
            if (Math.abs(newStep) < tolAct) {
                newStep = newStep > 0 ? tolAct : -tolAct;
            }
            a = b;
            fa = fb;
            b += newStep;
            fb = f.applyAsDouble(b);
            if ((fb > 0 && fc > 0) || (fb < 0 && fc < 0)) {
                c = a;
                fc = fa;
            }
        }
        return new Root(b, false, maxIterations);
    }
}
