package io.aepool.stats;

import java.util.ArrayList;
import java.util.List;

/**
 * The fragility index of a pooled analysis: the fewest event changes in one arm of one study that flip its
 * significance (the pooled confidence interval excluding no effect, 1 for ratios and 0 for differences). A
 * significant result is made non-significant and a non-significant one significant; events may be added or removed,
 * each arm's count staying within 0..n (rate arms, which have no subject count, take up to as many added events as
 * the whole pool holds). Every study, arm and direction is searched one change at a time, all in step, so the first
 * flip found is the fewest; ties go to the first study in the given order, the experimental arm, then adding.
 * Adapted from Atal et al. (2019), who change events one at a time possibly across studies (see docs/methods.md).
 */
public final class FragilityIndex {

    /** The experimental or control arm. */
    public enum Arm {
        EXPERIMENTAL("experimental"), CONTROL("control");

        private final String label;

        Arm(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    public static final String OK = "ok";
    public static final String NOT_REACHABLE = "not reachable: no change of events in one arm of one study flips significance";

    /**
     * The index and the change that attains it.
     *
     * @param index        the fewest changed events, or null when no single-arm change flips significance (or the
     *                     analysis is not estimable)
     * @param significant  whether the unchanged analysis's interval excludes no effect (null when not estimable)
     * @param change       events added (positive) or removed (negative) in {@code arm} of {@code studyId}
     * @param estimate     the pooled estimate after the change, natural scale (NaN when no flip)
     * @param ciLow        its interval, natural scale
     * @param status       {@link #OK}, {@link #NOT_REACHABLE} or the unchanged analysis's "not estimable" reason
     */
    public record Result(Integer index, Boolean significant, String studyId, Arm arm, int change,
                         double estimate, double ciLow, double ciHigh, String status) {

        /**
         * One line for people: e.g. "3: adding 3 events to the control arm of S1 makes the 95% CI exclude RR = 1
         * (0.52 to 0.97)".
         */
        public String describe(EffectMeasure measure) {
            String nul = measure.name() + " = " + (measure.isRatio() ? "1" : "0");
            if (index == null) {
                return significant == null || !NOT_REACHABLE.equals(status) ? status : "not reachable: no change of events in one arm of one study makes the "
                        + "95% CI " + (significant ? "include " : "exclude ") + nul;
            }
            return String.format(java.util.Locale.ROOT, "%d: %s %d event%s %s the %s arm of %s makes the 95%% CI %s %s (%s to %s)",
                    index, change > 0 ? "adding" : "removing", index, index == 1 ? "" : "s", change > 0 ? "to" : "from",
                    arm.label(), studyId, significant ? "include" : "exclude", nul, short3(ciLow), short3(ciHigh));
        }

        private static String short3(double v) {
            return Math.abs(v) >= 0.01 || v == 0 ? String.format(java.util.Locale.ROOT, "%.3f", v)
                    : String.format(java.util.Locale.ROOT, "%.3g", v);
        }

        /** No index: the analysis is not estimable ({@code significant} null), no flip, or the search stopped. */
        public static Result none(Boolean significant, String status) {
            return new Result(null, significant, null, null, 0, Double.NaN, Double.NaN, Double.NaN, status);
        }

        /** "add" or "remove", or null when nothing flips. */
        public String direction() {
            return index == null ? null : change > 0 ? "add" : "remove";
        }
    }

    private FragilityIndex() {
    }

    /**
     * The search's budget in study terms pooled (each pooling of k studies costs k): 5·10⁷, about a second. The
     * sample's primary (32 studies) needs under 10⁶; a 10,000-study pool whose significance no single arm can flip
     * would otherwise pool 4·k·n times.
     */
    public static final long DEFAULT_BUDGET = 50_000_000L;

    /** The fragility index of {@code pooler} over {@code studies} (see the class comment), within the default budget. */
    public static Result of(Pooler pooler, List<StudyCounts> studies) {
        return of(pooler, studies, DEFAULT_BUDGET);
    }

    /**
     * As {@link #of(Pooler, List)}, stopping once {@code budget} study terms have been pooled: the index is then null
     * and the status says the search was not finished (never a guess).
     */
    public static Result of(Pooler pooler, List<StudyCounts> studies, long budget) {
        PooledEstimate base = pooler.pool(studies);
        if (!base.isOk() || Double.isNaN(base.ciLow()) || Double.isNaN(base.ciHigh())) {
            return Result.none(null, base.status());
        }
        boolean significant = significant(base);
        long poolEvents = studies.stream().mapToLong(s -> s.eventsExp() + s.eventsCtl()).sum();
        // candidates in tie-break order: study, experimental before control, adding before removing
        List<int[]> candidates = new ArrayList<>();
        long[] limits = new long[studies.size() * 4];
        for (int i = 0; i < studies.size(); i++) {
            StudyCounts s = studies.get(i);
            for (Arm arm : Arm.values()) {
                long events = arm == Arm.EXPERIMENTAL ? s.eventsExp() : s.eventsCtl();
                long n = arm == Arm.EXPERIMENTAL ? s.nExp() : s.nCtl();
                long up = n > 0 ? n - events : Math.max(poolEvents, 1);
                for (int sign : new int[]{1, -1}) {
                    limits[candidates.size()] = sign > 0 ? up : events;
                    candidates.add(new int[]{i, arm.ordinal(), sign});
                }
            }
        }
        long maxSteps = 0;
        for (long l : limits) {
            maxSteps = Math.max(maxSteps, l);
        }
        List<StudyCounts> changed = new ArrayList<>(studies);
        long spent = 0;
        // one study's arm changed m events at a time (Atal et al. 2019, restricted to one arm of one study)
        for (int m = 1; m <= maxSteps; m++) {
            for (int c = 0; c < candidates.size(); c++) {
                if (m > limits[c]) {
                    continue;
                }
                int[] cand = candidates.get(c);
                int i = cand[0];
                Arm arm = Arm.values()[cand[1]];
                int change = cand[2] * m;
                spent += studies.size();
                if (spent > budget) {
                    return Result.none(significant, String.format(java.util.Locale.ROOT,
                            "not computed: the search stopped after %,d study terms pooled (%s)", spent - studies.size(),
                            m == 1 ? "before every arm's one-event change was tried"
                                    : "changes of up to " + (m - 1) + " events found no flip"));
                }
                changed.set(i, withEvents(studies.get(i), arm, change));
                PooledEstimate p = pooler.pool(changed);
                changed.set(i, studies.get(i));
                if (p.isOk() && !Double.isNaN(p.ciLow()) && !Double.isNaN(p.ciHigh()) && significant(p) != significant) {
                    return new Result(m, significant, studies.get(i).studyId(), arm, change, p.estimate(),
                            p.ciLowNatural(), p.ciHighNatural(), OK);
                }
            }
        }
        return Result.none(significant, NOT_REACHABLE);
    }

    /** The interval on the analysis scale excludes no effect (0: log ratio or difference). */
    static boolean significant(PooledEstimate p) {
        // significance as the 95% CI excluding the null, the criterion Atal et al. (2019) flip (p < 0.05 for Wald)
        return p.ciLow() > 0 || p.ciHigh() < 0;
    }

    private static StudyCounts withEvents(StudyCounts s, Arm arm, int change) {
        return arm == Arm.EXPERIMENTAL
                ? new StudyCounts(s.studyId(), s.eventsExp() + change, s.nExp(), s.eventsCtl(), s.nCtl(), s.timeExp(), s.timeCtl())
                : new StudyCounts(s.studyId(), s.eventsExp(), s.nExp(), s.eventsCtl() + change, s.nCtl(), s.timeExp(), s.timeCtl());
    }
}
