package io.aepool.plan;

import io.aepool.stats.CiMethod;
import io.aepool.stats.EffectMeasure;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * "Does the conclusion survive?" per pool, outcome and measure, counted over <em>distinct</em> analyses. The
 * sensitivity rows of the grid (all studies, leave-one-out, leave-one-subgroup-out, under every method, interval,
 * prediction interval and zero-cell rule; subgroups and cumulative steps answer other questions and are left out)
 * often repeat one another: MH under three zero rules, DL = REML = IV when τ² = 0, leaving out a double-zero study.
 * Specs whose estimate and interval agree to 10 significant digits are one distinct analysis, so a duplicated
 * option does not cast extra votes. The verdict reports the share of distinct analyses agreeing with the reference
 * (the primary spec), the method choices on all studies apart from the data choices under the primary method,
 * and the choice values over-represented among the analyses that flip significance. The same distinct analyses,
 * sorted, are the specification curve (Simonsohn, Simmons &amp; Nelson 2020; Voracek et al. 2019).
 */
public final class Robustness {

    /** The part of a results row the summary reads. */
    public record Point(String analysisId, String pool, String outcome, EffectMeasure measure, String method,
                        String ciMethod, String predictionInterval, String zeroRule, String subsetKind, String subset,
                        Double estimate, Double ciLow, Double ciHigh, String status) {
    }

    /**
     * A choice that defines an analysis. Method choices change how the studies are pooled; data choices change which
     * studies are pooled (within a pool: leaving out a study or a subgroup).
     */
    public enum Choice {
        METHOD("method", false, Point::method),
        CI_METHOD("ci_method", false, Point::ciMethod),
        PREDICTION_INTERVAL("prediction_interval", false, Point::predictionInterval),
        ZERO_RULE("zero_rule", false, Point::zeroRule),
        SUBSET_KIND("subset_kind", true, Point::subsetKind),
        SUBSET("subset", true, Point::subset);

        private final String column;
        private final boolean data;
        private final Function<Point, String> value;

        Choice(String column, boolean data, Function<Point, String> value) {
            this.column = column;
            this.data = data;
            this.value = value;
        }

        /** The column name in analyses.csv and specification_curve.csv. */
        public String column() {
            return column;
        }

        /** True for a data choice (which studies), false for a method choice (how they are pooled). */
        public boolean isData() {
            return data;
        }

        public String of(Point p) {
            return value.apply(p);
        }
    }

    /** Separator of several values in one cell of specification_curve.csv (ids and zero rules hold commas). */
    public static final String SEPARATOR = ";";

    /** One distinct analysis: the estimable specs whose estimate and interval agree (see {@link #key}). */
    public record Distinct(EffectMeasure measure, double estimate, double ciLow, double ciHigh, List<Point> specs) {

        public boolean excludesNull() {
            double nul = measure.isRatio() ? 1 : 0;
            return ciLow > nul || ciHigh < nul;
        }

        /** The values of a choice among the specs behind it, sorted. */
        public Set<String> values(Choice c) {
            return specs.stream().map(c::of).collect(Collectors.toCollection(TreeSet::new));
        }

        public boolean has(String analysisId) {
            return specs.stream().anyMatch(p -> p.analysisId().equals(analysisId));
        }
    }

