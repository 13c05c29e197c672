package io.aepool.stats;

/**
 * Between-study variance estimators for the intercept-only random-effects model, following metafor's
 * {@code rma.uni} algorithms and defaults (tau2.min 0, tau2.max 100, threshold 1e-5, maxiter 100, uniroot tol
 * eps^0.25) so the values agree with metafor to machine precision.
 */
final class TauSquared {

    /** Fisher scoring stops when tau² changes by less than this (metafor control threshold = 10^-5). */
    static final double FISHER_THRESHOLD = 1e-5;
    static final int FISHER_MAX_ITERATIONS = 100;
    /** Upper end of the Paule–Mandel search interval (metafor control tau2.max = 100); extended by doubling if needed. */
    static final double TAU2_MAX = 100;

    /** An estimate; {@code failure} is null when it converged, else a short reason. */
    record Estimate(double tau2, String failure) {
        boolean converged() {
            return failure == null;
        }
    }

    private TauSquared() {
    }

    /** tau² for a random-effects method; k = 1 gives 0. */
    static Estimate estimate(PoolingMethod method, double[] y, double[] v) {
        if (y.length < 2) {
            return new Estimate(0, null);
        }
        return switch (method) {
            case DL -> new Estimate(dl(y, v), null);
            case HE -> new Estimate(Math.max(0, he(y, v)), null);
            case SJ -> new Estimate(sj(y, v), null);
            case PM -> pm(y, v);
            case REML -> fisherScoring(y, v, true);
            case ML -> fisherScoring(y, v, false);
            default -> throw new IllegalArgumentException(method + " is not a random-effects method");
        };
    }

    /** Generalised Cochran's Q at tau²: Σ w(y − θ_w)² with w = 1/(v + tau²) (Viechtbauer 2007, Q-profile). */
    static double qGen(double tau2, double[] y, double[] v) {
        double sw = 0;
        double swy = 0;
        for (int i = 0; i < y.length; i++) {
            double w = 1 / (v[i] + tau2);
            sw += w;
            swy += w * y[i];
        }
        double theta = swy / sw;
        double q = 0;
        for (int i = 0; i < y.length; i++) {
            double r = y[i] - theta;
            q += r * r / (v[i] + tau2);
        }
        return q;
    }

    // DerSimonian & Laird (1986) method-of-moments estimator, truncated at 0
    static double dl(double[] y, double[] v) {
        int k = y.length;
        double sw = 0;
        for (double vi : v) {
            sw += 1 / vi;
        }
        double q = qGen(0, y, v);
        // sw − sw2/sw = ((Σw)² − Σw²)/Σw summed stably: fuzzing found the direct form order-dependent to ~1e-8
        return Math.max(0, (q - (k - 1)) / (Models.crossWeightSum(v) / sw));
    }

    // Hedges (1983) / Hedges & Olkin (1985) unweighted method-of-moments estimator (not truncated here)
    static double he(double[] y, double[] v) {
        int k = y.length;
        double mean = 0;
        for (double yi : y) {
            mean += yi;
        }
        mean /= k;
        double rss = 0;
        for (double yi : y) {
            rss += (yi - mean) * (yi - mean);
        }
        double trPV = 0;
        for (double vi : v) {
            trPV += vi;
        }
        trPV *= (k - 1.0) / k;
        return (rss - trPV) / (k - 1);
    }

    // Sidik & Jonkman (2005) initial value tau0² = Σ(y − ȳ)²/k (shared with the meta-regression form)
    static double sjStart(double[] y) {
        int k = y.length;
        double mean = 0;
        for (double yi : y) {
            mean += yi;
        }
        mean /= k;
        double tau0 = 0;
        for (double yi : y) {
            tau0 += (yi - mean) * (yi - mean);
        }
        return tau0 / k;
    }

    // Sidik & Jonkman (2005) estimator with initial value tau0² = Σ(y − ȳ)²/k
    static double sj(double[] y, double[] v) {
        int k = y.length;
        double tau0 = sjStart(y);
        if (tau0 == 0) {
            return 0;
        }
        return tau0 * qGen(tau0, y, v) / (k - 1);
    }

