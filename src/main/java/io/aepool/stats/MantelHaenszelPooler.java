package io.aepool.stats;

import java.util.ArrayList;
import java.util.List;

/**
 * Mantel–Haenszel fixed effect on the raw counts (no continuity correction), after dropping the studies the
 * zero-cell rule drops. Heterogeneity is Cochran's Q of the corrected per-study effects around the MH estimate
 * (metafor {@code rma.mh}).
 */
final class MantelHaenszelPooler implements Pooler {

    private final EffectMeasure measure;
    private final ZeroCellRule rule;

    MantelHaenszelPooler(EffectMeasure measure, ZeroCellRule rule) {
        this.measure = measure;
        this.rule = rule;
    }

    @Override
    public PooledEstimate pool(List<StudyCounts> studies) {
        String missing = Poolers.missingPersonTime(studies, measure);
        if (missing != null) {
            return notEstimable(0, missing);
        }
        List<StudyCounts> kept = new ArrayList<>(studies.size());
        for (StudyCounts s : studies) {
            if (!EffectSizes.isDropped(s, measure, rule)) {
                kept.add(s);
            }
        }
        int k = kept.size();
        if (k == 0) {
            return notEstimable(0, Poolers.noStudiesReason(studies.size(), 0));
        }
        double[] estimate = switch (measure) {
            case RR -> riskRatio(kept);
            case OR -> oddsRatio(kept);
            case RD -> riskDifference(kept);
            case IRR -> rateRatio(kept);
            case IRD -> rateDifference(kept);
        };
        double theta = estimate[0];
        double variance = estimate[1];
        if (!Double.isFinite(theta) || !(variance > 0) || !Double.isFinite(variance)) {
            return notEstimable(k, measure.isRatio()
                    ? "no events in one arm across all studies (Mantel–Haenszel ratio is 0 or infinite)"
                    : "Mantel–Haenszel variance is zero");
        }

        List<EffectSize> effects = new ArrayList<>(k);
        for (StudyCounts s : kept) {
            EffectSizes.of(s, measure, rule).filter(EffectSize::isUsable).ifPresent(effects::add);
        }
        double q = Double.NaN;
        int qDf = effects.size() - 1;
        if (!effects.isEmpty()) {
            double[] y = new double[effects.size()];
            double[] v = new double[effects.size()];
            for (int i = 0; i < y.length; i++) {
                y[i] = effects.get(i).yi();
                v[i] = effects.get(i).vi();
            }
            q = Models.cochranQ(y, v, theta);
        }
        return Models.fixedEffect(measure, PoolingMethod.MH, rule.label(), k, theta, Math.sqrt(variance), q, qDf);
    }

    private PooledEstimate notEstimable(int k, String reason) {
        return PooledEstimate.notEstimable(measure, PoolingMethod.MH, CiMethod.WALD_Z, rule.label(), k, reason);
    }

    /** {log RR, variance}. */
    private static double[] riskRatio(List<StudyCounts> studies) {
        double r = 0;
        double s = 0;
        double num = 0;
        for (StudyCounts st : studies) {
            double a = st.eventsExp();
            double c = st.eventsCtl();
            double n1 = st.nExp();
            double n2 = st.nCtl();
            double n = n1 + n2;
            r += a * n2 / n;
            s += c * n1 / n;
            num += (n1 * n2 * (a + c) - a * c * n) / (n * n);
        }
        // Greenland & Robins (1985) variance of the MH log risk ratio
        return new double[] {Math.log(r / s), num / (r * s)};
    }

    /** {log OR, variance}. */
    private static double[] oddsRatio(List<StudyCounts> studies) {
        double sumR = 0;
        double sumS = 0;
        double sumPR = 0;
        double sumPSQR = 0;
        double sumQS = 0;
        for (StudyCounts st : studies) {
            double a = st.eventsExp();
            double b = st.nExp() - st.eventsExp();
            double c = st.eventsCtl();
            double d = st.nCtl() - st.eventsCtl();
            double n = a + b + c + d;
            double r = a * d / n;
            double s = b * c / n;
            double p = (a + d) / n;
            double q = (b + c) / n;
            sumR += r;
            sumS += s;
            sumPR += p * r;
            sumPSQR += p * s + q * r;
            sumQS += q * s;
        }
        // Robins, Breslow & Greenland (1986) variance of the MH log odds ratio
        double var = sumPR / (2 * sumR * sumR) + sumPSQR / (2 * sumR * sumS) + sumQS / (2 * sumS * sumS);
        return new double[] {Math.log(sumR / sumS), var};
    }

    /** {RD, variance}. */
    private static double[] riskDifference(List<StudyCounts> studies) {
        double w = 0;
        double num = 0;
        for (StudyCounts st : studies) {
            double a = st.eventsExp();
            double c = st.eventsCtl();
            double n1 = st.nExp();
            double n2 = st.nCtl();
            double n = n1 + n2;
            w += n1 * n2 / n;
            num += (a * n2 - c * n1) / n;
        }
        double rd = num / w;
        double t1 = 0;
        double t2 = 0;
        for (StudyCounts st : studies) {
            double a = st.eventsExp();
            double c = st.eventsCtl();
            double n1 = st.nExp();
            double n2 = st.nCtl();
            double n = n1 + n2;
            t1 += (c * n1 * n1 - a * n2 * n2 + n1 * n2 * (n2 - n1) / 2) / (n * n);
            t2 += (a * (n2 - c) + c * (n1 - a)) / (2 * n);
        }
        // Sato, Greenland & Robins (1989) variance of the MH risk difference
        return new double[] {rd, (rd * t1 + t2) / (w * w)};
    }

    /** {log IRR, variance}. */
    private static double[] rateRatio(List<StudyCounts> studies) {
        double r = 0;
        double s = 0;
        double num = 0;
        for (StudyCounts st : studies) {
            double x1 = st.eventsExp();
            double x2 = st.eventsCtl();
            double t1 = st.timeExp();
            double t2 = st.timeCtl();
            double t = t1 + t2;
            r += x1 * t2 / t;
            s += x2 * t1 / t;
            num += t1 * t2 * (x1 + x2) / (t * t);
        }
        // Greenland & Robins (1985) variance of the MH log rate ratio
        return new double[] {Math.log(r / s), num / (r * s)};
    }

    /** {IRD, variance}. */
    private static double[] rateDifference(List<StudyCounts> studies) {
        double w = 0;
        double num = 0;
        double var = 0;
        for (StudyCounts st : studies) {
            double x1 = st.eventsExp();
            double x2 = st.eventsCtl();
            double t1 = st.timeExp();
            double t2 = st.timeCtl();
            double t = t1 + t2;
            double wi = t1 * t2 / t;
            w += wi;
            num += (x1 * t2 - x2 * t1) / t;
            var += wi * wi * (x1 / (t1 * t1) + x2 / (t2 * t2));
        }
        // Greenland & Robins (1985) MH rate difference with its variance (metafor rma.mh "IRD")
        return new double[] {num / w, var / (w * w)};
    }
}