    /** One summary row; {@code referenceId} is the analysis the verdict compares with. */
    public record Summary(String pool, String outcome, EffectMeasure measure, int analyses, int estimable,
                          int distinct, int distinctExcludingNull, Double shareExcludingNull,
                          int methodDistinct, int methodExcludingNull, int dataDistinct, int dataExcludingNull,
                          Double minEstimate, Double medianEstimate, Double maxEstimate,
                          String referenceId, Boolean referenceExcludesNull, String mostInfluential,
                          Double mostInfluentialEstimate, String flipDrivers, String verdict) {

        public static final List<ResultColumn> COLUMNS = List.of(ResultColumn.text("pool"), ResultColumn.text("outcome"),
                ResultColumn.text("measure"), ResultColumn.integer("analyses"), ResultColumn.integer("estimable"),
                ResultColumn.integer("distinct_analyses"), ResultColumn.integer("distinct_excluding_null"),
                ResultColumn.number("distinct_share_excluding_null"),
                ResultColumn.integer("method_distinct"), ResultColumn.integer("method_excluding_null"),
                ResultColumn.integer("data_distinct"), ResultColumn.integer("data_excluding_null"),
                ResultColumn.number("min_estimate"), ResultColumn.number("median_estimate"),
                ResultColumn.number("max_estimate"), ResultColumn.text("reference_analysis_id"),
                ResultColumn.bool("reference_excludes_null"), ResultColumn.text("most_influential_subset"),
                ResultColumn.number("most_influential_estimate"), ResultColumn.text("flip_drivers"),
                ResultColumn.text("verdict"));

        public Object[] values() {
            return new Object[]{pool, outcome, measure.name(), analyses, estimable, distinct, distinctExcludingNull,
                    shareExcludingNull, methodDistinct, methodExcludingNull, dataDistinct, dataExcludingNull,
                    minEstimate, medianEstimate, maxEstimate, referenceId, referenceExcludesNull, mostInfluential,
                    mostInfluentialEstimate, flipDrivers, verdict};
        }
    }

    /**
     * One row of the specification curve: a distinct analysis, ranked by estimate within its pool, outcome and
     * measure, with the values of every choice behind it ({@link #SEPARATOR}-joined when several specs collapsed).
     *
     * @param flips        its significance differs from the reference analysis's
     * @param reference    the reference (primary) spec is one of its specs
     * @param allStudies   one of its specs pools all studies of the pool (a method choice)
     * @param primaryModel one of its specs uses the reference method, interval, prediction interval and zero rule
     *                     (a data choice)
     */
    public record CurveRow(String pool, String outcome, EffectMeasure measure, int rank, double estimate,
                           double ciLow, double ciHigh, boolean excludesNull, boolean flips, boolean reference,
                           boolean allStudies, boolean primaryModel, String method, String ciMethod,
                           String predictionInterval, String zeroRule, String subsetKind, String subset, int nSpecs,
                           String analysisIds) {

        public static final List<ResultColumn> COLUMNS = List.of(ResultColumn.text("pool"), ResultColumn.text("outcome"),
                ResultColumn.text("measure"), ResultColumn.integer("rank"), ResultColumn.number("estimate"),
                ResultColumn.number("ci_low"), ResultColumn.number("ci_high"), ResultColumn.bool("excludes_null"),
                ResultColumn.bool("flips"), ResultColumn.bool("reference"), ResultColumn.bool("all_studies"),
                ResultColumn.bool("primary_model"), ResultColumn.text("method"), ResultColumn.text("ci_method"),
                ResultColumn.text("prediction_interval"), ResultColumn.text("zero_rule"),
                ResultColumn.text("subset_kind"), ResultColumn.text("subset"), ResultColumn.integer("n_specs"),
                ResultColumn.text("analysis_ids"));

        public Object[] values() {
            return new Object[]{pool, outcome, measure.name(), rank, estimate, ciLow, ciHigh, excludesNull, flips,
                    reference, allStudies, primaryModel, method, ciMethod, predictionInterval, zeroRule, subsetKind,
                    subset, nSpecs, analysisIds};
        }
    }

    /**
     * The pools as a data choice: each pool's whole-pool analysis of the primary outcome and measure under the primary
     * method, interval, prediction interval and zero rule, against the primary pool's.
     *
     * @param pools    pools with an estimable analysis, in name order
     * @param flipping those whose significance differs from the primary pool's
     * @param text     e.g. "3 of 4 pools include RR = 1 as the primary pool does; synthetic-doses-split excludes it"
     */
    public record PoolChoice(List<String> pools, int distinct, List<String> flipping, String text) {
    }

