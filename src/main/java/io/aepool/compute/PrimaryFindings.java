package io.aepool.compute;

import io.aepool.plan.AnalysisSpec;
import io.aepool.plan.JobPlan;
import io.aepool.plan.Robustness;
import io.aepool.stats.EffectMeasure;
import io.aepool.stats.FragilityIndex;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.apache.spark.sql.functions.col;

/**
 * The primary analysis as the summary and the console read it: the rows fitted like it, and its findings as plain
 * values (maps, lists, numbers) for {@code summary.json}.
 */
public final class PrimaryFindings {

    private PrimaryFindings() {
    }

    /** Rows about the primary's question: its pool, outcome and measure, whatever the model. */
    public static Column sameQuestion(AnalysisSpec p) {
        return col("pool").equalTo(p.pool()).and(col("outcome").equalTo(p.outcome()))
                .and(col("measure").equalTo(p.measure().name()));
    }

    /**
     * Rows of a results table (analyses, subgroup tests) fitted with the primary's model: its question and its method,
     * interval, prediction interval and zero rule, whatever the subset.
     */
    public static Column sameModel(AnalysisSpec p) {
        return sameQuestion(p).and(col("method").equalTo(p.method().name()))
                .and(col("ci_method").equalTo(p.ciMethod().label()))
                .and(col("prediction_interval").equalTo(p.predictionInterval().label()))
                .and(col("zero_rule").equalTo(p.zeroRule().label()));
    }

    /** summary.json's {@code primary}: the primary's row, its subgroup tests, fragility and multiverse verdicts. */
    public static Map<String, Object> summary(JobPlan plan, GridStage.Result grid) {
        AnalysisSpec primary = plan.primary();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("analysis_id", primary.id());
        out.put("spec", primary.canonical());
        List<Row> rows = grid.analyses().filter(col("analysis_id").equalTo(primary.id())).collectAsList();
        if (!rows.isEmpty()) {
            Row r = rows.get(0);
            for (String c : r.schema().fieldNames()) {
                out.put(c, r.get(r.fieldIndex(c)));
            }
        } else {
            out.put("status", "primary analysis is not in the grid: check primary against analysis axes and pools");
        }
        List<Map<String, Object>> subgroupTests = new ArrayList<>();
        for (Row t : grid.subgroupTests().filter(sameModel(primary)).collectAsList()) {
            subgroupTests.add(columns(t, List.of("variable", "tau2_model", "groups", "q_between", "df", "p_value", "status")));
        }
        out.put("subgroup_tests", subgroupTests);
        out.put("fragility_index", grid.fragility().index());
        out.put("fragility", fragility(grid.fragility(), primary.measure()));
        Robustness.PoolChoice poolChoice = grid.poolChoice();
        Map<String, Object> poolChoices = new LinkedHashMap<>();
        poolChoices.put("pools", poolChoice.pools());
        poolChoices.put("distinct_analyses", poolChoice.distinct());
        poolChoices.put("flipping_pools", poolChoice.flipping());
        poolChoices.put("text", poolChoice.text());
        out.put("pool_choices", poolChoices);
        // methods pooling raw counts say zero_rule none: the report takes their per-study-effect siblings at this rule
        out.put("configured_zero_rule", plan.configuredZeroRule().label());
        // the headline of the multiverse: the primary's distinct-analysis verdict and its specification curve
        grid.robustness().stream().filter(r -> r.pool().equals(primary.pool()) && r.outcome().equals(primary.outcome())
                && r.measure() == primary.measure()).findFirst().ifPresent(r -> out.put("robustness_verdict", r.verdict()));
        List<Robustness.CurveRow> curve = grid.curve().stream().filter(c -> c.pool().equals(primary.pool())
                && c.outcome().equals(primary.outcome()) && c.measure() == primary.measure()).toList();
        Map<String, Object> curveSummary = new LinkedHashMap<>();
        curveSummary.put("table", "specification_curve.csv");
        curveSummary.put("distinct_analyses", curve.size());
        curveSummary.put("excluding_null", curve.stream().filter(Robustness.CurveRow::excludesNull).count());
        curveSummary.put("min_estimate", curve.isEmpty() ? null : curve.get(0).estimate());
        curveSummary.put("max_estimate", curve.isEmpty() ? null : curve.get(curve.size() - 1).estimate());
        out.put("specification_curve", curveSummary);
        return out;
    }

    /** summary.json's {@code robustness}: a map per row of robustness.csv. */
    public static List<Map<String, Object>> robustness(List<Robustness.Summary> summaries) {
        return summaries.stream().map(r -> {
            Map<String, Object> m = new LinkedHashMap<>();
            Object[] v = r.values();
            for (int i = 0; i < v.length; i++) {
                m.put(Robustness.Summary.COLUMNS.get(i).name(), v[i]);
            }
            return m;
        }).toList();
    }

    private static Map<String, Object> columns(Row r, List<String> names) {
        Map<String, Object> m = new LinkedHashMap<>();
        names.forEach(c -> m.put(c, r.get(r.fieldIndex(c))));
        return m;
    }

    /** The fragility index, the change that attains it and the interval after it. */
    private static Map<String, Object> fragility(FragilityIndex.Result f, EffectMeasure measure) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("index", f.index());
        m.put("significant", f.significant());
        m.put("study_id", f.studyId());
        m.put("arm", f.arm() == null ? null : f.arm().label());
        m.put("direction", f.direction());
        m.put("events_changed", f.index() == null ? null : f.change());
        m.put("estimate_after", finite(f.estimate()));
        m.put("ci_low_after", finite(f.ciLow()));
        m.put("ci_high_after", finite(f.ciHigh()));
        m.put("status", f.status());
        m.put("text", f.describe(measure));
        return m;
    }

    private static Double finite(double v) {
        return Double.isFinite(v) ? v : null;
    }
}
