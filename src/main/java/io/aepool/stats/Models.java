package io.aepool.stats;

/**
 * Model fits on per-study effects (arrays y, v on the analysis scale), shared by the poolers, subgroup analysis
 * and trim-and-fill. All intervals are 95%.
 */
final class Models {

    static final double LEVEL = 0.95;
    static final double Z_CRIT = Dist.normalQuantile(1 - (1 - LEVEL) / 2);

    private Models() {
    }

    /** Inverse-variance weighted mean Σwy/Σw with w = 1/(v + tau²). */
    static double weightedMean(double[] y, double[] v, double tau2) {
        double sw = 0;
        double swy = 0;
        for (int i = 0; i < y.length; i++) {
            double w = 1 / (v[i] + tau2);
            sw += w;
            swy += w * y[i];
        }
        return swy / sw;
    }

    static double sumWeights(double[] v, double tau2) {
        double sw = 0;
        for (double vi : v) {
            sw += 1 / (vi + tau2);
        }
        return sw;
    }

    /**
     * Why a ratio's interval cannot be reported on the ratio scale (exp of a bound overflows to ∞ or underflows to
     * 0), or null. Fuzzing found e.g. Peto's log OR of 660 ± 50 for a study with every experimental subject an event.
     */
    static String ratioRangeProblem(EffectMeasure measure, double ciLow, double ciHigh) {
        // symmetric in the sign, so the ratio and its inverse (arms swapped) are estimable together
        if (measure.isRatio() && !Double.isFinite(Math.exp(Math.max(Math.abs(ciLow), Math.abs(ciHigh))))) {
            return "the confidence interval of the log ratio [" + ciLow + ", " + ciHigh
                    + "] is beyond floating-point range on the ratio scale (infinite ratio or next to no information)";
        }
        return null;
    }

    /**
     * (Σw)² − Σw² with w = 1/v, summed as Σᵢ wᵢ·Σ_{j≠i} wⱼ: no cancellation when one weight dominates.
     */
    static double crossWeightSum(double[] v) {
        int k = v.length;
        double[] suffix = new double[k + 1];
        for (int i = k - 1; i >= 0; i--) {
            suffix[i] = suffix[i + 1] + 1 / v[i];
        }
        double prefix = 0;
        double s = 0;
        for (int i = 0; i < k; i++) {
            double w = 1 / v[i];
            s += w * (prefix + suffix[i + 1]);
            prefix += w;
        }
        return s;
    }

    /**
     * "Typical" within-study variance s² = (k − 1)Σw/((Σw)² − Σw²), w = 1/v (Higgins & Thompson 2002; metafor vt);
     * NaN for fewer than two studies. (Σw)² − Σw² is summed stably: fuzzing (a 10⁹-subject study among small ones)
     * found the direct form losing ~8 digits.
     */
    static double typicalVariance(double[] v) {
        return v.length > 1 ? (v.length - 1) * sumWeights(v, 0) / crossWeightSum(v) : Double.NaN;
    }

    /**
     * The multiplier q of a prediction interval θ ± q·√(tau² + se²) for k studies (Higgins, Thompson & Spiegelhalter
     * 2009): the normal or t quantile the rule asks for, NaN when k is too small for it.
     */
    static double predictionQuantile(PredictionInterval predictionInterval, int k) {
        int df = predictionInterval.df(k);
        return df < 0 ? Double.NaN : df == 0 ? Z_CRIT : Dist.tQuantile(1 - (1 - LEVEL) / 2, df);
    }

    // Cochran (1954) Q: Σ (y − θ)²/v around a given θ
    static double cochranQ(double[] y, double[] v, double theta) {
        double q = 0;
        for (int i = 0; i < y.length; i++) {
            q += (y[i] - theta) * (y[i] - theta) / v[i];
        }
        return q;
    }

