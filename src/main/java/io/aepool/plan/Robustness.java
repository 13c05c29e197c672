package io.aepool.plan;

import io.aepool.stats.EffectMeasure;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * "Does the conclusion survive?" in one row per pool, outcome and measure: over every estimable sensitivity
 * analysis of the grid (all studies, leave-one-out, leave-one-subgroup-out, under every method, interval,
 * prediction interval and zero-cell rule; subgroups and cumulative steps answer other questions and are left
 * out), the range and median of the estimates, the share whose interval excludes no effect, the single
 * study or subgroup whose removal moves the estimate most, and a one-line verdict.
 */
public final class Robustness {

    /** The part of a results row the summary reads. */
    public record Point(String analysisId, String pool, String outcome, EffectMeasure measure, String method,
                        String ciMethod, String predictionInterval, String zeroRule, String subsetKind, String subset,
                        Double estimate, Double ciLow, Double ciHigh, String status) {
    }

    /** One summary row; {@code referenceId} is the analysis the verdict compares with. */
    public record Summary(String pool, String outcome, EffectMeasure measure, int analyses, int estimable,
                          Double minEstimate, Double medianEstimate, Double maxEstimate, Double shareExcludingNull,
                          String referenceId, String mostInfluential, Double mostInfluentialEstimate, String verdict) {

        public static final List<ResultColumn> COLUMNS = List.of(ResultColumn.text("pool"), ResultColumn.text("outcome"),
                ResultColumn.text("measure"), ResultColumn.integer("analyses"), ResultColumn.integer("estimable"),
                ResultColumn.number("min_estimate"), ResultColumn.number("median_estimate"),
                ResultColumn.number("max_estimate"), ResultColumn.number("share_excluding_null"),
                ResultColumn.text("reference_analysis_id"), ResultColumn.text("most_influential_subset"),
                ResultColumn.number("most_influential_estimate"), ResultColumn.text("verdict"));

        public Object[] values() {
            return new Object[]{pool, outcome, measure.name(), analyses, estimable, minEstimate, medianEstimate,
                    maxEstimate, shareExcludingNull, referenceId, mostInfluential, mostInfluentialEstimate, verdict};
        }
    }

    private Robustness() {
    }

    /**
     * @param primary the job's primary analysis: within each pool, outcome and measure its method, interval
     *                and zero rule pick the reference analysis (the first whole-pool analysis otherwise)
     */
    public static List<Summary> summarise(List<Point> points, AnalysisSpec primary) {
        Map<String, List<Point>> groups = new LinkedHashMap<>();
        points.stream()
                .filter(p -> p.subsetKind().equals("all") || p.subsetKind().equals("loo") || p.subsetKind().equals("lso"))
                .sorted(Comparator.comparing(Point::analysisId))
                .forEach(p -> groups.computeIfAbsent(p.pool() + "|" + p.outcome() + "|" + p.measure(), k -> new ArrayList<>()).add(p));
        List<Summary> out = new ArrayList<>();
        groups.values().forEach(g -> out.add(summariseGroup(g, primary)));
        out.sort(Comparator.comparing(Summary::pool).thenComparing(Summary::outcome).thenComparing(s -> s.measure().name()));
        return out;
    }

