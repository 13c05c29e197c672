package io.aepool.stats;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Tests for small-study effects (funnel-plot asymmetry) on the per-study effects that enter the inverse-variance
 * model: Egger's and Peters' regression tests and Begg's rank correlation test, as metafor's {@code regtest} and
 * {@code ranktest}, and Harbord's score-based test for odds ratios (on the raw counts). All need at least
 * {@value #MIN_STUDIES} studies; below 10 the result is flagged.
 */
public final class SmallStudyTests {

    /** Fewest studies for which the tests are computed. */
    public static final int MIN_STUDIES = 3;
    /** Below this many studies the tests are flagged as underpowered (Sterne et al. 2011). */
    public static final int RECOMMENDED_STUDIES = 10;
    /** Largest k for which Begg's p-value is exact (R cor.test: exact when n < 50 and no ties). */
    static final int EXACT_KENDALL_BELOW = 50;

    private SmallStudyTests() {
    }

    /** Egger's test (metafor {@code regtest(model = "lm", predictor = "sei")}) on the inverse-variance input. */
    public static EggerTest egger(List<StudyCounts> studies, EffectMeasure measure, ZeroCellRule rule) {
        Input in = Input.of(studies, measure, rule);
        String label = rule.label();
        int k = in.k();
        if (in.reason() != null) {
            return notEstimableEgger(measure, label, k, in.reason());
        }
        double[][] x = new double[k][];
        for (int i = 0; i < k; i++) {
            x[i] = new double[] {1, Math.sqrt(in.v()[i])};
        }
        // Egger et al. (1997) in the form of Sterne & Egger (2005): y = b0 + b1·se, weights 1/v, dispersion estimated
        SlopeTest s = SlopeTest.of(in, x, "all studies have the same standard error");
        if (s.failure() != null) {
            return notEstimableEgger(measure, label, k, s.failure());
        }
        return new EggerTest(measure, label, k, s.intercept(), s.slope(), s.se(), s.t(), s.df(), s.p(),
                k < RECOMMENDED_STUDIES, PooledEstimate.OK);
    }

    /**
     * The t test of the slope of y = b0 + b1·x by weighted least squares with weights 1/v and the dispersion estimated
     * (on k − 2 df), shared by Egger's and Peters' tests; {@code failure} says why there is none (else null).
     */
    private record SlopeTest(double intercept, double slope, double se, double t, int df, double p, String failure) {
        static SlopeTest of(Input in, double[][] x, String whenSingular) {
            MixedEffects.Wls fit = MixedEffects.wls(in.y(), in.v(), x, 0);
            double n = Double.NaN;
            if (fit == null) {
                return new SlopeTest(n, n, n, n, 0, n, whenSingular);
            }
            int df = in.k() - 2;
            // se(b1)² = σ²·[(X'WX)⁻¹]₁₁ with σ² = Σw(y − Xb)²/(k − 2) (Sterne & Egger 2005)
            double se = Math.sqrt(fit.rss() / df * fit.xtwxInv()[1][1]);
            double slope = fit.beta()[1];
            if (!(se > 0) || !Double.isFinite(se)) {
                return new SlopeTest(n, n, n, n, 0, n, "the regression fits the studies exactly");
            }
            double t = slope / se;
            return new SlopeTest(fit.beta()[0], slope, se, t, df, Dist.twoSidedTP(t, df), null);
        }
    }

    /** Begg's rank correlation test (metafor {@code ranktest}) on the inverse-variance input. */
    public static BeggTest begg(List<StudyCounts> studies, EffectMeasure measure, ZeroCellRule rule) {
        Input in = Input.of(studies, measure, rule);
        String label = rule.label();
        int k = in.k();
        double n = Double.NaN;
        if (in.reason() != null) {
            return new BeggTest(measure, label, k, n, n, false, k < RECOMMENDED_STUDIES, "not estimable: " + in.reason());
        }
        double[] y = in.y();
        double[] v = in.v();
        double theta = Models.weightedMean(y, v, 0);
        double vTheta = 1 / Models.sumWeights(v, 0);
        double[] yStar = new double[k];
        for (int i = 0; i < k; i++) {
            // Begg & Mazumdar (1994) standardised deviate: (y − θ)/√(v − var θ)
            yStar[i] = (y[i] - theta) / Math.sqrt(v[i] - vTheta);
        }
        Kendall kt = kendall(yStar, v);
        if (Double.isNaN(kt.tau()) || Double.isNaN(kt.pValue())) {
            return new BeggTest(measure, label, k, n, n, false, k < RECOMMENDED_STUDIES,
                    "not estimable: all studies have the same variance or the same standardised deviate");
        }
        return new BeggTest(measure, label, k, kt.tau(), kt.pValue(), kt.exact(), k < RECOMMENDED_STUDIES,
                PooledEstimate.OK);
    }

    /**
     * Peters' test (metafor {@code regtest(model = "lm", predictor = "ninv")}) on the inverse-variance input: the
     * predictor is 1/n with n = nExp + nCtl of the study. Rate measures have no sample size and are not estimable.
     */
    public static PetersTest peters(List<StudyCounts> studies, EffectMeasure measure, ZeroCellRule rule) {
        String label = rule.label();
        if (measure.isRate()) {
            return notEstimablePeters(measure, label, 0, "Peters' test needs sample sizes, which " + measure + " data lack");
        }
        Input in = Input.of(studies, measure, rule);
        int k = in.k();
        if (in.reason() != null) {
            return notEstimablePeters(measure, label, k, in.reason());
        }
        Map<String, StudyCounts> byId = new HashMap<>();
        for (StudyCounts s : studies) {
            byId.putIfAbsent(s.studyId(), s);
        }
        double[][] x = new double[k][];
        for (int i = 0; i < k; i++) {
            StudyCounts s = byId.get(in.effects().get(i).studyId());
            x[i] = new double[] {1, 1.0 / (s.nExp() + s.nCtl())};
        }
        // Peters et al. (2006) in metafor's form: y = b0 + b1/n, weights 1/v, dispersion estimated, t test of b1
        SlopeTest s = SlopeTest.of(in, x, "all studies have the same sample size");
        if (s.failure() != null) {
            return notEstimablePeters(measure, label, k, s.failure());
        }
        return new PetersTest(measure, label, k, s.intercept(), s.slope(), s.se(), s.t(), s.df(), s.p(),
                k < RECOMMENDED_STUDIES, PooledEstimate.OK);
    }

    /**
     * Harbord's test for odds ratios (Harbord, Egger & Sterne 2006) on the raw counts: no continuity correction is
     * needed. Studies with an empty arm or with V = 0 (no events or no non-events in both arms together) are left out.
     */
    public static HarbordTest harbord(List<StudyCounts> studies) {
        List<double[]> zv = new ArrayList<>();
        for (StudyCounts s : studies) {
            if (s.nExp() == 0 || s.nCtl() == 0) {
                continue;
            }
            double n1 = s.nExp();
            double n2 = s.nCtl();
            double n = n1 + n2;
            double m1 = s.eventsExp() + s.eventsCtl();
            // efficient score of the log odds ratio at 0 and its hypergeometric variance (Harbord et al. 2006; Peto)
            double z = s.eventsExp() - n1 * m1 / n;
            double v = n1 * n2 * m1 * (n - m1) / (n * n * (n - 1));
            if (v > 0) {
                zv.add(new double[] {z, v});
            }
        }
        int k = zv.size();
        boolean few = k < RECOMMENDED_STUDIES;
        if (k < MIN_STUDIES) {
            String reason = k == 0 ? "no study with both events and non-events" : "fewer than " + MIN_STUDIES + " studies";
            return notEstimableHarbord(k, reason);
        }
        double[] y = new double[k];
        double[][] x = new double[k][];
        double[] ones = new double[k];
        for (int i = 0; i < k; i++) {
            double sv = Math.sqrt(zv.get(i)[1]);
            // Harbord et al. (2006): Z/√V = α + β·√V + ε, ordinary least squares
            y[i] = zv.get(i)[0] / sv;
            x[i] = new double[] {1, sv};
            ones[i] = 1;
        }
        MixedEffects.Wls fit = MixedEffects.wls(y, ones, x, 0);
        if (fit == null) {
            return notEstimableHarbord(k, "all studies have the same score variance");
        }
        int df = k - 2;
        double se = Math.sqrt(fit.rss() / df * fit.xtwxInv()[0][0]);
        if (!(se > 0) || !Double.isFinite(se)) {
            return notEstimableHarbord(k, "the regression fits the studies exactly");
        }
        double t = fit.beta()[0] / se;
        return new HarbordTest(k, fit.beta()[0], se, fit.beta()[1], t, df, Dist.twoSidedTP(t, df), few,
                PooledEstimate.OK);
    }

    private static PetersTest notEstimablePeters(EffectMeasure measure, String label, int k, String reason) {
        double n = Double.NaN;
        return new PetersTest(measure, label, k, n, n, n, n, Math.max(k - 2, 0), n, k < RECOMMENDED_STUDIES,
                "not estimable: " + reason);
    }

    private static HarbordTest notEstimableHarbord(int k, String reason) {
        double n = Double.NaN;
        return new HarbordTest(k, n, n, n, n, Math.max(k - 2, 0), n, k < RECOMMENDED_STUDIES, "not estimable: " + reason);
    }

    private static EggerTest notEstimableEgger(EffectMeasure measure, String label, int k, String reason) {
        double n = Double.NaN;
        return new EggerTest(measure, label, k, n, n, n, n, Math.max(k - 2, 0), n, k < RECOMMENDED_STUDIES,
                "not estimable: " + reason);
    }

    /** Kendall's tau with R {@code cor.test(method = "kendall")}'s two-sided p-value (exact = NULL, no continuity). */
    record Kendall(double tau, double pValue, boolean exact) {
    }

    static Kendall kendall(double[] a, double[] b) {
        int n = a.length;
        long concordant = 0;
        long discordant = 0;
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                double s = Math.signum(a[i] - a[j]) * Math.signum(b[i] - b[j]);
                if (s > 0) {
                    concordant++;
                } else if (s < 0) {
                    discordant++;
                }
            }
        }
        long[] tiesA = tieSizes(a);
        long[] tiesB = tieSizes(b);
        double t0 = n * (n - 1) / 2.0;
        double t1 = 0;
        double t2 = 0;
        for (long m : tiesA) {
            t1 += m * (m - 1) / 2.0;
        }
        for (long m : tiesB) {
            t2 += m * (m - 1) / 2.0;
        }
        double s = concordant - discordant;
        // Kendall (1945) tau-b = (C − D)/√((T0 − T1)(T0 − T2)); tau-a when there are no ties
        double tau = s / Math.sqrt((t0 - t1) * (t0 - t2));
        boolean ties = tiesA.length > 0 || tiesB.length > 0;
        if (n < EXACT_KENDALL_BELOW && !ties) {
            // exact permutation distribution of the number of concordant pairs (R cor.test, Best & Gipps 1974)
            double q = concordant;
            double p = q > n * (n - 1) / 4.0 ? 1 - kendallCdf((long) q - 1, n) : kendallCdf((long) q, n);
            return new Kendall(tau, Math.min(2 * p, 1), true);
        }
        // normal approximation with tie-corrected variance of S (Kendall 1970, ch. 4; R cor.test)
        double v0 = n * (n - 1.0) * (2 * n + 5);
        double vt = 0;
        double vu = 0;
        double sa2 = 0;
        double sb2 = 0;
        double sa3 = 0;
        double sb3 = 0;
        for (long m : tiesA) {
            vt += m * (m - 1.0) * (2 * m + 5);
            sa2 += m * (m - 1.0);
            sa3 += m * (m - 1.0) * (m - 2);
        }
        for (long m : tiesB) {
            vu += m * (m - 1.0) * (2 * m + 5);
            sb2 += m * (m - 1.0);
            sb3 += m * (m - 1.0) * (m - 2);
        }
        double varS = (v0 - vt - vu) / 18 + sa2 * sb2 / (2.0 * n * (n - 1)) + sa3 * sb3 / (9.0 * n * (n - 1) * (n - 2));
        return new Kendall(tau, Dist.twoSidedNormalP(s / Math.sqrt(varS)), false);
    }

    /** Sizes (> 1) of the groups of equal values. */
    private static long[] tieSizes(double[] x) {
        Map<Double, Long> counts = new HashMap<>();
        for (double d : x) {
            counts.merge(d == 0 ? 0.0 : d, 1L, Long::sum);
        }
        return counts.values().stream().filter(c -> c > 1).mapToLong(Long::longValue).toArray();
    }

    /**
     * P(T <= q) for the number T of concordant pairs among n observations without ties: the count of permutations
     * with at most q inversions over n! (Mahonian numbers; R's C routine {@code pkendall}).
     */
    static double kendallCdf(long q, int n) {
        long max = (long) n * (n - 1) / 2;
        if (q < 0) {
            return 0;
        }
        if (q > max) {
            return 1;
        }
        double[] counts = {1};
        for (int m = 2; m <= n; m++) {
            int size = m * (m - 1) / 2 + 1;
            double[] next = new double[size];
            for (int j = 0; j < size; j++) {
                double s = 0;
                for (int i = 0; i < m; i++) {
                    int from = j - i;
                    if (from >= 0 && from < counts.length) {
                        s += counts[from];
                    }
                }
                next[j] = s;
            }
            counts = next;
        }
        double p = 0;
        for (int j = 0; j <= q; j++) {
            p += counts[j];
        }
        double factorial = 1;
        for (int m = 2; m <= n; m++) {
            factorial *= m;
        }
        return p / factorial;
    }

    /** The usable per-study effects of an inverse-variance analysis, or the reason there are too few. */
    record Input(List<EffectSize> effects, double[] y, double[] v, String reason) {

        int k() {
            return y.length;
        }

        static Input of(List<StudyCounts> studies, EffectMeasure measure, ZeroCellRule rule) {
            return of(studies, measure, rule, MIN_STUDIES);
        }

        static Input of(List<StudyCounts> studies, EffectMeasure measure, ZeroCellRule rule, int minStudies) {
            String missing = Poolers.missingPersonTime(studies, measure);
            if (missing != null) {
                return new Input(List.of(), new double[0], new double[0], missing);
            }
            List<EffectSize> all = EffectSizes.all(studies, measure, rule);
            List<EffectSize> usable = new ArrayList<>(all.size());
            for (EffectSize e : all) {
                if (e.isUsable()) {
                    usable.add(e);
                }
            }
            double[] y = new double[usable.size()];
            double[] v = new double[usable.size()];
            for (int i = 0; i < y.length; i++) {
                y[i] = usable.get(i).yi();
                v[i] = usable.get(i).vi();
            }
            String reason = null;
            if (usable.isEmpty()) {
                reason = Poolers.noStudiesReason(studies.size(), all.size());
            } else if (usable.size() < minStudies) {
                reason = "fewer than " + minStudies + " studies";
            }
            return new Input(List.copyOf(usable), y, v, reason);
        }
    }
}