    /**
     * A fixed-effect result with Wald-z interval: Q on qDf degrees of freedom, I² = max(0, (Q − df)/Q) and
     * H² = Q/df (Higgins & Thompson 2002); k = 1 gives Q = 0, p(Q) = 1, I² = 0, H² = 1 (metafor).
     */
    static PooledEstimate fixedEffect(EffectMeasure measure, PoolingMethod method, String zeroRule, int k,
                                      double theta, double se, double q, int qDf) {
        double z = theta / se;
        double qP;
        double i2;
        double h2;
        if (Double.isNaN(q)) {
            qP = Double.NaN;
            i2 = Double.NaN;
            h2 = Double.NaN;
            qDf = Math.max(qDf, 0);
        } else if (qDf < 1) {
            q = 0;
            qP = 1;
            i2 = 0;
            h2 = 1;
            qDf = 0;
        } else {
            qP = Dist.chiSquareUpper(q, qDf);
            // Higgins & Thompson (2002) I² from Q
            i2 = q > 0 ? Math.max(0, (q - qDf) / q) : 0;
            // Higgins & Thompson (2002) H² = Q/df (metafor H2 for fixed-effect models)
            h2 = q / qDf;
        }
        String range = ratioRangeProblem(measure, theta - Z_CRIT * se, theta + Z_CRIT * se);
        if (range != null) {
            return PooledEstimate.notEstimable(measure, method, CiMethod.WALD_Z, zeroRule, k, range);
        }
        double n = Double.NaN;
        return new PooledEstimate(measure, method, CiMethod.WALD_Z, zeroRule, k, theta, se,
                theta - Z_CRIT * se, theta + Z_CRIT * se, Dist.twoSidedNormalP(z),
                q, qDf, qP, i2, h2, 0, n, n, n, n, n, n, -1, PooledEstimate.OK);
    }

    // inverse-variance fixed-effect estimate θ = Σwy/Σw, se = 1/√Σw (Hedges & Olkin 1985)
    static PooledEstimate inverseVariance(EffectMeasure measure, String zeroRule, double[] y, double[] v) {
        double theta = weightedMean(y, v, 0);
        double se = 1 / Math.sqrt(sumWeights(v, 0));
        return fixedEffect(measure, PoolingMethod.IV, zeroRule, y.length, theta, se, cochranQ(y, v, theta), y.length - 1);
    }

    /** Random-effects model with the default t(k − 2) prediction interval. */
    static PooledEstimate randomEffects(EffectMeasure measure, PoolingMethod method, CiMethod ciMethod,
                                        String zeroRule, double[] y, double[] v) {
        return randomEffects(measure, method, ciMethod, PredictionInterval.DEFAULT, zeroRule, y, v);
    }

    /** Random-effects model with the method's tau², the chosen interval, prediction interval and Q-profile CI. */
    static PooledEstimate randomEffects(EffectMeasure measure, PoolingMethod method, CiMethod ciMethod,
                                        PredictionInterval predictionInterval, String zeroRule, double[] y, double[] v) {
        return randomEffects(measure, method, ciMethod, predictionInterval, true, zeroRule, y, v);
    }

    /**
     * Random-effects model; {@code heterogeneityIntervals = false} leaves the Q-profile intervals of tau² and I²
     * out (NaN): they cost a root search each, and leave-one-out or cumulative rows do not need them.
     */
    static PooledEstimate randomEffects(EffectMeasure measure, PoolingMethod method, CiMethod ciMethod,
                                        PredictionInterval predictionInterval, boolean heterogeneityIntervals,
                                        String zeroRule, double[] y, double[] v) {
        TauSquared.Estimate est = TauSquared.estimate(method, y, v);
        String status = est.converged() ? PooledEstimate.OK : "not converged: " + est.failure();
        return withTau2(measure, method, ciMethod, predictionInterval, heterogeneityIntervals, zeroRule, y, v,
                est.tau2(), status);
    }

    /**
     * Random-effects pooling with a tau² given from outside (e.g. one tau² shared by subgroups, estimated by the
     * mixed-effects model on the subgroup factor): weights 1/(v + tau²), everything else as above.
     */
    static PooledEstimate withTau2(EffectMeasure measure, PoolingMethod method, CiMethod ciMethod,
                                   PredictionInterval predictionInterval, boolean heterogeneityIntervals,
                                   String zeroRule, double[] y, double[] v, double tau2, String status) {
        int k = y.length;
        if (ciMethod.isHartungKnapp() && k < 2) {
            // t with k − 1 = 0 df does not exist: say so rather than fall back to z under the HKSJ label
            return PooledEstimate.notEstimable(measure, method, ciMethod, zeroRule, k,
                    "the Hartung-Knapp interval needs at least 2 studies");
        }
        if (Double.isNaN(tau2)) {
            return new PooledEstimate(measure, method, ciMethod, zeroRule, k, Double.NaN, Double.NaN, Double.NaN,
                    Double.NaN, Double.NaN, Double.NaN, Math.max(k - 1, 0), Double.NaN, Double.NaN, Double.NaN, Double.NaN,
                    Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, -1, status);
        }

        double thetaFe = weightedMean(y, v, 0);
        double q = k > 1 ? cochranQ(y, v, thetaFe) : 0;

        double s2 = typicalVariance(v);

        double sw = sumWeights(v, tau2);
        double theta = weightedMean(y, v, tau2);
        QProfile.Interval ci = k > 1 && heterogeneityIntervals ? QProfile.tau2(y, v, tau2, LEVEL) : null;
        if (ciMethod.isHartungKnapp() && k > 1) {
            // Hartung & Knapp (2001) / Sidik & Jonkman (2002): se² = Σw*(y − θ)²/((k − 1)Σw*), t(k − 1), no truncation
            double rss = 0;
            for (int i = 0; i < k; i++) {
                rss += (y[i] - theta) * (y[i] - theta) / (v[i] + tau2);
            }
            double factor = rss / (k - 1);
            if (ciMethod == CiMethod.HKSJ_ADHOC) {
                // ad hoc correction: scaling factor truncated at 1 (Röver, Knapp & Friede 2015)
                factor = Math.max(1, factor);
            }
            double se = Math.sqrt(factor / sw);
            if (!(se > 0)) {
                // fuzzing found "ok" with se = 0 and p = NaN when every study has the same effect (HKSJ factor 0)
                return PooledEstimate.notEstimable(measure, method, ciMethod, zeroRule, k,
                        "the Hartung-Knapp variance is zero (every study has the same effect); use hksj-adhoc or wald-z");
            }
            return randomEffects(measure, method, ciMethod, predictionInterval, zeroRule, k, q, s2, tau2, theta, se,
                    Dist.tQuantile(1 - (1 - LEVEL) / 2, k - 1), Dist.twoSidedTP(theta / se, k - 1), ci, status);
        }
        return waldZ(measure, method, ciMethod, predictionInterval, zeroRule, k, q, s2, tau2, sw, theta, ci, status);
    }

