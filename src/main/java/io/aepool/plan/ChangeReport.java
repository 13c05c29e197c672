package io.aepool.plan;

import io.aepool.stats.EffectMeasure;
import io.aepool.stats.PooledEstimate;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static io.aepool.plan.FamilyTable.num;

/**
 * What changed since the previous successful run, per analysis id (equal specs have equal ids in every run).
 * One row per analysis and change type; unchanged analyses give no rows. A row is flagged (and raises the nightly
 * alert, exit code 3) when its change type is in {@link Thresholds#alertOn()} and its subset kind in
 * {@link Thresholds#alertSubsetKinds()}.
 */
public final class ChangeReport {

    /** The analysis id appears only in the current run. */
    public static final String NEW_ANALYSIS = "new_analysis";
    /** The analysis id appears only in the previous run. */
    public static final String DROPPED_ANALYSIS = "dropped_analysis";
    /** Comparisons entered the analysis (by membership when both runs know it, else by count). */
    public static final String STUDIES_ADDED = "studies_added";
    /** Comparisons left the analysis (by membership when both runs know it, else by count). */
    public static final String STUDIES_DROPPED = "studies_dropped";
    /** The event total (experimental + control) grew. */
    public static final String EVENTS_ADDED = "events_added";
    /** The event total shrank, or events moved between arms with the total unchanged: a registry correction. */
    public static final String EVENTS_REMOVED = "events_removed";
    /** The estimate moved beyond {@link Thresholds#ratioRelative()} or {@link Thresholds#differenceAbsolute()}. */
    public static final String ESTIMATE_MOVED = "estimate_moved";
    /** The interval excluded the null before and includes it now, or the other way round. */
    public static final String SIGNIFICANCE_FLIPPED = "significance_flipped";
    /** I² crossed {@link Thresholds#i2Percent()} either way. */
    public static final String HETEROGENEITY_CROSSED = "heterogeneity_crossed";
    /** The status text changed, e.g. {@code ok} to {@code not estimable: ...}. */
    public static final String STATUS_CHANGED = "status_changed";

    /** Every change type, in output order within an analysis (alphabetical). */
    public static final List<String> CHANGE_TYPES = List.of(DROPPED_ANALYSIS, ESTIMATE_MOVED, EVENTS_ADDED,
            EVENTS_REMOVED, HETEROGENEITY_CROSSED, NEW_ANALYSIS, SIGNIFICANCE_FLIPPED, STATUS_CHANGED, STUDIES_ADDED,
            STUDIES_DROPPED);

    /** Flagged rows listed in {@link #summary}. */
    static final int SUMMARY_FLAGGED_ROWS = 20;

    /** A change within this relative distance of a threshold counts as at the threshold (not beyond it). */
    private static final double THRESHOLD_TOLERANCE = 1e-9;

    private static final MathContext FOUR_DIGITS = new MathContext(4);

    /**
     * The part of one results row the comparison reads, keyed by {@code analysisId}.
     *
     * @param studies    comparison ids the analysis used (see {@link #membership}); null if unknown
     * @param studyCount studies in the subset (the results' {@code studies} column)
     * @param estimate   natural scale (ratios exponentiated), as in the results; null when not estimable
     * @param i2         I² as a fraction in [0, 1], as in the results' {@code i2} column; null when not estimable
     */
    public record AnalysisState(String analysisId, String pool, String outcome, String measure, String method,
                                String subsetKind, SortedSet<String> studies, int studyCount, long eventsExp,
                                long eventsCtl, Double estimate, Double ciLow, Double ciHigh, Double i2,
                                String status) {

        public AnalysisState {
            Objects.requireNonNull(analysisId, "analysisId");
            studies = studies == null ? null : new TreeSet<>(studies);
        }

        /** The state of a freshly computed result; {@code studies} from {@link #membership} (may be null). */
        public static AnalysisState of(AnalysisResult r, SortedSet<String> studies) {
            AnalysisSpec s = r.spec();
            PooledEstimate p = r.pooled();
            return new AnalysisState(s.id(), s.pool(), s.outcome(), s.measure().name(), s.method().name(),
                    s.subset().kindLabel(), studies, r.studiesInSubset(), r.eventsExp(), r.eventsCtl(),
                    num(p.estimate()), num(p.ciLowNatural()), num(p.ciHighNatural()), num(p.i2()), p.status());
        }
    }

