package io.aepool.stats;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Per-study effect sizes (metafor {@code escalc} conventions) for an {@link EffectMeasure} under a {@link ZeroCellRule}.
 * Pure functions; no state.
 */
public final class EffectSizes {

    private EffectSizes() {
    }

    /**
     * The study's effect, or empty when the study is dropped: a ratio measure (RR, OR, IRR) with
     * {@code dropDoubleZero} and no events in both arms (RR/OR also: every subject with an event in both arms),
     * or a binary study with an empty arm (no comparison). RD and IRD keep double-zero studies.
     *
     * @throws InvalidStudyException when a rate measure is asked of a study without person-time
     */
    public static Optional<EffectSize> of(StudyCounts s, EffectMeasure measure, ZeroCellRule rule) {
        if (isDropped(s, measure, rule)) {
            return Optional.empty();
        }
        return Optional.of(effect(s, measure, rule));
    }

    /**
     * The usable effects ({@link EffectSize#isUsable()}) of the studies that are not dropped, in input order, as the
     * arrays y, v the models take; {@code kept} counts the studies not dropped, usable or not.
     */
    record Usable(double[] y, double[] v, int kept) {
        int k() {
            return y.length;
        }
    }

    /**
     * The models' input straight from the counts: no {@link Optional}, list or record kept per study (the profile of
     * the engine benchmark, issue 19, found them a third of a closed-form analysis's allocation).
     *
     * @throws InvalidStudyException when a rate measure is asked of a study without person-time
     */
    static Usable usable(List<StudyCounts> studies, EffectMeasure measure, ZeroCellRule rule) {
        int n = studies.size();
        double[] y = new double[n];
        double[] v = new double[n];
        int kept = 0;
        int usable = 0;
        for (StudyCounts s : studies) {
            if (isDropped(s, measure, rule)) {
                continue;
            }
            kept++;
            EffectSize e = effect(s, measure, rule);
            if (e.isUsable()) {
                y[usable] = e.yi();
                v[usable] = e.vi();
                usable++;
            }
        }
        return usable == n ? new Usable(y, v, kept) : new Usable(Arrays.copyOf(y, usable), Arrays.copyOf(v, usable), kept);
    }

    /** The effect of a study that is not dropped. */
    private static EffectSize effect(StudyCounts s, EffectMeasure measure, ZeroCellRule rule) {
        return measure.isRate() ? rate(s, measure, rule) : binary(s, measure, rule);
    }

    /** Effects of every study that is not dropped, in input order (possibly not {@link EffectSize#isUsable() usable}). */
    public static List<EffectSize> all(List<StudyCounts> studies, EffectMeasure measure, ZeroCellRule rule) {
        List<EffectSize> out = new ArrayList<>(studies.size());
        for (StudyCounts s : studies) {
            of(s, measure, rule).ifPresent(out::add);
        }
        return out;
    }

    /** True when the study does not enter an analysis of this measure under this rule (see {@link #of}). */
    public static boolean isDropped(StudyCounts s, EffectMeasure measure, ZeroCellRule rule) {
        if (measure.isRate()) {
            requirePersonTime(s, measure);
            return measure.isRatio() && rule.dropDoubleZero() && s.eventsExp() == 0 && s.eventsCtl() == 0;
        }
        if (s.nExp() == 0 || s.nCtl() == 0) {
            return true;
        }
        if (!measure.isRatio() || !rule.dropDoubleZero()) {
            return false;
        }
        return isDoubleZero(s) || isDoubleAll(s);
    }

    /** No events in either arm. */
    public static boolean isDoubleZero(StudyCounts s) {
        return s.eventsExp() == 0 && s.eventsCtl() == 0;
    }

    /** Every subject had the event in both arms (binary studies only). */
    public static boolean isDoubleAll(StudyCounts s) {
        return s.eventsExp() == s.nExp() && s.eventsCtl() == s.nCtl();
    }

    static void requirePersonTime(StudyCounts s, EffectMeasure measure) {
        if (!s.hasPersonTime()) {
            throw new InvalidStudyException(s.studyId(), Double.isNaN(s.timeExp()) ? "time_exp" : "time_ctl",
                    "person-time is required for " + measure);
        }
    }

    private static EffectSize binary(StudyCounts s, EffectMeasure measure, ZeroCellRule rule) {
        double a = s.eventsExp();
        double b = s.nExp() - s.eventsExp();
        double c = s.eventsCtl();
        double d = s.nCtl() - s.eventsCtl();
        boolean anyZero = a == 0 || b == 0 || c == 0 || d == 0;
        if (corrects(rule, anyZero)) {
            double[] inc = rule.armIncrements(s.nExp(), s.nCtl());
            a += inc[0];
            b += inc[0];
            c += inc[1];
            d += inc[1];
        }
        double n1 = a + b;
        double n2 = c + d;
        return switch (measure) {
            // log risk ratio and its large-sample variance (Katz et al. 1978; metafor escalc "RR")
            // (1/a − 1/n1 written as b/(a·n1): the difference lost ~8 digits when a ≈ n1 (fuzzing, arms of 4·10⁷))
            case RR -> new EffectSize(s.studyId(), Math.log(a / n1) - Math.log(c / n2), b / (a * n1) + d / (c * n2));
            // log odds ratio and Woolf's (1955) variance (metafor escalc "OR")
            case OR -> new EffectSize(s.studyId(), Math.log(a * d / (b * c)), 1 / a + 1 / b + 1 / c + 1 / d);
            case RD -> {
                double p1 = a / n1;
                double p2 = c / n2;
                // risk difference with its binomial variance (metafor escalc "RD", vtype "LS")
                yield new EffectSize(s.studyId(), p1 - p2, p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2);
            }
            default -> throw new IllegalArgumentException(measure + " is not a binary measure");
        };
    }

    private static EffectSize rate(StudyCounts s, EffectMeasure measure, ZeroCellRule rule) {
        if (measure == EffectMeasure.IRR && s.hasUsableStratifiedRatio()) {
            // Mantel–Haenszel log rate ratio over the study's own strata with the Greenland–Robins (1985) variance:
            // no continuity correction (both groups have events in the strata used)
            return new EffectSize(s.studyId(), s.stratified().logRatio(), s.stratified().logVariance());
        }
        double x1 = s.eventsExp();
        double x2 = s.eventsCtl();
        double t1 = s.timeExp();
        double t2 = s.timeCtl();
        if (corrects(rule, x1 == 0 || x2 == 0)) {
            double[] inc = rule.armIncrements(t1, t2);
            x1 += inc[0];
            x2 += inc[1];
        }
        return switch (measure) {
            // log incidence rate ratio with Poisson variance (metafor escalc "IRR")
            case IRR -> new EffectSize(s.studyId(), Math.log(x1 / t1) - Math.log(x2 / t2), 1 / x1 + 1 / x2);
            // incidence rate difference with Poisson variance (metafor escalc "IRD")
            case IRD -> new EffectSize(s.studyId(), x1 / t1 - x2 / t2, x1 / (t1 * t1) + x2 / (t2 * t2));
            default -> throw new IllegalArgumentException(measure + " is not a rate measure");
        };
    }

    private static boolean corrects(ZeroCellRule rule, boolean anyZero) {
        return switch (rule.scope()) {
            case ONLY_ZERO, TACC -> anyZero;
            case ALL -> true;
            case NONE -> false;
        };
    }
}
