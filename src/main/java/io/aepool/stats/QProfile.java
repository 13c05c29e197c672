package io.aepool.stats;

/**
 * Q-profile confidence interval for tau² (Viechtbauer 2007): the tau² values at which the generalised Q
 * equals the chi-square(k − 1) quantiles 0.975 (lower bound) and 0.025 (upper bound). Search interval and
 * tolerance follow metafor's {@code confint.rma.uni}: [0, max(100, 10·tau²)] with uniroot tol eps^0.25,
 * extended by doubling when a bound lies above it.
 */
final class QProfile {

    static final int MAX_ITERATIONS = 1000;

    /** Bounds; {@code failure} null when both were found. */
    record Interval(double low, double high, String failure) {
    }

    private QProfile() {
    }

    static Interval tau2(double[] y, double[] v, double tau2Estimate, double level) {
        int k = y.length;
        if (k < 2) {
            return new Interval(Double.NaN, Double.NaN, null);
        }
        double alpha = 1 - level;
        double critUpper = Dist.chiSquareQuantile(1 - alpha / 2, k - 1);
        double critLower = Dist.chiSquareQuantile(alpha / 2, k - 1);
        double q0 = TauSquared.qGen(0, y, v);
        double max = Math.max(100, 10 * tau2Estimate);
        String failure = null;

        double high;
        if (q0 < critLower) {
            // Q(0) already below the lower critical value: the interval is the null set, reported as [0, 0]
            return new Interval(0, 0, null);
        }
        Bound ub = solve(y, v, critLower, max);
        high = ub.value;
        if (ub.failure != null) {
            failure = "tau² upper bound: " + ub.failure;
        }
        double low;
        if (q0 < critUpper) {
            low = 0;
        } else {
            Bound lb = solve(y, v, critUpper, max);
            low = lb.value;
            if (lb.failure != null) {
                failure = (failure == null ? "" : failure + "; ") + "tau² lower bound: " + lb.failure;
            }
        }
        return new Interval(low, high, failure);
    }

    private record Bound(double value, String failure) {
    }

    // root of Q(tau²) = crit on [0, max], max doubled until Q(max) <= crit (Q decreases to 0 as tau² grows)
    private static Bound solve(double[] y, double[] v, double crit, double max) {
        double hi = max;
        int doublings = 0;
        while (TauSquared.qGen(hi, y, v) > crit) {
            if (++doublings > 60) {
                return new Bound(Double.NaN, "above " + hi);
            }
            hi *= 2;
        }
        RootFinder.Root root = RootFinder.zeroin(t -> TauSquared.qGen(t, y, v) - crit, 0, hi,
                RootFinder.R_UNIROOT_TOL, MAX_ITERATIONS);
        if (!root.converged()) {
            return new Bound(root.x(), "no convergence after " + root.iterations() + " iterations");
        }
        return new Bound(root.x(), null);
    }
}