    /**
     * When a change is a change.
     *
     * @param ratioRelative      ratio measures (RR, OR, IRR) move when |ln(new/old)| > ln(1 + ratioRelative):
     *                           symmetric on the log scale, so 0.64 → 0.80 and 0.80 → 0.64 flag alike
     * @param differenceAbsolute difference measures (RD, IRD) move when |new − old| > differenceAbsolute
     * @param i2Percent          I² (in percent) above this is heterogeneous; crossing it either way is a change
     * @param alertOn            change types that raise the alert
     * @param alertSubsetKinds   subset kinds ({@link Subset#kindLabel()}) whose changes raise the alert
     */
    public record Thresholds(double ratioRelative, double differenceAbsolute, double i2Percent, Set<String> alertOn,
                             Set<String> alertSubsetKinds) {

        public static final Thresholds DEFAULTS = new Thresholds(0.10, 0.005, 50,
                Set.of(ESTIMATE_MOVED, SIGNIFICANCE_FLIPPED, HETEROGENEITY_CROSSED, STUDIES_ADDED, STUDIES_DROPPED),
                Set.of(Subset.ALL.kindLabel()));

        public Thresholds {
            if (!(ratioRelative >= 0) || !(differenceAbsolute >= 0) || !(i2Percent >= 0 && i2Percent <= 100)) {
                throw new IllegalArgumentException("change thresholds must be >= 0 (I² in [0, 100]): ratio "
                        + ratioRelative + ", difference " + differenceAbsolute + ", I² " + i2Percent);
            }
            alertOn = Set.copyOf(alertOn);
            alertSubsetKinds = Set.copyOf(alertSubsetKinds);
            for (String type : alertOn) {
                if (!CHANGE_TYPES.contains(type)) {
                    throw new IllegalArgumentException("unknown change type '" + type + "' (expected one of "
                            + String.join(", ", CHANGE_TYPES) + ")");
                }
            }
        }

        boolean flags(String change, String subsetKind) {
            return alertOn.contains(change) && alertSubsetKinds.contains(subsetKind);
        }
    }

    /** One row of the change report. {@code previous} and {@code current} are the compared values as text. */
    public record Change(String analysisId, String pool, String outcome, String measure, String method,
                         String subsetKind, String change, String detail, String previous, String current,
                         boolean flagged) {

        /** Output columns, in order. */
        public static final List<ResultColumn> COLUMNS = List.of(ResultColumn.text("analysis_id"),
                ResultColumn.text("pool"), ResultColumn.text("outcome"), ResultColumn.text("measure"),
                ResultColumn.text("method"), ResultColumn.text("subset_kind"), ResultColumn.text("change"),
                ResultColumn.text("detail"), ResultColumn.text("previous"), ResultColumn.text("current"),
                ResultColumn.bool("flagged"));

        /** Values in {@link #COLUMNS} order. */
        public Object[] values() {
            return new Object[]{analysisId, pool, outcome, measure, method, subsetKind, change, detail, previous,
                    current, flagged};
        }
    }

    private ChangeReport() {
    }

    /**
     * Comparison ids of the studies {@code spec} uses: the records of its outcome in {@code pool}, selected by its
     * subset. The caller caches the result per (pool, outcome, subset): it does not depend on the model.
     */
    public static SortedSet<String> membership(AnalysisSpec spec, Pool pool, List<StudyRecord> records) {
        if (!pool.name().equals(spec.pool())) {
            throw new IllegalArgumentException("pool '" + pool.name() + "' is not the pool of " + spec.id());
        }
        List<StudyRecord> inPool = records.stream()
                .filter(r -> r.outcome().equals(spec.outcome()) && pool.contains(r))
                .toList();
        return spec.subset().select(inPool).stream().map(StudyRecord::comparisonId)
                .collect(Collectors.toCollection(TreeSet::new));
    }

    /**
     * The change rows between two runs, ordered by analysis id, then change type.
     *
     * @throws IllegalArgumentException if an analysis id occurs twice in one run
     */
    public static List<Change> compare(List<AnalysisState> previous, List<AnalysisState> current, Thresholds t) {
        Map<String, AnalysisState> before = byId(previous, "previous");
        Map<String, AnalysisState> after = byId(current, "current");
        TreeSet<String> ids = new TreeSet<>(before.keySet());
        ids.addAll(after.keySet());
        List<Change> out = new ArrayList<>();
        for (String id : ids) {
            AnalysisState old = before.get(id);
            AnalysisState now = after.get(id);
            if (old == null) {
                out.add(row(now, NEW_ANALYSIS, describe(now), null, interval(now), t));
            } else if (now == null) {
                out.add(row(old, DROPPED_ANALYSIS, describe(old), interval(old), null, t));
            } else {
                compareOne(old, now, t, out);
            }
        }
        out.sort(Comparator.comparing(Change::analysisId).thenComparing(Change::change));
        return out;
    }

