package io.aepool.stats;

import java.util.ArrayList;
import java.util.List;

/**
 * Fixed-effect odds ratio by exact conditional maximum likelihood: the conditional logistic model stratified by
 * study (Breslow & Day 1980, ch. 7; van Houwelingen, Zwinderman & Stijnen 1993), metafor
 * {@code rma.glmm(measure = "OR", model = "CM.EL", method = "EE")}. Given both margins of its 2×2 table, study i's
 * event count in the experimental arm follows Fisher's noncentral hypergeometric distribution with log odds ratio
 * ψ; the log-likelihood Σ [aᵢψ − log Σₓ C(n1ᵢ, x) C(n2ᵢ, tᵢ − x) e^{xψ}] is maximised by Newton–Raphson on the exact
 * score Σ(aᵢ − Eᵢ(ψ)) and information Σ Varᵢ(ψ); se = 1/√information at the maximum. The raw counts are used: no
 * continuity correction. Studies whose margins leave a single possible table (no events or only events in both
 * arms together) carry no information and drop out; when every informative study has its events at the boundary
 * of the support (e.g. all events in the experimental arm) the likelihood is monotone and the result is
 * "not estimable: no finite MLE".
 *
 * <p>{@link PooledEstimate#method()} is {@link PoolingMethod#CMEL}. Heterogeneity is Cochran's Q of the per-study log odds ratios
 * (under the zero-cell rule) around the conditional estimate, on k − 1 df, as for Mantel–Haenszel.
 */
public final class ConditionalLogisticPooler implements Pooler {

    /** Name of the method for result rows. */
    public static final String LABEL = "CM-EL";
    /** Newton–Raphson stops when the step is below this (analysis scale). */
    static final double TOLERANCE = 1e-10;
    static final int MAX_ITERATIONS = 100;
    /** Largest Newton step, to keep the first steps from huge tables in range. */
    private static final double MAX_STEP = 5;
    /** Most possible tables (support points summed over studies) the exact likelihood enumerates (16 MB of weights). */
    static final long MAX_SUPPORT = 2_000_000;

    private final ZeroCellRule rule;

    ConditionalLogisticPooler(ZeroCellRule rule) {
        this.rule = rule;
    }

    /** One informative 2×2 table: its support lo..hi of the experimental-arm events and log base weights. */
    private record Table(double a, int lo, double[] logWeights) {
    }

