package io.aepool.stats;

import java.util.List;

/** Peto one-step odds ratio on the raw counts (Yusuf et al. 1985; metafor {@code rma.peto}). */
final class PetoPooler implements Pooler {

    private final ZeroCellRule rule;
    /** The rule's label, built once: every result carries it. */
    private final String zeroRule;

    PetoPooler(ZeroCellRule rule) {
        this.rule = rule;
        this.zeroRule = rule.label();
    }

    @Override
    public PooledEstimate pool(List<StudyCounts> studies) {
        int k = 0;
        double sumOE = 0;
        double sumV = 0;
        double sumOE2V = 0;
        for (StudyCounts s : studies) {
            if (EffectSizes.isDropped(s, EffectMeasure.OR, rule)) {
                continue;
            }
            double a = s.eventsExp();
            double c = s.eventsCtl();
            double n1 = s.nExp();
            double n2 = s.nCtl();
            double n = n1 + n2;
            double events = a + c;
            double nonEvents = n - events;
            // Peto: observed minus expected events, hypergeometric variance
            // O − E written as (a·n2 − c·n1)/n: a − n1·(a + c)/n cancelled catastrophically for huge arms (fuzzing)
            double oe = (a * n2 - c * n1) / n;
            double v = n1 * n2 * events * nonEvents / (n * n * (n - 1));
            k++;
            sumOE += oe;
            sumV += v;
            if (v > 0) {
                sumOE2V += oe * oe / v;
            }
        }
        if (k == 0) {
            return PooledEstimate.notEstimable(EffectMeasure.OR, PoolingMethod.PETO, CiMethod.WALD_Z, zeroRule, 0,
                    Poolers.noStudiesReason(studies.size(), 0));
        }
        if (!(sumV > 0)) {
            return PooledEstimate.notEstimable(EffectMeasure.OR, PoolingMethod.PETO, CiMethod.WALD_Z, zeroRule, k,
                    "Peto variance is zero (no study with both events and non-events)");
        }
        // Peto log odds ratio Σ(O − E)/ΣV with se 1/√ΣV (Yusuf et al. 1985)
        double theta = sumOE / sumV;
        // Peto heterogeneity Q = Σ(O − E)²/V − (Σ(O − E))²/ΣV (Yusuf et al. 1985)
        double q = sumOE2V - sumOE * sumOE / sumV;
        return Models.fixedEffect(EffectMeasure.OR, PoolingMethod.PETO, zeroRule, k, theta, 1 / Math.sqrt(sumV),
                q, k - 1);
    }
}