    /**
     * The change rows as shared (CSV, summary.json): in {@code pools} (those holding registries), an event-count change
     * whose detail, previous or current text reveals a small count has all three replaced by {@code mark}.
     */
    public static List<Change> withheld(List<Change> changes, java.util.Set<String> pools,
                                        java.util.function.Predicate<String> revealsSmallCount, String mark) {
        return changes.stream().map(c -> pools.contains(c.pool()) && c.change().startsWith("events_")
                && (revealsSmallCount.test(c.detail()) || revealsSmallCount.test(c.previous())
                || revealsSmallCount.test(c.current()))
                ? new Change(c.analysisId(), c.pool(), c.outcome(), c.measure(), c.method(), c.subsetKind(),
                c.change(), mark, mark, mark, c.flagged()) : c).toList();
    }

    /**
     * The block written to {@code summary.json}: {@code rows}, {@code flagged}, {@code by_change} (rows per change
     * type, sorted by type) and {@code flagged_changes}, the first {@value #SUMMARY_FLAGGED_ROWS} flagged rows as
     * {@code analysis_id}, {@code change}, {@code detail}.
     */
    public static Map<String, Object> summary(List<Change> changes) {
        Map<String, Long> byChange = new TreeMap<>();
        changes.forEach(c -> byChange.merge(c.change(), 1L, Long::sum));
        List<Change> flagged = changes.stream().filter(Change::flagged).toList();
        List<Map<String, String>> listed = new ArrayList<>();
        for (Change c : flagged.subList(0, Math.min(SUMMARY_FLAGGED_ROWS, flagged.size()))) {
            Map<String, String> m = new LinkedHashMap<>();
            m.put("analysis_id", c.analysisId());
            m.put("change", c.change());
            m.put("detail", c.detail());
            listed.add(m);
        }
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("rows", changes.size());
        s.put("flagged", flagged.size());
        s.put("by_change", byChange);
        s.put("flagged_changes", listed);
        return s;
    }

    private static void compareOne(AnalysisState old, AnalysisState now, Thresholds t, List<Change> out) {
        compareStudies(old, now, t, out);
        compareEvents(old, now, t, out);
        boolean ratio = EffectMeasure.parse(now.measure()).isRatio();
        if (old.estimate() != null && now.estimate() != null && estimateMoved(old.estimate(), now.estimate(), ratio, t)) {
            String change = ratio
                    ? String.format(Locale.ROOT, "%+.1f%%", 100 * (now.estimate() / old.estimate() - 1))
                    : signed(now.estimate() - old.estimate());
            out.add(row(now, ESTIMATE_MOVED, fmt(old.estimate()) + " -> " + fmt(now.estimate()) + " (" + change + ")",
                    fmt(old.estimate()), fmt(now.estimate()), t));
        }
        double nullValue = ratio ? 1 : 0;
        Boolean wasSignificant = excludesNull(old, nullValue);
        Boolean isSignificant = excludesNull(now, nullValue);
        if (wasSignificant != null && isSignificant != null && !wasSignificant.equals(isSignificant)) {
            String nullText = now.measure() + " = " + (ratio ? "1" : "0");
            String detail = isSignificant
                    ? "became significant: interval excludes " + nullText
                    : "no longer significant: interval includes " + nullText;
            out.add(row(now, SIGNIFICANCE_FLIPPED, detail, interval(old), interval(now), t));
        }
        if (old.i2() != null && now.i2() != null) {
            boolean wasHigh = 100 * old.i2() > t.i2Percent();
            boolean isHigh = 100 * now.i2() > t.i2Percent();
            if (wasHigh != isHigh) {
                String limit = fmt(t.i2Percent()) + "%";
                out.add(row(now, HETEROGENEITY_CROSSED, isHigh ? "I² rose above " + limit : "I² fell to " + limit + " or below",
                        percent(old.i2()), percent(now.i2()), t));
            }
        }
        if (!Objects.equals(old.status(), now.status())) {
            out.add(row(now, STATUS_CHANGED, old.status() + " -> " + now.status(), old.status(), now.status(), t));
        }
    }