    /** The pools as a data choice for the primary outcome and measure under the primary model (see {@link PoolChoice}). */
    public static PoolChoice pools(List<Point> points, AnalysisSpec primary) {
        List<Point> rows = points.stream().filter(p -> allStudies(p) && defensible(p) && p.outcome().equals(primary.outcome())
                        && p.measure() == primary.measure() && p.method().equals(primary.method().name())
                        && p.ciMethod().equals(primary.ciMethod().label())
                        && p.predictionInterval().equals(primary.predictionInterval().label())
                        && sameZeroRule(p, primary))
                .sorted(Comparator.comparing(Point::pool)).toList();
        List<Point> ok = estimable(rows);
        Point reference = ok.stream().filter(p -> p.pool().equals(primary.pool())).findFirst().orElse(null);
        String nul = primary.measure().name() + " = " + (primary.measure().isRatio() ? "1" : "0");
        if (reference == null) {
            return new PoolChoice(ok.stream().map(Point::pool).toList(), distinct(ok).size(), List.of(),
                    "not estimable: the primary pool has no estimable analysis under the primary method");
        }
        boolean refExcludes = excludesNull(reference);
        List<String> flipping = ok.stream().filter(p -> excludesNull(p) != refExcludes).map(Point::pool).toList();
        String text = String.format(Locale.ROOT, "%d of %d pools %s %s as the primary pool does", ok.size() - flipping.size(),
                ok.size(), refExcludes ? "exclude" : "include", nul)
                + (flipping.isEmpty() ? "" : "; " + String.join(", ", flipping) + (refExcludes ? " include" : " exclude")
                + (flipping.size() == 1 ? "s" : "") + " it");
        return new PoolChoice(ok.stream().map(Point::pool).toList(), distinct(ok).size(), flipping, text);
    }

    private static final List<Choice> METHOD_CHOICES = List.of(Choice.METHOD, Choice.CI_METHOD,
            Choice.PREDICTION_INTERVAL, Choice.ZERO_RULE);
    private static final int DRIVERS_SHOWN = 3;

    private Robustness() {
    }

    /**
     * @param primary the job's primary analysis: within each pool, outcome and measure its method, interval
     *                and zero rule pick the reference analysis (the first whole-pool analysis otherwise)
     */
    public static List<Summary> summarise(List<Point> points, AnalysisSpec primary) {
        List<Summary> out = new ArrayList<>();
        groups(points).values().forEach(g -> out.add(summariseGroup(g, primary)));
        out.sort(Comparator.comparing(Summary::pool).thenComparing(Summary::outcome).thenComparing(s -> s.measure().name()));
        return out;
    }

    /** The specification curve of every pool, outcome and measure: distinct analyses ranked by estimate. */
    public static List<CurveRow> curve(List<Point> points, AnalysisSpec primary) {
        // specification curve: estimates sorted with the choices behind each (Simonsohn, Simmons & Nelson 2020)
        List<CurveRow> out = new ArrayList<>();
        for (List<Point> g : groups(points).values()) {
            List<Point> ok = estimable(g);
            if (ok.isEmpty()) {
                continue;
            }
            Point reference = reference(ok, primary);
            boolean refExcludes = excludesNull(reference);
            List<Distinct> distinct = distinct(ok);
            for (int i = 0; i < distinct.size(); i++) {
                Distinct d = distinct.get(i);
                List<String> ids = d.specs().stream().map(Point::analysisId).toList();
                out.add(new CurveRow(reference.pool(), reference.outcome(), reference.measure(), i + 1, d.estimate(),
                        d.ciLow(), d.ciHigh(), d.excludesNull(), d.excludesNull() != refExcludes,
                        d.has(reference.analysisId()), d.specs().stream().anyMatch(Robustness::allStudies),
                        d.specs().stream().anyMatch(p -> sameModel(p, reference)),
                        join(d, Choice.METHOD), join(d, Choice.CI_METHOD), join(d, Choice.PREDICTION_INTERVAL),
                        join(d, Choice.ZERO_RULE), join(d, Choice.SUBSET_KIND), join(d, Choice.SUBSET),
                        ids.size(), String.join(SEPARATOR, ids)));
            }
        }
        out.sort(Comparator.comparing(CurveRow::pool).thenComparing(CurveRow::outcome)
                .thenComparing(r -> r.measure().name()).thenComparingInt(CurveRow::rank));
        return out;
    }