    private static Summary summariseGroup(List<Point> group, AnalysisSpec primary) {
        Point first = group.get(0);
        EffectMeasure m = first.measure();
        double nullValue = m.isRatio() ? 1 : 0;
        List<Point> ok = group.stream().filter(p -> "ok".equals(p.status()) && p.estimate() != null
                && p.ciLow() != null && p.ciHigh() != null).toList();
        if (ok.isEmpty()) {
            return new Summary(first.pool(), first.outcome(), m, group.size(), 0, null, null, null, null, null, null, null,
                    "not estimable: no analysis of this outcome could be estimated");
        }
        double[] estimates = ok.stream().mapToDouble(Point::estimate).sorted().toArray();
        int excluding = (int) ok.stream().filter(p -> excludesNull(p, nullValue)).count();
        Point reference = ok.stream().filter(p -> p.subsetKind().equals("all") && p.method().equals(primary.method().name())
                        && p.ciMethod().equals(primary.ciMethod().label()) && sameZeroRule(p, primary)
                        && p.predictionInterval().equals(primary.predictionInterval().label()))
                .findFirst().orElse(ok.stream().filter(p -> p.subsetKind().equals("all")).findFirst().orElse(ok.get(0)));
        boolean referenceExcludes = excludesNull(reference, nullValue);
        Point influential = ok.stream().filter(p -> !p.subsetKind().equals("all") && sameModel(p, reference))
                .max(Comparator.comparingDouble((Point p) -> Math.abs(scale(m, p.estimate()) - scale(m, reference.estimate())))
                        .thenComparing(Point::subset, Comparator.reverseOrder()))
                .orElse(null);
        String verdict = verdict(m, ok, excluding, referenceExcludes, reference, nullValue);
        return new Summary(first.pool(), first.outcome(), m, group.size(), ok.size(), estimates[0], median(estimates),
                estimates[estimates.length - 1], (double) excluding / ok.size(), reference.analysisId(),
                influential == null ? null : influential.subset(), influential == null ? null : influential.estimate(), verdict);
    }

    private static String verdict(EffectMeasure m, List<Point> ok, int excluding, boolean referenceExcludes,
                                  Point reference, double nullValue) {
        String nullText = m.name() + " = " + (m.isRatio() ? "1" : "0");
        int agreeing = referenceExcludes ? excluding : ok.size() - excluding;
        String share = String.format(Locale.ROOT, "%.0f%% of %,d analyses", 100.0 * agreeing / ok.size(), ok.size());
        if (agreeing == ok.size()) {
            return "robust: " + share + (referenceExcludes ? " exclude " : " include ") + nullText;
        }
        // Name the removal that flips the conclusion under the reference model, else the analysis that does.
        // preference: a removal under the reference model, then another model on all studies, then anything
        Comparator<Point> preference = Comparator.comparingInt((Point p) -> sameModel(p, reference) ? 0
                : p.subsetKind().equals("all") ? 1 : 2).thenComparing(Point::analysisId);
        Point flip = ok.stream().filter(p -> excludesNull(p, nullValue) != referenceExcludes).min(preference).orElseThrow();
        String what = sameModel(flip, reference) && !flip.subsetKind().equals("all")
                ? "dropping " + dropped(flip) + " changes significance"
                : "significance changes with " + flip.method() + "/" + flip.ciMethod() + "/" + flip.zeroRule()
                + " (" + flip.subset() + ")";
        return "fragile: " + share + (referenceExcludes ? " exclude " : " include ") + nullText + "; " + what;
    }

    /** The row ran under the primary's zero rule (rows of raw-count methods under its uncorrected form). */
    private static boolean sameZeroRule(Point p, AnalysisSpec primary) {
        io.aepool.stats.ZeroCellRule rule = io.aepool.stats.ZeroCellRule.parse(p.zeroRule());
        io.aepool.stats.ZeroCellRule wanted = io.aepool.stats.PoolingMethod.parse(p.method()).usesContinuityCorrection()
                ? primary.effectsZeroRule() : primary.zeroRule().withoutCorrection();
        return rule.equals(wanted) || rule.equals(primary.effectsZeroRule());
    }

    private static String dropped(Point p) {
        return p.subset().startsWith("loo:") ? p.subset().substring(4) : p.subset().substring(4).replace('=', ' ');
    }

    private static boolean sameModel(Point p, Point reference) {
        return p.method().equals(reference.method()) && p.ciMethod().equals(reference.ciMethod())
                && p.zeroRule().equals(reference.zeroRule()) && p.predictionInterval().equals(reference.predictionInterval());
    }

    private static boolean excludesNull(Point p, double nullValue) {
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
