package io.aepool.stats;

/**
 * Between-study variance estimators (DL, HE, SJ, PM, REML, ML), each written once over {@link Tau2Model} and used by
 * the intercept-only random-effects model ({@link #interceptOnly}) and the meta-regression ({@link MixedEffects}),
 * following metafor's {@code rma.uni} algorithms and defaults (tau2.min 0, tau2.max 100, threshold 1e-5, maxiter 100,
 * uniroot tol eps^0.25) so the values agree with metafor to machine precision.
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

    /** A between-study variance estimator, written once over {@link Tau2Model} (intercept-only or meta-regression). */
    @FunctionalInterface
    interface Estimator {
        Estimate estimate(Tau2Model model);
    }

    /** The estimator of a random-effects method (metafor {@code rma.uni} method). */
    static Estimator of(PoolingMethod method) {
        return switch (method) {
            case DL -> TauSquared::dl;
            case HE -> m -> new Estimate(Math.max(0, m.hedges()), null);
            case SJ -> TauSquared::sj;
            case PM -> TauSquared::pm;
            case REML -> m -> fisherScoring(m, true);
            case ML -> m -> fisherScoring(m, false);
            default -> throw new IllegalArgumentException(method + " is not a random-effects method");
        };
    }

    /** tau² for a random-effects method; k = 1 gives 0. */
    static Estimate estimate(PoolingMethod method, double[] y, double[] v) {
        return estimate(method, interceptOnly(y, v));
    }

    /** The residual tau² of a model for a random-effects method; k ≤ p gives 0. */
    static Estimate estimate(PoolingMethod method, Tau2Model model) {
        if (model.k() <= model.p()) {
            return new Estimate(0, null);
        }
        return of(method).estimate(model);
    }

    /** Generalised Cochran's Q at tau²: Σ w(y − θ_w)² with w = 1/(v + tau²) (Viechtbauer 2007, Q-profile). */
    static double qGen(double tau2, double[] y, double[] v) {
        double theta = Models.weightedMean(y, v, tau2);
        double q = 0;
        for (int i = 0; i < y.length; i++) {
            double r = y[i] - theta;
            q += r * r / (v[i] + tau2);
        }
        return q;
    }

    // DerSimonian & Laird (1986) method of moments, truncated at 0: (Q_E − (k − p))/tr P(0) (Raudenbush 2009 for p > 1)
    private static Estimate dl(Tau2Model m) {
        return new Estimate(Math.max(0, (m.rss(0) - (m.k() - m.p())) / m.traceP0()), null);
    }

    /** Σ(y − ȳ)², with ȳ the plain mean. */
    private static double squaredDeviations(double[] y) {
        double mean = 0;
        for (double yi : y) {
            mean += yi;
        }
        mean /= y.length;
        double ss = 0;
        for (double yi : y) {
            ss += (yi - mean) * (yi - mean);
        }
        return ss;
    }

    // Sidik & Jonkman (2005): tau0² = Σ(y − ȳ)²/k, tau² = tau0²·y'P(tau0²)y/(k − p) (metafor "SJ")
    private static Estimate sj(Tau2Model m) {
        double tau0 = squaredDeviations(m.y()) / m.k();
        if (tau0 == 0) {
            return new Estimate(0, null);
        }
        return new Estimate(Math.max(0, tau0 * m.rss(tau0) / (m.k() - m.p())), null);
    }

    // Paule & Mandel (1982): root of y'P(tau²)y = k − p; 0 when Q_E < k − p (metafor: uniroot on [0, tau2.max])
    private static Estimate pm(Tau2Model m) {
        double target = m.k() - m.p();
        java.util.function.DoubleUnaryOperator q = t -> m.rss(t) - target;
        if (q.applyAsDouble(0) < 0) {
            return new Estimate(0, null);
        }
        double hi = TAU2_MAX;
        int doublings = 0;
        while (q.applyAsDouble(hi) > 0) {
            if (++doublings > 60) {
                return new Estimate(Double.NaN, "PM tau² above " + hi);
            }
            hi *= 2;
        }
        RootFinder.Root root = RootFinder.zeroin(q, 0, hi, RootFinder.R_UNIROOT_TOL, FISHER_MAX_ITERATIONS);
        if (!root.converged()) {
            return new Estimate(root.x(), "PM root search after " + root.iterations() + " iterations");
        }
        return new Estimate(Math.max(0, root.x()), null);
    }

    // Fisher scoring for the REML (Viechtbauer 2005, eq. 10-11) or ML (Hardy & Thompson 1996) estimator,
    // started at max(0, Hedges), step-halving to stay >= 0, with metafor's check that tau² = 0 is not more likely
    private static Estimate fisherScoring(Tau2Model m, boolean reml) {
        double tau2 = Math.max(0, m.hedges());
        if (Double.isNaN(tau2)) {
            return new Estimate(Double.NaN, "singular design");
        }
        String name = reml ? "REML" : "ML";
        double change = FISHER_THRESHOLD + 1;
        int iter = 0;
        while (change > FISHER_THRESHOLD) {
            iter++;
            double old = tau2;
            Tau2Model.Scoring s = m.scoring(tau2, reml);
            double adj = reml ? (s.yPPy() - s.trP()) / s.trPP() : (s.yPPy() - s.sw()) / s.sw2();
            int halvings = 0;
            while (tau2 + adj < 0 && halvings++ < 2000) {
                adj /= 2;
            }
            tau2 = tau2 + adj;
            change = Math.abs(old - tau2);
            if (!Double.isFinite(tau2)) {
                return new Estimate(Double.NaN, name + " diverged after " + iter + " iterations");
            }
            if (iter > FISHER_MAX_ITERATIONS) {
                return new Estimate(Math.max(0, tau2), name + " after " + FISHER_MAX_ITERATIONS + " iterations");
            }
        }
        if (tau2 > FISHER_THRESHOLD && m.logLik(0, reml) - m.logLik(tau2, reml) > RootFinder.R_UNIROOT_TOL) {
            tau2 = 0;
        }
        return new Estimate(Math.max(0, tau2), null);
    }

    /** The intercept-only model (X a column of ones) in closed form: no matrices. */
    static Tau2Model interceptOnly(double[] y, double[] v) {
        return new Tau2Model() {
            @Override
            public int k() {
                return y.length;
            }

            @Override
            public int p() {
                return 1;
            }

            @Override
            public double[] y() {
                return y;
            }

            @Override
            public double rss(double tau2) {
                return qGen(tau2, y, v);
            }

            @Override
            public double traceP0() {
                // Σw − Σw²/Σw = ((Σw)² − Σw²)/Σw summed stably: fuzzing found the direct form order-dependent to ~1e-8
                return Models.crossWeightSum(v) / Models.sumWeights(v, 0);
            }

            // Hedges (1983) / Hedges & Olkin (1985) unweighted method-of-moments estimator: (Σ(y − ȳ)² − (k − 1)/k·Σv)/(k − 1)
            @Override
            public double hedges() {
                int k = y.length;
                double rss = squaredDeviations(y);
                double trPV = 0;
                for (double vi : v) {
                    trPV += vi;
                }
                trPV *= (k - 1.0) / k;
                return (rss - trPV) / (k - 1);
            }

            @Override
            public Tau2Model.Scoring scoring(double tau2, boolean reml) {
                // one pass for Σw, Σwy, Σw², Σw³ (each summed in the order, and so to the bit, of the separate passes it
                // replaced; Fisher scoring walked v four times a step)
                double sw = 0;
                double swy = 0;
                double sw2 = 0;
                double sw3 = 0;
                for (int i = 0; i < v.length; i++) {
                    double w = 1 / (v[i] + tau2);
                    sw += w;
                    swy += w * y[i];
                    sw2 += w * w;
                    sw3 += w * w * w;
                }
                double theta = swy / sw;
                double yPPy = 0;
                for (int i = 0; i < y.length; i++) {
                    double r = (y[i] - theta) / (v[i] + tau2);
                    yPPy += r * r;
                }
                // P = W − w wᵀ/Σw: tr(P) = Σw − Σw²/Σw, tr(PP) = Σw² − 2Σw³/Σw + (Σw²/Σw)²
                double trP = sw - sw2 / sw;
                double trPP = reml ? sw2 - 2 * sw3 / sw + (sw2 / sw) * (sw2 / sw) : Double.NaN;
                return new Tau2Model.Scoring(yPPy, trP, trPP, sw, sw2);
            }

            // (restricted) log-likelihood of the random-effects model at tau² (Viechtbauer 2005, eq. 5 and 8)
            @Override
            public double logLik(double tau2, boolean reml) {
                int k = y.length;
                double sumLog = 0;
                for (double vi : v) {
                    sumLog += Math.log(vi + tau2);
                }
                double rss = qGen(tau2, y, v);
                if (reml) {
                    return -0.5 * (k - 1) * Math.log(2 * Math.PI) - 0.5 * sumLog
                            - 0.5 * Math.log(Models.sumWeights(v, tau2)) - 0.5 * rss;
                }
                return -0.5 * k * Math.log(2 * Math.PI) - 0.5 * sumLog - 0.5 * rss;
            }
        };
    }
}
