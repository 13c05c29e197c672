package io.aepool.compute;

import io.aepool.plan.AnalysisGrid;
import io.aepool.plan.AnalysisRunner;
import io.aepool.plan.AnalysisSpec;
import io.aepool.plan.FamilyTable;
import io.aepool.plan.JobPlan;
import io.aepool.plan.Robustness;
import io.aepool.plan.StudyRecord;
import io.aepool.stats.EffectMeasure;
import io.aepool.stats.FragilityIndex;
import io.aepool.stats.Poolers;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The grid stage: every analysis of the plan and every family table as Spark tasks over the pure engine, the
 * multiverse summaries of the results, the fragility index of the primary and the registry rate tables.
 */
public final class GridStage {

    /** Spark job group of this stage (the Spark UI says what ran). */
    public static final String JOB_GROUP = "aepool-compute";

    /**
     * The registry incidence (exact counts) and the exposure groups its rate ratios compare; for recurrent outcomes
     * the cross sums of patients in two groups (robust intervals), and the stratum variable of the Mantel–Haenszel
     * rate ratio (or null).
     */
    public record RegistryInput(Dataset<Row> incidence, Set<String> experimental, List<String> comparators,
                                String pooled, Dataset<Row> crossSums, Set<String> recurrentOutcomes,
                                String adjustmentVariable) {
    }

    /**
     * @param families   family tables by name (conf order), then {@code registry_incidence} and
     *                   {@code registry_rate_ratios} when the run has registries
     * @param multiverse {@code robustness} and {@code specification_curve}
     */
    public record Result(Dataset<Row> analyses, Map<String, Dataset<Row>> families, Map<String, Dataset<Row>> multiverse,
                         List<Robustness.Point> points, List<Robustness.Summary> robustness,
                         List<Robustness.CurveRow> curve, Robustness.PoolChoice poolChoice,
                         FragilityIndex.Result fragility) {

        public Result {
            families = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(families)); // table order kept
            multiverse = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(multiverse));
            points = List.copyOf(points);
            robustness = List.copyOf(robustness);
            curve = List.copyOf(curve);
        }

        public Dataset<Row> subgroupTests() {
            return families.get("subgroup_tests");
        }

        public long notEstimable() {
            return points.stream().filter(p -> !"ok".equals(p.status())).count();
        }
    }

    private GridStage() {
    }

    /** @param registry the registry input, or null when the run has none */
    public static Result run(SparkSession spark, JobPlan plan, List<StudyRecord> records, RegistryInput registry) {
        spark.sparkContext().setJobGroup(JOB_GROUP, "the grid of analyses and family tables", false);
        Dataset<Row> analyses = DriverTables.sorted(spark,
                DistributedAnalyses.analyses(spark, plan.specs(), plan.pools(), records),
                List.of("pool", "outcome", "measure", "method", "ci_method", "prediction_interval", "zero_rule",
                        "subset_kind", "subset"));
        Map<String, Dataset<Row>> families = new LinkedHashMap<>();
        // all family tables in one Spark job; sorted on every column: files are byte-identical whatever the partitioning
        List<FamilyTable> tables = AnalysisGrid.familyTables(plan.axes());
        Map<String, List<Row>> rows = DistributedAnalyses.families(spark, tables, plan.specs(), plan.pools(), records);
        for (FamilyTable table : tables) {
            // each table's rows leave the map as they become a local table: about one copy of the rows at a time
            families.put(table.name(), DriverTables.sortedOnAllColumns(spark, rows.remove(table.name()),
                    DistributedAnalyses.schema(table.columns())));
        }
        if (registry != null) {
            RegistryRates.Tables rates = RegistryRates.compute(spark, registry.incidence(), registry.crossSums(),
                    registry.experimental(), registry.comparators(), registry.pooled(), registry.recurrentOutcomes(),
                    registry.adjustmentVariable());
            families.put("registry_incidence", rates.incidence().cache());
            families.put("registry_rate_ratios", rates.rateRatios().cache());
        }
        AnalysisSpec primary = plan.primary();
        List<Robustness.Point> points = points(analyses);
        List<Robustness.Summary> robustness = Robustness.summarise(points, primary);
        List<Robustness.CurveRow> curve = Robustness.curve(points, primary);
        Map<String, Dataset<Row>> multiverse = new LinkedHashMap<>();
        multiverse.put("robustness", spark.createDataFrame(robustness.stream().map(r -> RowFactory.create(r.values())).toList(),
                DistributedAnalyses.schema(Robustness.Summary.COLUMNS)));
        multiverse.put("specification_curve", spark.createDataFrame(curve.stream().map(r -> RowFactory.create(r.values())).toList(),
                DistributedAnalyses.schema(Robustness.CurveRow.COLUMNS)));
        return new Result(analyses, families, multiverse, points, robustness, curve, Robustness.pools(points, primary),
                fragility(plan, records));
    }

    /** The columns of the results the robustness summary reads (aggregates, small enough for the driver). */
    private static List<Robustness.Point> points(Dataset<Row> analyses) {
        return analyses.select("analysis_id", "pool", "outcome", "measure", "method", "ci_method", "prediction_interval",
                "zero_rule", "subset_kind", "subset", "estimate", "ci_low", "ci_high", "status").collectAsList().stream()
                .map(r -> new Robustness.Point(r.getString(0), r.getString(1), r.getString(2), EffectMeasure.parse(r.getString(3)),
                        r.getString(4), r.getString(5), r.getString(6), r.getString(7), r.getString(8), r.getString(9),
                        (Double) r.get(10), (Double) r.get(11), (Double) r.get(12), r.getString(13)))
                .toList();
    }

    /** The fragility index of the primary analysis over its studies (Atal et al. 2019; one arm of one study). */
    private static FragilityIndex.Result fragility(JobPlan plan, List<StudyRecord> records) {
        AnalysisSpec primary = plan.primary();
        List<io.aepool.stats.StudyCounts> studies = AnalysisRunner.counts(primary, plan.pools(), records);
        String noCounts = AnalysisRunner.noParticipantCounts(primary, plan.pools(), records);
        if (noCounts != null) {
            return FragilityIndex.Result.none(null, "not estimable: " + noCounts);
        }
        if (primary.measure() == EffectMeasure.IRR && studies.stream().anyMatch(s -> s.stratified() != null)) {
            // a registry's rate ratio adjusted over its strata is no pair of counts whose events one could change
            return FragilityIndex.Result.none(null, "not defined: a study's rate ratio is adjusted over its strata "
                    + "(Mantel-Haenszel), so no single event count decides it");
        }
        try {
            return FragilityIndex.of(Poolers.create(primary.measure(), primary.method(), primary.ciMethod(),
                    primary.effectsZeroRule(), primary.predictionInterval(), false), studies);
        } catch (IllegalArgumentException e) {
            // a primary the engine does not define (e.g. Peto for RR) is not in the grid either
            return FragilityIndex.Result.none(null, "not estimable: " + e.getMessage());
        }
    }
}