    private static void compareStudies(AnalysisState old, AnalysisState now, Thresholds t, List<Change> out) {
        String was = String.valueOf(old.studyCount());
        String is = String.valueOf(now.studyCount());
        if (old.studies() != null && now.studies() != null) {
            SortedSet<String> added = new TreeSet<>(now.studies());
            added.removeAll(old.studies());
            SortedSet<String> dropped = new TreeSet<>(old.studies());
            dropped.removeAll(now.studies());
            if (!added.isEmpty()) {
                out.add(row(now, STUDIES_ADDED, "+" + added.size() + ": " + String.join(", ", added), was, is, t));
            }
            if (!dropped.isEmpty()) {
                out.add(row(now, STUDIES_DROPPED, "-" + dropped.size() + ": " + String.join(", ", dropped), was, is, t));
            }
        } else if (now.studyCount() != old.studyCount()) {
            int d = now.studyCount() - old.studyCount();
            out.add(row(now, d > 0 ? STUDIES_ADDED : STUDIES_DROPPED,
                    String.format(Locale.ROOT, "%+d (membership unknown)", d), was, is, t));
        }
    }

    private static void compareEvents(AnalysisState old, AnalysisState now, Thresholds t, List<Change> out) {
        long dExp = now.eventsExp() - old.eventsExp();
        long dCtl = now.eventsCtl() - old.eventsCtl();
        if (dExp == 0 && dCtl == 0) {
            return;
        }
        String change = dExp + dCtl > 0 ? EVENTS_ADDED : EVENTS_REMOVED;
        out.add(row(now, change, String.format(Locale.ROOT, "%+d exp, %+d ctl", dExp, dCtl), events(old), events(now), t));
    }

    private static boolean estimateMoved(double old, double now, boolean ratio, Thresholds t) {
        if (old == now) {
            return false;
        }
        // ratio measures on the log scale (symmetric), difference measures on their own scale
        double distance = ratio ? Math.abs(Math.log(now) - Math.log(old)) : Math.abs(now - old);
        double limit = ratio ? Math.log1p(t.ratioRelative()) : t.differenceAbsolute();
        return !(distance <= limit * (1 + THRESHOLD_TOLERANCE));
    }

    /** Whether the interval excludes the null; null when there is no interval. */
    private static Boolean excludesNull(AnalysisState s, double nullValue) {
        if (s.ciLow() == null || s.ciHigh() == null) {
            return null;
        }
        return s.ciLow() > nullValue || s.ciHigh() < nullValue;
    }

    private static Change row(AnalysisState s, String change, String detail, String previous, String current,
                              Thresholds t) {
        return new Change(s.analysisId(), s.pool(), s.outcome(), s.measure(), s.method(), s.subsetKind(), change,
                detail, previous, current, t.flags(change, s.subsetKind()));
    }

    private static Map<String, AnalysisState> byId(List<AnalysisState> states, String run) {
        Map<String, AnalysisState> m = new LinkedHashMap<>();
        for (AnalysisState s : states) {
            if (m.put(s.analysisId(), s) != null) {
                throw new IllegalArgumentException("analysis id '" + s.analysisId() + "' occurs twice in the " + run + " run");
            }
        }
        return m;
    }

    private static String describe(AnalysisState s) {
        return s.studyCount() + (s.studyCount() == 1 ? " study, " : " studies, ") + s.status();
    }

    /** {@code 0.8 [0.62, 1.03]}, the interval alone without an estimate, or null without either. */
    private static String interval(AnalysisState s) {
        String ci = s.ciLow() == null || s.ciHigh() == null ? null : "[" + fmt(s.ciLow()) + ", " + fmt(s.ciHigh()) + "]";
        if (s.estimate() == null) {
            return ci;
        }
        return ci == null ? fmt(s.estimate()) : fmt(s.estimate()) + " " + ci;
    }

    private static String events(AnalysisState s) {
        return s.eventsExp() + " exp, " + s.eventsCtl() + " ctl";
    }

    private static String percent(double fraction) {
        return fmt(100 * fraction) + "%";
    }

    private static String signed(double d) {
        return (d >= 0 ? "+" : "") + fmt(d);
    }

    /** Four significant digits, no exponent, no trailing zeros: 0.64, 0.8, 0.01235. */
    static String fmt(double d) {
        if (!Double.isFinite(d)) {
            return String.valueOf(d);
        }
        if (d == 0) {
            return "0";
        }
        return new BigDecimal(d).round(FOUR_DIGITS).stripTrailingZeros().toPlainString();
    }
}
