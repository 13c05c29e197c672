package io.aepool.stats;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Each study's share of the pooled estimate, in percent, as forest plots print it (RevMan, metafor
 * {@code weights()}): the weight a method gives the study divided by the sum over the studies that enter.
 * Studies a method leaves out (double-zero for ratios, no usable effect) are absent from the map.
 */
public final class StudyWeights {

    private StudyWeights() {
    }

    /**
     * @param tau2 the between-study variance of a random-effects fit (ignored by fixed-effect methods)
     * @return study id to weight in percent, in input order; empty when no study enters
     */
    public static Map<String, Double> percent(List<StudyCounts> studies, EffectMeasure measure, PoolingMethod method,
                                              ZeroCellRule rule, double tau2) {
        Map<String, Double> raw = new LinkedHashMap<>();
        for (StudyCounts s : studies) {
            if ((measure.isRate() && !s.hasPersonTime()) || EffectSizes.isDropped(s, measure, rule)) {
                continue;
            }
            double w = switch (method) {
                case MH -> mantelHaenszel(s, measure);
                case PETO, CMEL -> peto(s);
                case IV -> inverseVariance(s, measure, rule, 0);
                default -> inverseVariance(s, measure, rule, Double.isFinite(tau2) ? tau2 : 0);
            };
            if (Double.isFinite(w) && w > 0) {
                raw.put(s.studyId(), w);
            }
        }
        double total = raw.values().stream().mapToDouble(Double::doubleValue).sum();
        Map<String, Double> out = new LinkedHashMap<>();
        // w/total first: (100·w)/total could exceed 100 by an ulp (fuzzing found 100.00000000000001 for one study)
        raw.forEach((id, w) -> out.put(id, 100 * (w / total)));
        return out;
    }

    // Mantel–Haenszel weights (Greenland & Robins 1985): RR c·n1/N, OR b·c/N, RD n1·n2/N, IRR x2·t1/T, IRD t1·t2/T
    private static double mantelHaenszel(StudyCounts s, EffectMeasure measure) {
        double a = s.eventsExp();
        double c = s.eventsCtl();
        double n1 = s.nExp();
        double n2 = s.nCtl();
        double n = n1 + n2;
        return switch (measure) {
            case RR -> c * n1 / n;
            case OR -> (n1 - a) * c / n;
            case RD -> n1 * n2 / n;
            case IRR -> c * s.timeExp() / (s.timeExp() + s.timeCtl());
            case IRD -> s.timeExp() * s.timeCtl() / (s.timeExp() + s.timeCtl());
        };
    }

    // Peto weight: the hypergeometric variance V = n1·n2·(a+c)·(b+d) / (N²(N − 1)) (Yusuf et al. 1985)
    private static double peto(StudyCounts s) {
        double n1 = s.nExp();
        double n2 = s.nCtl();
        double n = n1 + n2;
        double events = s.eventsExp() + s.eventsCtl();
        return n1 * n2 * events * (n - events) / (n * n * (n - 1));
    }

    // inverse-variance weight 1/(v + tau²) of the corrected per-study effect
    private static double inverseVariance(StudyCounts s, EffectMeasure measure, ZeroCellRule rule, double tau2) {
        return EffectSizes.of(s, measure, rule).filter(EffectSize::isUsable).map(e -> 1 / (e.vi() + tau2)).orElse(Double.NaN);
    }
}
