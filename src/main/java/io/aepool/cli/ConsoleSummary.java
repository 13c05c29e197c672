package io.aepool.cli;

import io.aepool.compute.PrimaryFindings;
import io.aepool.plan.AnalysisSpec;
import io.aepool.stats.CiMethod;
import io.aepool.stats.PoolingMethod;
import io.aepool.stats.ZeroCellRule;
import org.apache.spark.sql.Row;

import java.util.List;
import java.util.Locale;

import static org.apache.spark.sql.functions.col;

/** The readable console view of a run: the primary analysis, its sensitivity and where the files are. */
final class ConsoleSummary {

    private ConsoleSummary() {
    }

    // methods whose estimate takes no continuity correction: their rows say zero_rule none,<drop00|keep00>
    private static final Object[] RAW_COUNT_METHODS = java.util.Arrays.stream(PoolingMethod.values())
            .filter(m -> !m.usesContinuityCorrection()).map(PoolingMethod::name).toArray();

    /**
     * The primary pool's network for the primary outcome (drug nodes, the primary measure or OR, random effects where
     * estimated, the largest component): the treatments from most to least likely to have fewer events, with their
     * P-scores, and the design-by-treatment test of consistency.
     */
    private static void network(RunOutcome run, AnalysisSpec p, StringBuilder out) {
        if (run.networkEffects() == null) {
            return;
        }
        List<Row> rows = run.networkEffects().filter(col("pool").equalTo(p.pool()).and(col("outcome").equalTo(p.outcome()))
                .and(col("component").equalTo(1))).collectAsList();
        if (rows.isEmpty()) {
            return;
        }
        String measure = rows.stream().anyMatch(r -> p.measure().name().equals(r.getString(r.fieldIndex("measure"))))
                ? p.measure().name() : rows.get(0).getString(rows.get(0).fieldIndex("measure"));
        String kind = rows.stream().anyMatch(r -> "drug".equals(r.getString(r.fieldIndex("nodes")))) ? "drug"
                : rows.get(0).getString(rows.get(0).fieldIndex("nodes"));
        // the report's rule: random effects where this measure's and node kind's network has them
        String model = rows.stream().anyMatch(r -> measure.equals(r.getString(r.fieldIndex("measure")))
                && kind.equals(r.getString(r.fieldIndex("nodes"))) && "random".equals(r.getString(r.fieldIndex("model"))))
                ? "random" : "common";
        List<Row> mine = new java.util.ArrayList<>(rows.stream().filter(r -> measure.equals(r.getString(r.fieldIndex("measure")))
                && kind.equals(r.getString(r.fieldIndex("nodes"))) && model.equals(r.getString(r.fieldIndex("model")))
                && r.get(r.fieldIndex("p_score")) != null).toList());
        mine.sort(java.util.Comparator.comparingDouble((Row r) -> -r.getDouble(r.fieldIndex("p_score"))));
        if (mine.isEmpty()) {
            return;
        }
        out.append(String.format(Locale.ROOT, "  network (%s, %s, %s effects, vs %s): P-score for fewer events: %s%n",
                kind, measure, model, mine.get(0).getString(mine.get(0).fieldIndex("reference")),
                String.join(", ", mine.stream().map(r -> r.getString(r.fieldIndex("treatment")) + " "
                        + String.format(Locale.ROOT, "%.2f", r.getDouble(r.fieldIndex("p_score")))).toList())));
        if (run.networkConsistency() != null) {
            for (Row t : run.networkConsistency().filter(col("pool").equalTo(p.pool()).and(col("outcome").equalTo(p.outcome()))
                    .and(col("component").equalTo(1)).and(col("measure").equalTo(measure)).and(col("nodes").equalTo(kind))
                    .and(col("check").equalTo("design-by-treatment"))).collectAsList()) {
                Object df = t.get(t.fieldIndex("df"));
                out.append(df == null || ((Number) df).intValue() == 0
                        ? "  network consistency: no closed loop of evidence (design-by-treatment df = 0): cannot be checked\n"
                        : String.format(Locale.ROOT, "  network consistency: design-by-treatment Q = %s on %s df, p = %s%n",
                        fmt(t, "statistic"), df, fmt(t, "p_value")));
            }
        }
    }

    private static boolean isBayes(Row r) {
        return PoolingMethod.BAYES.name().equals(r.getString(r.fieldIndex("method")));
    }