    /**
     * The distinct analyses among estimable points of one pool, outcome and measure, sorted by estimate, then
     * interval (each at 10 significant digits), then first analysis id; each lists its specs in analysis-id order.
     */
    public static List<Distinct> distinct(List<Point> estimable) {
        Map<String, List<Point>> byKey = new LinkedHashMap<>();
        estimable.stream().sorted(Comparator.comparing(Point::analysisId))
                .forEach(p -> byKey.computeIfAbsent(key(p), k -> new ArrayList<>()).add(p));
        return byKey.values().stream()
                .map(s -> new Distinct(s.get(0).measure(), s.get(0).estimate(), s.get(0).ciLow(), s.get(0).ciHigh(), List.copyOf(s)))
                // ranked at the precision that makes them distinct, so noise in the last digits (a leave-one-out
                // from sums against a refit) never reorders ties; then by the first analysis id
                .sorted(Comparator.comparingDouble((Distinct d) -> rounded(d.estimate()))
                        .thenComparingDouble(d -> rounded(d.ciLow())).thenComparingDouble(d -> rounded(d.ciHigh()))
                        .thenComparing(d -> d.specs().get(0).analysisId()))
                .toList();
    }

    /** Estimate, lower and upper limit, each rounded to 10 significant digits: equal keys are one analysis. */
    static String key(Point p) {
        return round(p.estimate()) + "|" + round(p.ciLow()) + "|" + round(p.ciHigh());
    }

    private static String round(double v) {
        return String.format(Locale.ROOT, "%.9e", v == 0 ? 0.0 : v);
    }

    private static double rounded(double v) {
        return Double.parseDouble(round(v));
    }

    private static Map<String, List<Point>> groups(List<Point> points) {
        Map<String, List<Point>> groups = new LinkedHashMap<>();
        points.stream()
                .filter(p -> p.subsetKind().equals("all") || p.subsetKind().equals("loo") || p.subsetKind().equals("lso"))
                .filter(Robustness::defensible)
                .sorted(Comparator.comparing(Point::analysisId))
                .forEach(p -> groups.computeIfAbsent(p.pool() + "|" + p.outcome() + "|" + p.measure(), k -> new ArrayList<>()).add(p));
        return groups;
    }

    /**
     * The untruncated Hartung-Knapp interval is no option of the multiverse: narrower than Wald's when Q < k - 1, it
     * is kept in analyses.csv for parity with metafor's test = "knha" only; its ad hoc form (hksj-adhoc, added to the
     * grid with it) stands for Hartung-Knapp here, as in every headline (Cochrane Handbook v6.5 §10.10.4.3).
     */
    static boolean defensible(Point p) {
        return !CiMethod.HKSJ.label().equals(p.ciMethod());
    }

    private static List<Point> estimable(List<Point> group) {
        return group.stream().filter(p -> "ok".equals(p.status()) && p.estimate() != null
                && p.ciLow() != null && p.ciHigh() != null).toList();
    }

    private static Point reference(List<Point> ok, AnalysisSpec primary) {
        return ok.stream().filter(p -> allStudies(p) && p.method().equals(primary.method().name())
                        && p.ciMethod().equals(primary.ciMethod().label()) && sameZeroRule(p, primary)
                        && p.predictionInterval().equals(primary.predictionInterval().label()))
                .findFirst().orElse(ok.stream().filter(Robustness::allStudies).findFirst().orElse(ok.get(0)));
    }