    /**
     * The random-effects result with the Wald interval from Σw* = Σ 1/(v + tau²) and θ = Σw*y/Σw*, given Cochran's
     * Q, the typical within-study variance s² and tau² (shared by the fit and leave-one-out from sums).
     */
    static PooledEstimate waldZ(EffectMeasure measure, PoolingMethod method, CiMethod ciMethod,
                                PredictionInterval predictionInterval, String zeroRule, int k, double q, double s2,
                                double tau2, double sw, double theta, QProfile.Interval ci, String status) {
        // Wald interval with the normal quantile, se = 1/√Σw* (DerSimonian & Laird 1986)
        double se = 1 / Math.sqrt(sw);
        return randomEffects(measure, method, ciMethod, predictionInterval, zeroRule, k, q, s2, tau2, theta, se,
                Z_CRIT, Dist.twoSidedNormalP(theta / se), ci, status);
    }

    /** The random-effects result from its parts; {@code ci} the Q-profile interval of tau², or null for none. */
    private static PooledEstimate randomEffects(EffectMeasure measure, PoolingMethod method, CiMethod ciMethod,
                                                PredictionInterval predictionInterval, String zeroRule, int k,
                                                double q, double s2, double tau2, double theta, double se, double crit,
                                                double p, QProfile.Interval ci, String status) {
        double qP = k > 1 ? Dist.chiSquareUpper(q, k - 1) : 1;
        double i2 = k > 1 ? tau2 / (tau2 + s2) : 0;
        double h2 = k > 1 ? (tau2 + s2) / s2 : 1;

        double piLow = Double.NaN;
        double piHigh = Double.NaN;
        int piDf = -1;
        int df = predictionInterval.df(k);
        if (df >= 0) {
            // Higgins, Thompson & Spiegelhalter (2009) prediction interval: θ ± q·√(tau² + se²), q from t(df) or z
            double half = predictionQuantile(predictionInterval, k) * Math.sqrt(tau2 + se * se);
            piLow = theta - half;
            piHigh = theta + half;
            piDf = df;
        }

        double tau2Low = Double.NaN;
        double tau2High = Double.NaN;
        double i2Low = Double.NaN;
        double i2High = Double.NaN;
        if (ci != null) {
            tau2Low = ci.low();
            tau2High = ci.high();
            // I² bounds from the tau² bounds with the same typical within-study variance (metafor confint)
            i2Low = tau2Low / (tau2Low + s2);
            i2High = tau2High / (tau2High + s2);
            if (ci.failure() != null && PooledEstimate.OK.equals(status)) {
                status = "not converged: Q-profile " + ci.failure();
            }
        }
        String range = ratioRangeProblem(measure, theta - crit * se, theta + crit * se);
        if (range != null) {
            return PooledEstimate.notEstimable(measure, method, ciMethod, zeroRule, k, range);
        }
        return new PooledEstimate(measure, method, ciMethod, zeroRule, k, theta, se, theta - crit * se,
                theta + crit * se, p, q, Math.max(k - 1, 0), qP, i2, h2, tau2, tau2Low, tau2High, i2Low, i2High,
                piLow, piHigh, piDf, status);
    }
}