    // Paule & Mandel (1982): root of Q(tau²) = k − 1; 0 when Q(0) < k − 1 (metafor: uniroot on [0, tau2.max])
    static Estimate pm(double[] y, double[] v) {
        int k = y.length;
        double target = k - 1;
        if (qGen(0, y, v) < target) {
            return new Estimate(0, null);
        }
        double hi = TAU2_MAX;
        int doublings = 0;
        while (qGen(hi, y, v) > target) {
            if (++doublings > 60) {
                return new Estimate(Double.NaN, "PM tau² above " + hi);
            }
            hi *= 2;
        }
        RootFinder.Root root = RootFinder.zeroin(t -> qGen(t, y, v) - target, 0, hi, RootFinder.R_UNIROOT_TOL,
                FISHER_MAX_ITERATIONS);
        if (!root.converged()) {
            return new Estimate(root.x(), "PM root search after " + root.iterations() + " iterations");
        }
        return new Estimate(Math.max(0, root.x()), null);
    }

    // Fisher scoring for the REML (Viechtbauer 2005, eq. 10-11) or ML (Hardy & Thompson 1996) estimator,
    // started at max(0, Hedges), step-halving to stay >= 0, with metafor's check that tau² = 0 is not more likely
    static Estimate fisherScoring(double[] y, double[] v, boolean reml) {
        int k = y.length;
        double tau2 = Math.max(0, he(y, v));
        double change = FISHER_THRESHOLD + 1;
        int iter = 0;
        while (change > FISHER_THRESHOLD) {
            iter++;
            double old = tau2;
            double sw = 0;
            double sw2 = 0;
            double sw3 = 0;
            double swy = 0;
            for (int i = 0; i < k; i++) {
                double w = 1 / (v[i] + tau2);
                sw += w;
                sw2 += w * w;
                sw3 += w * w * w;
                swy += w * y[i];
            }
            double theta = swy / sw;
            double yPPy = 0;
            for (int i = 0; i < k; i++) {
                double r = (y[i] - theta) / (v[i] + tau2);
                yPPy += r * r;
            }
            double adj;
            if (reml) {
                // P = W − w wᵀ/Σw: tr(P) = Σw − Σw²/Σw, tr(PP) = Σw² − 2Σw³/Σw + (Σw²/Σw)²
                double trP = sw - sw2 / sw;
                double trPP = sw2 - 2 * sw3 / sw + (sw2 / sw) * (sw2 / sw);
                adj = (yPPy - trP) / trPP;
            } else {
                adj = (yPPy - sw) / sw2;
            }
            int halvings = 0;
            while (tau2 + adj < 0 && halvings++ < 2000) {
                adj /= 2;
            }
            tau2 = tau2 + adj;
            change = Math.abs(old - tau2);
            if (!Double.isFinite(tau2)) {
                return new Estimate(Double.NaN, (reml ? "REML" : "ML") + " diverged after " + iter + " iterations");
            }
            if (iter > FISHER_MAX_ITERATIONS) {
                return new Estimate(Math.max(0, tau2), (reml ? "REML" : "ML") + " after " + FISHER_MAX_ITERATIONS + " iterations");
            }
        }
        if (tau2 > FISHER_THRESHOLD && logLik(y, v, 0, reml) - logLik(y, v, tau2, reml) > RootFinder.R_UNIROOT_TOL) {
            tau2 = 0;
        }
        return new Estimate(Math.max(0, tau2), null);
    }

    // (restricted) log-likelihood of the random-effects model at tau² (Viechtbauer 2005, eq. 5 and 8)
    static double logLik(double[] y, double[] v, double tau2, boolean reml) {
        int k = y.length;
        double sw = 0;
        double swy = 0;
        double sumLog = 0;
        for (int i = 0; i < k; i++) {
            double w = 1 / (v[i] + tau2);
            sw += w;
            swy += w * y[i];
            sumLog += Math.log(v[i] + tau2);
        }
        double theta = swy / sw;
        double rss = 0;
        for (int i = 0; i < k; i++) {
            rss += (y[i] - theta) * (y[i] - theta) / (v[i] + tau2);
        }
        if (reml) {
            return -0.5 * (k - 1) * Math.log(2 * Math.PI) - 0.5 * sumLog - 0.5 * Math.log(sw) - 0.5 * rss;
        }
        return -0.5 * k * Math.log(2 * Math.PI) - 0.5 * sumLog - 0.5 * rss;
    }
}
