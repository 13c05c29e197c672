package io.aepool.stats;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Duval and Tweedie's (2000) trim and fill with the L0 estimator, as metafor's {@code trimfill.rma.uni}: the side
 * is estimated from the sign of the slope of a meta-regression of the effects on their standard errors (fitted
 * with the same method), studies are trimmed from that side until the L0 estimate of the number missing is stable,
 * and their mirror images about the trimmed estimate are filled in. Works on the inverse-variance fixed-effect
 * model ({@link PoolingMethod#IV}) and on the random-effects models; needs at least {@value #MIN_STUDIES} studies.
 */
public final class TrimAndFill {

    /** Fewest observed studies for which trim and fill is run. */
    public static final int MIN_STUDIES = 3;
    /** metafor's maxiter for the trim-and-fill iteration. */
    static final int MAX_ITERATIONS = 100;

    /** Side of the funnel plot on which studies are missing. */
    public enum Side {
        LEFT("left"),
        RIGHT("right");

        private final String label;

        Side(String label) {
            this.label = label;
        }

        /** "left" or "right", as metafor prints it. */
        public String label() {
            return label;
        }
    }

    /**
     * Duval and Tweedie's (2000) estimators of the number of missing studies, computed from the signed ranks of the
     * effects centred on the trimmed estimate.
     */
    public enum Estimator {
        /** L0 = (4·S_r − k(k + 1))/(2k − 1), S_r the sum of the positive ranks (the default, as in metafor). */
        L0,
        /** R0 = γ* − 1, γ* the length of the rightmost run of positive ranks (metafor {@code estimator = "R0"}). */
        R0
    }

    private TrimAndFill() {
    }

    /** True when trim and fill is defined for the pooling method (IV or random effects; not MH or Peto). */
    public static boolean supports(PoolingMethod method) {
        return method == PoolingMethod.IV || method.isRandomEffects();
    }

    /** Trim and fill with the side estimated and the adjusted model's interval from the Wald z. */
    public static TrimAndFillResult of(List<StudyCounts> studies, EffectMeasure measure, PoolingMethod method,
                                       ZeroCellRule rule) {
        return of(studies, measure, method, CiMethod.WALD_Z, rule, null);
    }

    /**
     * Trim and fill.
     *
     * @param ciMethod interval of the observed and adjusted models (HKSJ only with random effects)
     * @param side     the side on which to look for missing studies, or null to estimate it (metafor's rule)
     * @throws IllegalArgumentException for MH or Peto, or HKSJ with IV
     */
    public static TrimAndFillResult of(List<StudyCounts> studies, EffectMeasure measure, PoolingMethod method,
                                       CiMethod ciMethod, ZeroCellRule rule, Side side) {
        return of(studies, measure, method, ciMethod, rule, side, Estimator.L0);
    }

    /**
     * Trim and fill with the chosen estimator of the number of missing studies.
     *
     * @param ciMethod  interval of the observed and adjusted models (HKSJ only with random effects)
     * @param side      the side on which to look for missing studies, or null to estimate it (metafor's rule)
     * @param estimator L0 or R0; {@code k0Se} of the result is the estimator's standard error
     * @throws IllegalArgumentException for MH or Peto, or HKSJ with IV
     */
    public static TrimAndFillResult of(List<StudyCounts> studies, EffectMeasure measure, PoolingMethod method,
                                       CiMethod ciMethod, ZeroCellRule rule, Side side, Estimator estimator) {
        if (estimator == null) {
            throw new IllegalArgumentException("the trim-and-fill estimator must be given (L0 or R0)");
        }
        if (!supports(method)) {
            throw new IllegalArgumentException("trim and fill needs the inverse-variance or a random-effects model, not " + method);
        }
        if (!Poolers.supports(measure, method, ciMethod)) {
            throw new IllegalArgumentException("the HKSJ interval needs a random-effects method, not " + method);
        }
        String label = rule.label();
        SmallStudyTests.Input in = SmallStudyTests.Input.of(studies, measure, rule, MIN_STUDIES);
        int k = in.k();
        boolean few = k < SmallStudyTests.RECOMMENDED_STUDIES;
        if (in.reason() != null) {
            PooledEstimate ne = PooledEstimate.notEstimable(measure, method, ciMethod, label, k, in.reason());
            return new TrimAndFillResult(null, -1, Double.NaN, List.of(), ne, ne, few, ne.status());
        }
        double[] y0 = in.y();
        double[] v0 = in.v();
        PooledEstimate observed = model(measure, method, ciMethod, label, y0, v0);
        if (side == null) {
            side = estimateSide(y0, v0, method);
        }
        double sign = side == Side.RIGHT ? -1 : 1;

        // flip (right side) and sort by effect; the sort is stable like R's radix sort
        Integer[] order = new Integer[k];
        for (int i = 0; i < k; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparingDouble(i -> sign * y0[i]));
        double[] y = new double[k];
        double[] v = new double[k];
        for (int i = 0; i < k; i++) {
            y[i] = sign * y0[order[i]];
            v[i] = v0[order[i]];
        }

        int k0 = 0;
        int k0Saved = -1;
        double k0Se = Double.NaN;
        double beta = Double.NaN;
        int iter = 0;
        while (k0 != k0Saved) {
            k0Saved = k0;
            if (++iter > MAX_ITERATIONS) {
                return new TrimAndFillResult(side, -1, Double.NaN, List.of(), observed,
                        PooledEstimate.notEstimable(measure, method, ciMethod, label, k, "trim and fill did not converge"),
                        few, "not converged: trim and fill after " + MAX_ITERATIONS + " iterations");
            }
            double[] yt = Arrays.copyOf(y, k - k0);
            double[] vt = Arrays.copyOf(v, k - k0);
            beta = estimate(method, yt, vt);
            if (Double.isNaN(beta)) {
                return new TrimAndFillResult(side, -1, Double.NaN, List.of(), observed,
                        PooledEstimate.notEstimable(measure, method, ciMethod, label, k, "tau² of the trimmed studies"),
                        few, "not converged: tau² of the trimmed studies");
            }
            double[] centred = new double[k];
            for (int i = 0; i < k; i++) {
                centred[i] = y[i] - beta;
            }
            double[] ranks = ranksOfAbsoluteFirst(centred);
            double estimate;
            if (estimator == Estimator.R0) {
                double largestNegative = 0;
                for (int i = 0; i < k; i++) {
                    if (centred[i] < 0) {
                        largestNegative = Math.max(largestNegative, ranks[i]);
                    }
                }
                // Duval & Tweedie (2000) R0 = γ* − 1 = k − (largest rank of a negative centred effect) − 1
                // (metafor trimfill; with no negative effect γ* = k, where R gives Inf)
                estimate = k - largestNegative - 1;
                // standard error of R0: √(2·max(0, R0) + 2) (Duval & Tweedie 2000; metafor trimfill)
                k0Se = Math.sqrt(2 * Math.max(0, estimate) + 2);
            } else {
                double sr = 0;
                for (int i = 0; i < k; i++) {
                    if (centred[i] > 0) {
                        sr += ranks[i];
                    }
                }
                // Duval & Tweedie (2000) L0 = (4·S_r − k(k + 1))/(2k − 1), S_r the Wilcoxon sum of positive ranks
                double l0 = (4 * sr - k * (k + 1.0)) / (2 * k - 1.0);
                // variance of S_r given L0 (Duval & Tweedie 2000; metafor trimfill)
                double varSr = (k * (k + 1.0) * (2 * k + 1) + 10 * l0 * l0 * l0 + 27 * l0 * l0 + 17 * l0
                        - 18 * k * l0 * l0 - 18 * k * l0 + 6.0 * k * k * l0) / 24;
                k0Se = Math.max(0, 4 * Math.sqrt(varSr) / (2 * k - 1.0));
                estimate = l0;
            }
            k0 = (int) Math.max(0, Math.rint(estimate)); // R round(): half to even
        }
        if (k0 == 0) {
            return new TrimAndFillResult(side, 0, k0Se, List.of(), observed, observed, few, observed.status());
        }
        double centre = sign * beta;
        List<EffectSize> filled = new ArrayList<>(k0);
        double[] yFill = Arrays.copyOf(y0, k + k0);
        double[] vFill = Arrays.copyOf(v0, k + k0);
        for (int j = 0; j < k0; j++) {
            int i = k - k0 + j;
            int original = order[i];
            // mirror image about the trimmed estimate (Duval & Tweedie 2000)
            double yi = 2 * centre - y0[original];
            filled.add(new EffectSize("filled:" + in.effects().get(original).studyId(), yi, v0[original]));
            yFill[k + j] = yi;
            vFill[k + j] = v0[original];
        }
        PooledEstimate adjusted = model(measure, method, ciMethod, label, yFill, vFill);
        String status = !observed.isOk() ? observed.status() : adjusted.status();
        return new TrimAndFillResult(side, k0, k0Se, filled, observed, adjusted, few, status);
    }

    /**
     * metafor's rule: fit the meta-regression of y on √v with the model's method; a negative slope means the
     * small studies lie on the left, so studies are missing on the right. A singular fit gives left.
     */
    static Side estimateSide(double[] y, double[] v, PoolingMethod method) {
        double[][] x = new double[y.length][];
        for (int i = 0; i < y.length; i++) {
            x[i] = new double[] {1, Math.sqrt(v[i])};
        }
        MixedEffects.Fit fit = MixedEffects.fit(y, v, x, method);
        if (fit == null || fit.beta() == null || Double.isNaN(fit.beta()[1])) {
            return Side.LEFT;
        }
        return fit.beta()[1] < 0 ? Side.RIGHT : Side.LEFT;
    }

    /** R rank(abs(x), ties.method = "first"): ranks 1..k, ties in order of position. */
    private static double[] ranksOfAbsoluteFirst(double[] x) {
        int k = x.length;
        Integer[] idx = new Integer[k];
        for (int i = 0; i < k; i++) {
            idx[i] = i;
        }
        Arrays.sort(idx, Comparator.comparingDouble(i -> Math.abs(x[i])));
        double[] ranks = new double[k];
        for (int r = 0; r < k; r++) {
            ranks[idx[r]] = r + 1;
        }
        return ranks;
    }

    /** Pooled estimate of the method on the analysis scale (NaN when tau² failed). */
    private static double estimate(PoolingMethod method, double[] y, double[] v) {
        if (method == PoolingMethod.IV) {
            return Models.weightedMean(y, v, 0);
        }
        TauSquared.Estimate tau2 = TauSquared.estimate(method, y, v);
        return Double.isNaN(tau2.tau2()) ? Double.NaN : Models.weightedMean(y, v, tau2.tau2());
    }

    private static PooledEstimate model(EffectMeasure measure, PoolingMethod method, CiMethod ciMethod, String label,
                                        double[] y, double[] v) {
        if (method == PoolingMethod.IV) {
            return Models.inverseVariance(measure, label, y, v);
        }
        return Models.randomEffects(measure, method, ciMethod, label, y, v);
    }
}