    private static Summary summariseGroup(List<Point> group, AnalysisSpec primary) {
        Point first = group.get(0);
        EffectMeasure m = first.measure();
        List<Point> ok = estimable(group);
        if (ok.isEmpty()) {
            return new Summary(first.pool(), first.outcome(), m, group.size(), 0, 0, 0, null, 0, 0, 0, 0, null, null,
                    null, null, null, null, null, null, "not estimable: no analysis of this outcome could be estimated");
        }
        Point reference = reference(ok, primary);
        boolean refExcludes = excludesNull(reference);
        List<Distinct> all = distinct(ok);
        List<Distinct> method = distinct(ok.stream().filter(Robustness::allStudies).toList());
        List<Distinct> data = distinct(ok.stream().filter(p -> sameModel(p, reference)).toList());
        int excluding = (int) all.stream().filter(Distinct::excludesNull).count();
        double[] estimates = all.stream().mapToDouble(Distinct::estimate).sorted().toArray();
        Point influential = ok.stream().filter(p -> !allStudies(p) && sameModel(p, reference))
                .max(Comparator.comparingDouble((Point p) -> Math.abs(scale(m, p.estimate()) - scale(m, reference.estimate())))
                        .thenComparing(Point::subset, Comparator.reverseOrder()))
                .orElse(null);
        List<Distinct> flips = all.stream().filter(d -> d.excludesNull() != refExcludes).toList();
        List<String> methodDrivers = drivers(all, flips, METHOD_CHOICES, reference);
        List<String> dataDrivers = dataDrivers(data, refExcludes);
        String verdict = verdict(m, ok.size(), all, excluding, method, data, refExcludes, methodDrivers, dataDrivers);
        List<String> drivers = new ArrayList<>(methodDrivers);
        drivers.addAll(dataDrivers);
        return new Summary(first.pool(), first.outcome(), m, group.size(), ok.size(), all.size(), excluding,
                (double) excluding / all.size(), method.size(), count(method), data.size(), count(data),
                estimates[0], median(estimates), estimates[estimates.length - 1], reference.analysisId(), refExcludes,
                influential == null ? null : influential.subset(), influential == null ? null : influential.estimate(),
                drivers.isEmpty() ? null : String.join("; ", drivers), verdict);
    }

    /**
     * The method choices that drive flips: the values other than the reference's that are over-represented among the
     * flipping distinct analyses, i.e. whose share of the flips exceeds their share of all distinct analyses,
     * f_v / F &gt; n_v / N (a distinct analysis counts once for each value among its specs). Named in order of the share
     * of its analyses that flip (f_v / n_v), then most flips, then choice and value order; at most three.
     */
    static List<String> drivers(List<Distinct> all, List<Distinct> flips, List<Choice> choices, Point reference) {
        record Driver(Choice choice, String value, int flips, int analyses) {
        }
        List<Driver> found = new ArrayList<>();
        for (Choice c : choices) {
            Set<String> values = new TreeSet<>();
            flips.forEach(d -> values.addAll(d.values(c)));
            values.remove(c.of(reference));
            for (String v : values) {
                int f = (int) flips.stream().filter(d -> d.values(c).contains(v)).count();
                int n = (int) all.stream().filter(d -> d.values(c).contains(v)).count();
                if ((long) f * all.size() > (long) n * flips.size()) {
                    found.add(new Driver(c, v, f, n));
                }
            }
        }
        return found.stream()
                .sorted(Comparator.comparingDouble((Driver d) -> (double) d.flips() / d.analyses()).reversed()
                        .thenComparing(Comparator.comparingInt(Driver::flips).reversed())
                        .thenComparing(d -> d.choice().ordinal()).thenComparing(Driver::value))
                .limit(DRIVERS_SHOWN)
                .map(d -> d.choice().column() + "=" + d.value() + " (" + d.flips() + " of " + d.analyses() + " flip)")
                .toList();
    }

    /**
     * The data choices that drive flips: the subsets whose analysis under the reference method, interval and zero rule
     * differs in significance from the reference ("dropping X"), in subset order; at most three named.
     */
    private static List<String> dataDrivers(List<Distinct> data, boolean refExcludes) {
        List<String> dropped = data.stream().filter(d -> d.excludesNull() != refExcludes)
                .flatMap(d -> d.specs().stream().filter(p -> !allStudies(p)))
                .map(Point::subset).distinct().sorted().map(s -> "dropping " + dropped(s)).toList();
        List<String> shown = new ArrayList<>(dropped.subList(0, Math.min(DRIVERS_SHOWN, dropped.size())));
        if (dropped.size() > DRIVERS_SHOWN) {
            shown.add("and " + (dropped.size() - DRIVERS_SHOWN) + " more removals");
        }
        return shown;
    }