    static String render(RunOutcome run) {
        AnalysisSpec p = run.primary();
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "%naepool: %d comparisons, %d analyses in %.1f s%n",
                run.comparisons(), run.specs(), run.wallSeconds()));
        if (run.quarantine() != null && run.quarantine().any()) {
            // never silent: what validation left out, by rule and study (ids only), and where the ledger is
            out.append(run.quarantine().console(run.rejectsFile()));
        }
        out.append(String.format(Locale.ROOT, "Primary analysis  pool=%s  outcome=%s  measure=%s  zero rule=%s%n",
                p.pool(), p.outcome(), p.measure(), p.zeroRule().label()));

        // methods on per-study effects at the conf's first zero rule; methods on raw counts at its uncorrected form
        String configured = run.configuredZeroRule() == null ? p.zeroRule().label() : run.configuredZeroRule();
        String uncorrected = ZeroCellRule.parse(configured).withoutCorrection().label();
        List<Row> methods = run.analyses().filter(PrimaryFindings.sameQuestion(p)
                .and(col("zero_rule").equalTo(configured).or(col("method").isin(RAW_COUNT_METHODS)
                        .and(col("zero_rule").equalTo(uncorrected))))
                .and(col("prediction_interval").equalTo(p.predictionInterval().label())
                        .or(col("method").equalTo(PoolingMethod.BAYES.name())))
                // the untruncated Hartung-Knapp interval can be narrower than Wald's: the ad hoc one is shown
                .and(col("ci_method").notEqual(CiMethod.HKSJ.label()))
                .and(col("subset").equalTo("all"))).collectAsList();
        out.append(String.format(Locale.ROOT, "  %-6s %-10s %4s %13s %13s %9s %22s %9s %7s %8s %s%n",
                "method", "ci", "k", "events exp", "events ctl", p.measure(), "95% CI", "p", "I2", "tau2", "status"));
        for (Row r : methods) {
            out.append(String.format(Locale.ROOT, "%s %-6s %-10s %4d %13s %13s %9s %22s %9s %7s %8s %s%n",
                    r.getString(r.fieldIndex("analysis_id")).equals(p.id()) ? "*" : " ",
                    r.getString(r.fieldIndex("method")), r.getString(r.fieldIndex("ci_method")),
                    r.getInt(r.fieldIndex("k")),
                    r.getLong(r.fieldIndex("events_exp")) + "/" + orUnknown(r.get(r.fieldIndex("n_exp"))),
                    r.getLong(r.fieldIndex("events_ctl")) + "/" + orUnknown(r.get(r.fieldIndex("n_ctl"))),
                    fmt(r, "estimate"), "(" + fmt(r, "ci_low") + " to " + fmt(r, "ci_high") + ")",
                    isBayes(r) ? "-" : fmt(r, "p_value"), pct(r, "i2"), fmt(r, "tau2"), r.getString(r.fieldIndex("status"))));
        }
        for (Row r : methods) {
            if (isBayes(r) && r.get(r.fieldIndex("prob_above_1")) != null) {
                // a Bayesian row has no p-value: its posterior probabilities of harm say what the reader asks
                out.append(String.format(Locale.ROOT, "  BAYES %s: credible interval; P(%s > 1) = %s, P(%s > %s) = %s;"
                                + " posterior predictive interval %s to %s%n",
                        r.getString(r.fieldIndex("prior")), p.measure(), fmt(r, "prob_above_1"), p.measure(),
                        fmt(r, "prob_threshold"), fmt(r, "prob_above_threshold"), fmt(r, "pi_low"), fmt(r, "pi_high")));
            }
        }
        List<Row> loo = sortedOnDriver(run.analyses().filter(PrimaryFindings.sameModel(p)
                .and(col("subset_kind").equalTo("loo")).and(col("estimate").isNotNull())), "estimate");
        if (!loo.isEmpty()) {
            Row lo = loo.get(0);
            Row hi = loo.get(loo.size() - 1);
            out.append(String.format(Locale.ROOT, "  leave-one-out (%s): %s from %s (without %s) to %s (without %s)%n",
                    p.method(), p.measure(), fmt(lo, "estimate"), lo.getString(lo.fieldIndex("subset")).substring(4),
                    fmt(hi, "estimate"), hi.getString(hi.fieldIndex("subset")).substring(4)));
        }
        for (Row t : run.subgroupTests().filter(PrimaryFindings.sameModel(p)).collectAsList()) {
            if ("design".equals(t.getString(t.fieldIndex("variable"))) && t.getInt(t.fieldIndex("groups")) < 2) {
                continue; // design is a subgroup only where a pool mixes trials and registries
            }
            out.append(String.format(Locale.ROOT, "  subgroups by %-10s %-8s tau2: Q-between %s on %d df, p = %s  (%s)%n",
                    t.getString(t.fieldIndex("variable")), t.getString(t.fieldIndex("tau2_model")), fmt(t, "q_between"),
                    t.getInt(t.fieldIndex("df")),
                    fmt(t, "p_value"), t.getString(t.fieldIndex("status"))));
        }
        for (io.aepool.plan.Robustness.Summary r : run.robustness()) {
            if (r.pool().equals(p.pool()) && r.outcome().equals(p.outcome())) {
                out.append(String.format(Locale.ROOT, "  robustness %-3s %s%n", r.measure(), r.verdict()));
            }
        }
        network(run, p, out);
        if (run.poolChoice() != null) {
            out.append(String.format(Locale.ROOT, "  pools (data choice, primary method) %s%n", run.poolChoice().text()));
        }
        if (run.fragility() != null) {
            out.append(String.format(Locale.ROOT, "  fragility index (primary, %s %s): %s%n", p.method(),
                    p.ciMethod().label(), run.fragility().describe(p.measure())));
        }
        List<Row> combined = sortedOnDriver(run.analyses().filter(col("designs_combined").isNotNull()
                .and(col("subset").equalTo("all"))).select("pool").distinct(), "pool");
        if (!combined.isEmpty()) {
            out.append(String.format(Locale.ROOT, "  warning: pools %s pool trials and registries into one estimate "
                    + "(combine_designs: true); read it beside each design's estimate and the test between designs%n",
                    combined.stream().map(r -> r.getString(0)).toList()));
        }
        if (run.sharedRateRatios() != null) {
            // the shared (small-cell suppressed) view: the console is as public as the CSVs
            for (Row r : sortedOnDriver(run.sharedRateRatios().filter(col("stratum_variable").equalTo("all")
                    .and(col("pooled"))), "outcome", "registry_id", "experimental_group")) {
                String irr = r.getString(r.fieldIndex("irr"));
                String mh = r.getString(r.fieldIndex("mh_irr"));
                out.append(String.format(Locale.ROOT, "  registry %-12s %-18s %s vs %s: IRR %s (%s to %s) crude%s  %s%n",
                        r.getString(r.fieldIndex("registry_id")), r.getString(r.fieldIndex("outcome")),
                        r.getString(r.fieldIndex("experimental_group")), r.getString(r.fieldIndex("comparator_group")),
                        shortNumber(irr), shortNumber(r.getString(r.fieldIndex("ci_low"))),
                        shortNumber(r.getString(r.fieldIndex("ci_high"))),
                        mh == null ? "" : String.format(Locale.ROOT, ", %s (%s to %s) Mantel-Haenszel over strata",
                                shortNumber(mh), shortNumber(r.getString(r.fieldIndex("mh_ci_low"))),
                                shortNumber(r.getString(r.fieldIndex("mh_ci_high")))),
                        r.getString(r.fieldIndex("status"))));
            }
        }
        out.append("Results: ").append(run.out().toAbsolutePath().normalize())
                .append(" (analyses.csv, study_counts.csv, subgroup_tests.csv, small_study_tests.csv, trim_and_fill.csv,"
                        + " influence.csv, funnel.csv, meta_regression.csv, registry_incidence.csv, registry_attrition.csv,"
                        + " registry_rate_ratios.csv, robustness.csv, specification_curve.csv, rejects.csv, changes.csv,"
                        + " summary.json, manifest.json; Parquet beside each;"
                        + " report/index.html)");
        return out.toString();
    }

    private static String shortNumber(String v) {
        if (v == null) {
            return "-";
        }
        try {
            return String.format(Locale.ROOT, "%.2f", Double.parseDouble(v));
        } catch (NumberFormatException e) {
            return v; // "suppressed"
        }
    }

    private static String fmt(Row r, String column) {
        Object v = r.get(r.fieldIndex(column));
        if (v == null) {
            return "-";
        }
        double d = ((Number) v).doubleValue();
        return Math.abs(d) >= 0.001 || d == 0 ? String.format(Locale.ROOT, "%.3f", d) : String.format(Locale.ROOT, "%.2e", d);
    }

    private static String pct(Row r, String column) {
        Object v = r.get(r.fieldIndex(column));
        return v == null ? "-" : String.format(Locale.ROOT, "%.0f%%", 100 * ((Number) v).doubleValue());
    }

    /** An arm total, or "?" when a study gave events and person-years without arm sizes. */
    private static String orUnknown(Object n) {
        return n == null ? "?" : n.toString();
    }

    /**
     * A few result rows, collected and put in Spark's ascending order (nulls first) on the driver: a Spark sort of a
     * handful of rows costs a sampling job and a shuffle (a console summary ran six Spark jobs); rows that tie keep
     * the order collected.
     */
    private static List<Row> sortedOnDriver(org.apache.spark.sql.Dataset<Row> rows, String... columns) {
        List<Row> out = new java.util.ArrayList<>(rows.collectAsList());
        out.sort(io.aepool.compute.DriverTables.ascendingNullsFirst(rows.schema(), List.of(columns)));
        return out;
    }
}