    @Override
    public PooledEstimate pool(List<StudyCounts> studies) {
        String label = rule.label();
        List<Table> tables = new ArrayList<>();
        double sumA = 0;
        double excess = 0;
        double sumLo = 0;
        double sumHi = 0;
        long support = 0;
        for (StudyCounts s : studies) {
            if (s.nExp() == 0 || s.nCtl() == 0) {
                continue;
            }
            long n1 = s.nExp();
            long n2 = s.nCtl();
            long t = s.eventsExp() + s.eventsCtl();
            int lo = (int) Math.max(0, t - n2);
            int hi = (int) Math.min(n1, t);
            if (lo == hi) {
                continue; // a single possible table: no information about ψ
            }
            support += hi - lo + 1;
            if (support > MAX_SUPPORT) {
                // fuzzing found arms of 10⁹ subjects allocating a 10⁹-entry table (OutOfMemoryError): refuse instead
                return PooledEstimate.notEstimable(EffectMeasure.OR, PoolingMethod.CMEL, CiMethod.WALD_Z, label, 0,
                        "the exact conditional likelihood would enumerate more than " + MAX_SUPPORT
                                + " possible tables (too many events and non-events); use MH or Peto");
            }
            double[] lw = new double[hi - lo + 1];
            // C(n1, x+1)C(n2, t−x−1) / (C(n1, x)C(n2, t−x)) = (n1 − x)(t − x)/((x + 1)(n2 − t + x + 1))
            for (int x = lo; x < hi; x++) {
                lw[x - lo + 1] = lw[x - lo] + Math.log((double) (n1 - x) * (t - x)) - Math.log((double) (x + 1) * (n2 - t + x + 1));
            }
            tables.add(new Table(s.eventsExp(), lo, lw));
            sumA += s.eventsExp();
            excess += s.eventsExp() - lo;
            sumLo += lo;
            sumHi += hi;
        }
        int k = tables.size();
        if (k == 0) {
            return PooledEstimate.notEstimable(EffectMeasure.OR, PoolingMethod.CMEL, CiMethod.WALD_Z, label, 0,
                    studies.isEmpty() ? "no studies"
                            : "no studies left after dropping studies without information (no study with both events and non-events)");
        }
        if (sumA == sumLo || sumA == sumHi) {
            return PooledEstimate.notEstimable(EffectMeasure.OR, PoolingMethod.CMEL, CiMethod.WALD_Z, label, k,
                    "no finite MLE (every study has the fewest or the most events possible in the experimental arm)");
        }
        double psi = 0;
        double[] m = moments(tables, psi);
        int iter = 0;
        boolean converged = false;
        while (iter++ < MAX_ITERATIONS) {
            // Newton–Raphson on the conditional score U = Σ(a − E(ψ)) with information I = Σ Var(ψ) (Breslow & Day 1980)
            // score as Σ(a − lo) − Σ E(x − lo): Σa − Σ E(x) cancelled ~Σlo·eps, so steps never fell below TOLERANCE (fuzzing)
            double step = (excess - m[0]) / m[1];
            if (!Double.isFinite(step)) {
                break;
            }
            step = Math.max(-MAX_STEP, Math.min(MAX_STEP, step));
            psi += step;
            m = moments(tables, psi);
            if (Math.abs(step) < TOLERANCE) {
                converged = true;
                break;
            }
        }
        if (!converged) {
            double n = Double.NaN;
            return new PooledEstimate(EffectMeasure.OR, PoolingMethod.CMEL, CiMethod.WALD_Z, label, k, n, n, n, n, n, n, k - 1, n, n,
                    n, n, n, n, n, n, n, n, -1,
                    "not converged: conditional likelihood after " + MAX_ITERATIONS + " Newton iterations");
        }
        // se from the observed (= expected) conditional information (Breslow & Day 1980)
        double se = 1 / Math.sqrt(m[1]);
        double[] q = heterogeneity(studies, psi);
        return Models.fixedEffect(EffectMeasure.OR, PoolingMethod.CMEL, label, k, psi, se, q[0], (int) q[1]);
    }

    /** Cochran's Q of the usable per-study log odds ratios around ψ and its df (NaN, 0 when none is usable). */
    private double[] heterogeneity(List<StudyCounts> studies, double psi) {
        double q = 0;
        int n = 0;
        // only the informative tables (0 < events < n) that entered the likelihood: fuzzing found keep00 double-zero
        // studies giving Q more than k − 1 df
        List<StudyCounts> informative = new ArrayList<>(studies.size());
        for (StudyCounts s : studies) {
            long t = s.eventsExp() + s.eventsCtl();
            if (s.nExp() > 0 && s.nCtl() > 0 && t > 0 && t < s.nExp() + s.nCtl()) {
                informative.add(s);
            }
        }
        for (EffectSize e : EffectSizes.all(informative, EffectMeasure.OR, rule)) {
            if (e.isUsable()) {
                // Cochran (1954) Q around the pooled estimate, as for Mantel–Haenszel (metafor rma.mh)
                q += (e.yi() - psi) * (e.yi() - psi) / e.vi();
                n++;
            }
        }
        return n == 0 ? new double[] {Double.NaN, 0} : new double[] {q, n - 1};
    }

    /** Σ E(x − lo) and Σ Var(x) of the noncentral hypergeometric distributions at ψ (log-sum-exp for stability). */
    private static double[] moments(List<Table> tables, double psi) {
        double mean = 0;
        double var = 0;
        for (Table tb : tables) {
            double[] lw = tb.logWeights();
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < lw.length; j++) {
                max = Math.max(max, lw[j] + j * psi);
            }
            double[] p = new double[lw.length];
            double s0 = 0;
            double s1 = 0;
            for (int j = 0; j < lw.length; j++) {
                p[j] = Math.exp(lw[j] + j * psi - max);
                s0 += p[j];
                s1 += j * p[j];
            }
            double e = s1 / s0;
            double s2 = 0;
            for (int j = 0; j < lw.length; j++) {
                s2 += (j - e) * (j - e) * p[j]; // central second moment, no cancellation
            }
            mean += e;
            var += s2 / s0;
        }
        return new double[] {mean, var};
    }
}
