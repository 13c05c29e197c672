package io.aepool.stats;

import java.util.Arrays;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * Mantel–Haenszel fixed effect on the raw counts (no continuity correction), after dropping the studies the
 * zero-cell rule drops. Heterogeneity is Cochran's Q of the corrected per-study effects around the MH estimate
 * (metafor {@code rma.mh}).
 *
 * <p>Every MH estimate and variance is a function of sums of per-study terms ({@link #terms}), so leave-one-out
 * ({@link LeaveOneOutPooler}) is the whole set's sums minus one study's terms: O(1) per study for the estimate,
 * its variance (Greenland &amp; Robins 1985, Robins, Breslow &amp; Greenland 1986, Sato, Greenland &amp; Robins 1989) and
 * Cochran's Q, which is Σw(y − c)² − 2(θ − c)Σw(y − c) + (θ − c)²Σw from the per-study effects' sums centred at the
 * whole set's estimate c.
 */
final class MantelHaenszelPooler implements LeaveOneOutPooler {

    private final EffectMeasure measure;
    private final ZeroCellRule rule;
    /** MH components of a study's terms; the Q sums (usable effect 1/0, w, w(y − c), w(y − c)²) follow them. */
    private final int mh;
    /** The rule's label, built once: every result carries it. */
    private final String zeroRule;

    MantelHaenszelPooler(EffectMeasure measure, ZeroCellRule rule) {
        this.measure = measure;
        this.rule = rule;
        this.zeroRule = rule.label();
        this.mh = switch (measure) {
            case RR, IRR, IRD -> 3;
            case OR -> 5;
            case RD -> 4;
        };
    }

    @Override
    public PooledEstimate pool(List<StudyCounts> studies) {
        String missing = Poolers.missingPersonTime(studies, measure);
        if (missing != null) {
            return notEstimable(0, missing);
        }
        int k = 0;
        double[] totals = new double[mh];
        for (StudyCounts s : studies) {
            if (!EffectSizes.isDropped(s, measure, rule)) {
                k++;
                double[] t = terms(s);
                for (int m = 0; m < mh; m++) {
                    totals[m] += t[m];
                }
            }
        }
        if (k == 0) {
            return notEstimable(0, Poolers.noStudiesReason(studies.size(), 0));
        }
        double[] estimate = estimate(totals);
        PooledEstimate unusable = unusable(k, estimate);
        if (unusable != null) {
            return unusable;
        }
        // the corrected effects of the same kept studies, for Q only
        EffectSizes.Usable effects = EffectSizes.usable(studies, measure, rule);
        double q = effects.k() == 0 ? Double.NaN : Models.cochranQ(effects.y(), effects.v(), estimate[0]);
        return result(k, estimate, q, effects.k() - 1);
    }

    @Override
    public PoolSums sums(List<StudyCounts> studies) {
        if (Poolers.missingPersonTime(studies, measure) != null) {
            return null;
        }
        double[][] rows = new double[studies.size()][];
        for (int i = 0; i < rows.length; i++) {
            StudyCounts s = studies.get(i);
            if (!EffectSizes.isDropped(s, measure, rule)) {
                rows[i] = Arrays.copyOf(terms(s), mh + 4);
            }
        }
        double centre = estimate(PoolSums.of(rows, mh))[0];
        if (!Double.isFinite(centre)) {
            centre = 0;
        }
        for (int i = 0; i < rows.length; i++) {
            if (rows[i] != null) {
                double[] row = rows[i];
                double c = centre;
                EffectSizes.of(studies.get(i), measure, rule).filter(EffectSize::isUsable).ifPresent(e -> {
                    double w = 1 / e.vi();
                    double d = e.yi() - c;
                    row[mh] = 1;
                    row[mh + 1] = w;
                    row[mh + 2] = w * d;
                    row[mh + 3] = w * d * d;
                });
            }
        }
        return PoolSums.of(rows, mh + 4, centre);
    }

    @Override
    public PooledEstimate fromSums(PoolSums sums) {
        int k = sums.k();
        if (k == 0 || !sums.isWellConditioned()) {
            return null;
        }
        double[] t = sums.totals();
        double[] estimate = estimate(t);
        PooledEstimate unusable = unusable(k, estimate);
        if (unusable != null) {
            // a ratio of 0 or ∞ comes from a total of exactly 0 (no event in an arm): exact; a variance of 0 may be rounding
            return Double.isFinite(estimate[0]) ? null : unusable;
        }
        // the variance can cancel (RD: rd·Σt1 + Σt2), down to an exact 0 the refit reports as not estimable
        if (!sums.isExact(x -> Math.sqrt(estimate(x)[1]), Math.sqrt(estimate[1]))) {
            return null;
        }
        int effects = (int) Math.round(t[mh]);
        double c = sums.constant(0);
        ToDoubleFunction<double[]> cochranQ = x -> {
            double d = estimate(x)[0] - c;
            // Cochran (1954) Q around the MH estimate θ from sums centred at c: Σw(y − c)² − 2(θ − c)Σw(y − c) + (θ − c)²Σw
            return x[mh + 3] - 2 * d * x[mh + 2] + d * d * x[mh + 1];
        };
        double q = effects == 0 ? Double.NaN : effects == 1 ? 0 : cochranQ.applyAsDouble(t);
        // Q cancels where the refit's Σ(y − θ)²/v does not, and is as sensitive to θ as Σw(y − θ) is large: the check
        // propagates both
        if (effects > 1 && !sums.isExact(cochranQ, q)) {
            return null;
        }
        return result(k, estimate, q, effects - 1);
    }

    private PooledEstimate result(int k, double[] estimate, double q, int qDf) {
        return Models.fixedEffect(measure, PoolingMethod.MH, zeroRule, k, estimate[0], Math.sqrt(estimate[1]), q, qDf);
    }

    /** The result when the MH estimate or its variance is not usable, else null. */
    private PooledEstimate unusable(int k, double[] estimate) {
        double theta = estimate[0];
        double variance = estimate[1];
        if (!Double.isFinite(theta) || !(variance > 0) || !Double.isFinite(variance)) {
            return notEstimable(k, measure.isRatio()
                    ? "no events in one arm across all studies (Mantel–Haenszel ratio is 0 or infinite)"
                    : "Mantel–Haenszel variance is zero");
        }
        return null;
    }

    private PooledEstimate notEstimable(int k, String reason) {
        return PooledEstimate.notEstimable(measure, PoolingMethod.MH, CiMethod.WALD_Z, zeroRule, k, reason);
    }

    /** A study's terms of the MH sums of this measure. */
    private double[] terms(StudyCounts st) {
        double a = st.eventsExp();
        double c = st.eventsCtl();
        return switch (measure) {
            case RR -> {
                double n1 = st.nExp();
                double n2 = st.nCtl();
                double n = n1 + n2;
                yield new double[] {a * n2 / n, c * n1 / n, (n1 * n2 * (a + c) - a * c * n) / (n * n)};
            }
            case OR -> {
                double b = st.nExp() - st.eventsExp();
                double d = st.nCtl() - st.eventsCtl();
                double n = a + b + c + d;
                double r = a * d / n;
                double s = b * c / n;
                double p = (a + d) / n;
                double q = (b + c) / n;
                yield new double[] {r, s, p * r, p * s + q * r, q * s};
            }
            case RD -> {
                double n1 = st.nExp();
                double n2 = st.nCtl();
                double n = n1 + n2;
                yield new double[] {n1 * n2 / n, (a * n2 - c * n1) / n,
                        (c * n1 * n1 - a * n2 * n2 + n1 * n2 * (n2 - n1) / 2) / (n * n),
                        (a * (n2 - c) + c * (n1 - a)) / (2 * n)};
            }
            case IRR -> {
                if (st.stratified() != null) {
                    // a stratified study's own strata enter the MH sums as strata (its variance term times its dispersion)
                    RateRatioSums r = st.stratified();
                    yield new double[] {r.exposed(), r.reference(), r.dispersion() * r.variance()};
                }
                double t1 = st.timeExp();
                double t2 = st.timeCtl();
                double t = t1 + t2;
                yield new double[] {a * t2 / t, c * t1 / t, t1 * t2 * (a + c) / (t * t)};
            }
            case IRD -> {
                double t1 = st.timeExp();
                double t2 = st.timeCtl();
                double t = t1 + t2;
                double w = t1 * t2 / t;
                yield new double[] {w, (a * t2 - c * t1) / t, w * w * (a / (t1 * t1) + c / (t2 * t2))};
            }
        };
    }

    private double[] estimate(PoolSums sums) {
        double[] totals = new double[mh];
        for (int m = 0; m < mh; m++) {
            totals[m] = sums.total(m);
        }
        return estimate(totals);
    }

    /** {estimate, variance} on the analysis scale from the MH sums. */
    private double[] estimate(double[] t) {
        return switch (measure) {
            // Greenland & Robins (1985) MH log risk (rate) ratio and its variance
            case RR, IRR -> new double[] {Math.log(t[0] / t[1]), t[2] / (t[0] * t[1])};
            // Robins, Breslow & Greenland (1986) variance of the MH log odds ratio
            case OR -> new double[] {Math.log(t[0] / t[1]),
                    t[2] / (2 * t[0] * t[0]) + t[3] / (2 * t[0] * t[1]) + t[4] / (2 * t[1] * t[1])};
            case RD -> {
                double rd = t[1] / t[0];
                // Sato, Greenland & Robins (1989) variance of the MH risk difference
                yield new double[] {rd, (rd * t[2] + t[3]) / (t[0] * t[0])};
            }
            // Greenland & Robins (1985) MH rate difference with its variance (metafor rma.mh "IRD")
            case IRD -> new double[] {t[1] / t[0], t[2] / (t[0] * t[0])};
        };
    }
}