    private static String verdict(EffectMeasure m, int specs, List<Distinct> all, int excluding, List<Distinct> method,
                                  List<Distinct> data, boolean refExcludes, List<String> methodDrivers,
                                  List<String> dataDrivers) {
        String nullText = m.name() + " = " + (m.isRatio() ? "1" : "0");
        String side = refExcludes ? " exclude " : " include ";
        int agreeing = refExcludes ? excluding : all.size() - excluding;
        String from = String.format(Locale.ROOT, " distinct %s (from %,d spec%s)",
                all.size() == 1 ? "analysis" : "analyses", specs, specs == 1 ? "" : "s");
        // the two families counted in the headline's sense: agreeing when robust, flipping when fragile
        boolean robust = agreeing == all.size();
        String parts = String.format(Locale.ROOT, "method choices (all studies): %d of %d; data choices (primary method): %d of %d",
                robust ? agreeing(method, refExcludes) : method.size() - agreeing(method, refExcludes), method.size(),
                robust ? agreeing(data, refExcludes) : data.size() - agreeing(data, refExcludes), data.size());
        if (robust) {
            return String.format(Locale.ROOT, "robust: 100%% of %,d", all.size()) + from + side + nullText + " (" + parts + ")";
        }
        int flipping = all.size() - agreeing;
        StringBuilder v = new StringBuilder(String.format(Locale.ROOT, "fragile: %,d of %,d", flipping, all.size()))
                .append(from).append(refExcludes ? " include " : " exclude ").append(nullText)
                .append(refExcludes ? " while the reference excludes it" : " while the reference includes it")
                .append(" (").append(parts).append(")");
        List<String> sources = new ArrayList<>();
        if (!methodDrivers.isEmpty()) {
            sources.add("method choices: " + String.join(", ", methodDrivers));
        }
        if (!dataDrivers.isEmpty()) {
            sources.add("data choices: " + String.join(", ", dataDrivers));
        }
        if (!sources.isEmpty()) {
            v.append("; the flips come from ").append(String.join("; ", sources));
        }
        return v.toString();
    }

    private static int agreeing(List<Distinct> ds, boolean refExcludes) {
        return (int) ds.stream().filter(d -> d.excludesNull() == refExcludes).count();
    }

    private static int count(List<Distinct> ds) {
        return (int) ds.stream().filter(Distinct::excludesNull).count();
    }

    private static String join(Distinct d, Choice c) {
        return String.join(SEPARATOR, d.values(c));
    }

    private static String dropped(String subset) {
        return subset.startsWith("loo:") ? subset.substring(4) : subset.substring(4).replace('=', ' ');
    }

    private static boolean allStudies(Point p) {
        return p.subsetKind().equals("all");
    }

    /** The row ran under the primary's zero rule (rows of raw-count methods under its uncorrected form). */
    private static boolean sameZeroRule(Point p, AnalysisSpec primary) {
        io.aepool.stats.ZeroCellRule rule = io.aepool.stats.ZeroCellRule.parse(p.zeroRule());
        io.aepool.stats.ZeroCellRule wanted = io.aepool.stats.PoolingMethod.parse(p.method()).usesContinuityCorrection()
                ? primary.effectsZeroRule() : primary.zeroRule().withoutCorrection();
        return rule.equals(wanted) || rule.equals(primary.effectsZeroRule());
    }

    private static boolean sameModel(Point p, Point reference) {
        return p.method().equals(reference.method()) && p.ciMethod().equals(reference.ciMethod())
                && p.zeroRule().equals(reference.zeroRule()) && p.predictionInterval().equals(reference.predictionInterval());
    }

    private static boolean excludesNull(Point p) {
        double nullValue = p.measure().isRatio() ? 1 : 0;
        return p.ciLow() > nullValue || p.ciHigh() < nullValue;
    }

    private static double scale(EffectMeasure m, double estimate) {
        return m.isRatio() ? Math.log(estimate) : estimate;
    }

    private static double median(double[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
