package io.aepool.cli;

import io.aepool.aggregate.ArmTable;
import io.aepool.aggregate.OutcomeDefinition;
import io.aepool.aggregate.StudyCountsBuilder;
import io.aepool.aggregate.SubjectAggregator;
import io.aepool.aggregate.TreatmentArm;
import io.aepool.compute.DistributedAnalyses;
import io.aepool.compute.StudyRecords;
import io.aepool.ingest.AdamReader;
import io.aepool.ingest.ArmCountsReader;
import io.aepool.ingest.StudiesReader;
import io.aepool.ingest.Validation;
import io.aepool.plan.AnalysisGrid;
import io.aepool.plan.AnalysisSpec;
import io.aepool.plan.GridAxes;
import io.aepool.plan.Pool;
import io.aepool.plan.Robustness;
import io.aepool.plan.StudyRecord;
import io.aepool.plan.Subset;
import io.aepool.plan.FamilyTable;
import io.aepool.publish.ResultsPublisher;
import io.aepool.report.ReportWriter;
import io.aepool.stats.CiMethod;
import io.aepool.stats.EffectMeasure;
import io.aepool.stats.PoolingMethod;
import io.aepool.stats.PredictionInterval;
import io.aepool.stats.ZeroCellRule;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.Function;

import static org.apache.spark.sql.functions.col;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The job, stage by stage: ingest and validate every input, aggregate to study counts, expand the grid,
 * run it as Spark tasks, publish. Nothing is written until every input has passed validation.
 */
public final class JobRunner {

    /** What a finished run hands back to the console. */
    public record RunOutcome(Path out, Dataset<Row> analyses, Dataset<Row> subgroupTests,
                             List<Robustness.Summary> robustness, AnalysisSpec primary,
                             int comparisons, int specs, double wallSeconds) {
    }

    private static final Logger LOG = LoggerFactory.getLogger(JobRunner.class);

    private final SparkSession spark;
    private final JobConf conf;
    private final Path confFile;
    private final Path confDir;

    public JobRunner(SparkSession spark, JobConf conf, Path confFile) {
        this.spark = spark;
        this.conf = conf;
        this.confFile = confFile.toAbsolutePath().normalize();
        this.confDir = this.confFile.getParent();
    }

    public RunOutcome run(Path out) {
        long started = System.nanoTime();
        Instant startedAt = Instant.now();
        String runId = startedAt.toString().replaceAll("[^0-9]", "").substring(0, 14) + "-"
                + UUID.randomUUID().toString().substring(0, 8);

        spark.sparkContext().setJobGroup("aepool-ingest", "read and validate inputs", false);
        Validation validation = validation();
        Dataset<Row> studies = StudiesReader.readAll(spark,
                conf.inputs().studies().stream().map(this::resolve).toList(), validation).cache();
        LOG.info("study table read and validated in {} s", seconds(started));
        // cached: validation and the study-count build both read the arm table
        Dataset<Row> arms = readArms(studies, validation).cache();
        LOG.info("arm-level inputs read and validated by {} s", seconds(started));

        spark.sparkContext().setJobGroup("aepool-aggregate", "arm counts to study counts", false);
        List<StudyCountsBuilder.MultiArm> modes = parseMultiArm(conf.multiArm());
        // incomplete studies are rejected once, here; each arm-handling mode then builds from complete studies
        arms = StudyCountsBuilder.completeStudies(arms, validation).cache();
        Dataset<Row> studyCounts = null;
        for (StudyCountsBuilder.MultiArm mode : modes) {
            Dataset<Row> one = StudyCountsBuilder.build(arms, studies, mode);
            studyCounts = studyCounts == null ? one : studyCounts.unionByName(one);
        }
        studyCounts = studyCounts.orderBy(StudyCountsBuilder.DOSE_ARMS, "outcome", "comparison_id").cache();
        List<StudyRecord> records = StudyRecords.collect(studyCounts);
        LOG.info("inputs validated and aggregated to {} comparisons in {} s", records.size(), seconds(started));
        if (records.isEmpty()) {
            throw new ConfException("no comparison could be formed: every study needs an experimental and a control arm");
        }

        Map<String, Pool> pools = pools(modes);
        GridAxes axes = axes(pools);
        checkSubgroupVariables(axes, records);
        List<AnalysisSpec> specs = AnalysisGrid.expand(axes, records);
        AnalysisSpec primary = primary(pools, axes, records);

        Dataset<Row> analyses = DistributedAnalyses.analyses(spark, specs, pools, records)
                .orderBy("pool", "outcome", "measure", "method", "ci_method", "prediction_interval", "zero_rule",
                        "subset_kind", "subset")
                .cache();
        Map<String, Dataset<Row>> families = new LinkedHashMap<>();
        for (FamilyTable table : AnalysisGrid.familyTables(axes)) {
            // sorted on every column: files are byte-identical whatever the partitioning
            Dataset<Row> rows = DistributedAnalyses.family(spark, table, specs, pools, records);
            families.put(table.name(), rows.orderBy(Arrays.stream(rows.columns()).map(c -> col(c).asc_nulls_first())
                    .toArray(Column[]::new)).cache());
        }
        Dataset<Row> tests = families.get("subgroup_tests");
        List<Robustness.Summary> robustness = Robustness.summarise(points(analyses), primary);
        families.put("rejects", validation.rejects(spark).orderBy("file", "rule", "row_key", "value"));
        families.put("robustness", spark.createDataFrame(
                robustness.stream().map(r -> RowFactory.create(r.values())).toList(),
                DistributedAnalyses.schema(Robustness.Summary.COLUMNS)));
        long notEstimable = analyses.filter(col("status").notEqual("ok")).count();
        LOG.info("{} analyses and {} family tables computed by {} s", specs.size(), families.size(), seconds(started));

        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("run_id", runId);
        summary.put("started_at", startedAt.toString());
        summary.put("finished_at", Instant.now().toString());
        summary.put("conf", confFile.toString());
        summary.put("inputs", inputFiles());
        summary.put("input_rows", validation.accounting());
        summary.put("rejected_rows_by_rule", new java.util.TreeMap<>(validation.rejectedByRule()));
        summary.put("comparisons", records.size());
        summary.put("outcomes", new TreeSet<>(records.stream().map(StudyRecord::outcome).toList()));
        summary.put("pools", new ArrayList<>(pools.keySet()));
        summary.put("analyses", specs.size());
        summary.put("analyses_not_estimable", notEstimable);
        Map<String, Long> familyRows = new LinkedHashMap<>();
        families.forEach((name, table) -> familyRows.put(name, table.count()));
        summary.put("family_table_rows", familyRows);
        summary.put("primary", primarySummary(analyses, tests, primary));
        summary.put("robustness", robustness.stream().map(r -> {
            Map<String, Object> m = new LinkedHashMap<>();
            Object[] v = r.values();
            for (int i = 0; i < v.length; i++) {
                m.put(Robustness.Summary.COLUMNS.get(i).name(), v[i]);
            }
            return m;
        }).toList());

        spark.sparkContext().setJobGroup("aepool-publish", "write results", false);
        ResultsPublisher.publish(out, runId, new ResultsPublisher.RunTables(studyCounts, analyses, families, summary),
                ReportWriter::write);
        LOG.info("published to {} by {} s", out, seconds(started));
        return new RunOutcome(out, analyses, tests, robustness, primary, records.size(), specs.size(), seconds(started));
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

    private static double seconds(long startedNanos) {
        return Math.round((System.nanoTime() - startedNanos) / 1e8) / 10.0;
    }

    private Validation validation() {
        JobConf.ValidationConf v = conf.validation();
        if (v == null) {
            return Validation.defaults();
        }
        try {
            Map<String, Validation.Action> perRule = new LinkedHashMap<>();
            if (v.rules() != null) {
                v.rules().forEach((id, action) -> perRule.put(id, Validation.parseAction(action)));
            }
            return new Validation(v.rowLevel() == null ? Validation.Action.QUARANTINE : Validation.parseAction(v.rowLevel()),
                    perRule);
        } catch (IllegalArgumentException e) {
            throw new ConfException("conf validation: " + e.getMessage());
        }
    }

    private Dataset<Row> readArms(Dataset<Row> studies, Validation validation) {
        List<Dataset<Row>> parts = new ArrayList<>();
        if (conf.inputs().armCounts() != null) {
            for (String f : conf.inputs().armCounts()) {
                String file = resolve(f);
                parts.add(ArmTable.fromPublished(ArmCountsReader.read(spark, file, studies, validation), file));
            }
        }
        if (conf.inputs().adam() != null) {
            List<TreatmentArm> treatments = conf.treatments().stream()
                    .map(t -> new TreatmentArm(t.treatment(), t.role(), t.doseMg())).toList();
            Set<String> known = new LinkedHashSet<>(treatments.stream().map(TreatmentArm::treatment).toList());
            List<OutcomeDefinition> outcomes = conf.outcomes().stream()
                    .map(o -> new OutcomeDefinition(o.name(), !Boolean.FALSE.equals(o.treatmentEmergent()),
                            !Boolean.FALSE.equals(o.serious()), o.socs(), o.preferredTerms()))
                    .toList();
            for (JobConf.AdamPair pair : conf.inputs().adam()) {
                String adslFile = resolve(pair.adsl());
                Dataset<Row> adsl = AdamReader.readSubjects(spark, adslFile, studies, known, validation).cache();
                Dataset<Row> adae = AdamReader.readEvents(spark, resolve(pair.adae()), adsl, validation);
                parts.add(SubjectAggregator.aggregate(spark, adsl, adae, treatments, outcomes, adslFile));
            }
        }
        Dataset<Row> all = parts.get(0);
        for (int i = 1; i < parts.size(); i++) {
            all = all.unionByName(parts.get(i));
        }
        return all;
    }

    /**
     * Pools from the conf. When multi-arm trials are both combined and split, a pool that does not choose
     * with {@code dose_arms} takes the combined comparisons, so no trial enters one pool twice.
     */
    private Map<String, Pool> pools(List<StudyCountsBuilder.MultiArm> modes) {
        Map<String, Pool> pools = new LinkedHashMap<>();
        List<JobConf.PoolConf> declared = conf.pools() == null || conf.pools().isEmpty()
                ? List.of(new JobConf.PoolConf("all", Map.of())) : conf.pools();
        for (JobConf.PoolConf p : declared) {
            Map<String, Set<String>> where = new LinkedHashMap<>();
            if (p.where() != null) {
                p.where().forEach((k, v) -> where.put(k, new LinkedHashSet<>(v)));
            }
            if (modes.size() > 1 && !where.containsKey(StudyCountsBuilder.DOSE_ARMS)) {
                where.put(StudyCountsBuilder.DOSE_ARMS, Set.of(modes.get(0).label()));
            }
            try {
                if (pools.put(p.name(), new Pool(p.name(), where)) != null) {
                    throw new ConfException("conf pools: pool name '" + p.name() + "' is used twice");
                }
            } catch (IllegalArgumentException e) {
                throw new ConfException("conf pools: " + e.getMessage());
            }
        }
        return pools;
    }

    private GridAxes axes(Map<String, Pool> pools) {
        JobConf.Analysis a = conf.analysis();
        try {
            return new GridAxes(new ArrayList<>(pools.values()),
                    parseAll(a.measures(), List.of("RR"), EffectMeasure::parse),
                    parseAll(a.methods(), List.of("MH"), PoolingMethod::parse),
                    parseAll(a.ciMethods(), List.of("wald-z"), CiMethod::parse),
                    parseAll(a.predictionIntervals(), List.of(PredictionInterval.DEFAULT.label()), PredictionInterval::parse),
                    parseAll(a.zeroRules(), List.of(ZeroCellRule.DEFAULT.label()), ZeroCellRule::parse),
                    !Boolean.FALSE.equals(a.leaveOneOut()),
                    Boolean.TRUE.equals(a.cumulative()),
                    Boolean.TRUE.equals(a.leaveSubgroupOut()),
                    a.subgroups() == null ? List.of() : a.subgroups(),
                    subgroupTau2(a.subgroupTau2()),
                    a.metaRegression() == null ? List.of() : a.metaRegression());
        } catch (IllegalArgumentException e) {
            throw new ConfException("conf analysis: " + e.getMessage());
        }
    }

    /** Whether subgroup tests also fit one tau² shared by the subgroups ("separate" is always reported). */
    private static boolean subgroupTau2(List<String> models) {
        if (models == null || models.isEmpty()) {
            return false;
        }
        for (String m : models) {
            if (!m.equals("separate") && !m.equals("common")) {
                throw new ConfException("conf analysis.subgroup_tau2: '" + m + "' must be separate or common");
            }
        }
        return models.contains("common");
    }

    private static void checkSubgroupVariables(GridAxes axes, List<StudyRecord> records) {
        for (String v : axes.subgroupVariables()) {
            if (records.stream().allMatch(r -> r.attribute(v) == null)) {
                throw new ConfException("conf analysis.subgroups: '" + v + "' is not a column of the studies table");
            }
        }
        for (String v : axes.metaRegressionCovariates()) {
            if (records.stream().allMatch(r -> r.attribute(v) == null)) {
                throw new ConfException("conf analysis.meta_regression: '" + v + "' is not a column of the studies table");
            }
        }
    }

    private AnalysisSpec primary(Map<String, Pool> pools, GridAxes axes, List<StudyRecord> records) {
        JobConf.Primary p = conf.primary();
        String pool = p != null && p.pool() != null ? p.pool() : pools.keySet().iterator().next();
        if (!pools.containsKey(pool)) {
            throw new ConfException("conf primary.pool: unknown pool '" + pool + "' (pools: " + pools.keySet() + ")");
        }
        String outcome = p != null && p.outcome() != null ? p.outcome() : records.get(0).outcome();
        if (records.stream().noneMatch(r -> r.outcome().equals(outcome))) {
            throw new ConfException("conf primary.outcome: unknown outcome '" + outcome + "' (outcomes in the data: "
                    + new TreeSet<>(records.stream().map(StudyRecord::outcome).toList()) + ")");
        }
        try {
            return new AnalysisSpec(pool, outcome,
                    p != null && p.measure() != null ? EffectMeasure.parse(p.measure()) : axes.measures().get(0),
                    p != null && p.method() != null ? PoolingMethod.parse(p.method()) : axes.methods().get(0),
                    p != null && p.ciMethod() != null ? CiMethod.parse(p.ciMethod()) : CiMethod.WALD_Z,
                    axes.predictionIntervals().get(0), axes.zeroRules().get(0), Subset.ALL);
        } catch (IllegalArgumentException e) {
            throw new ConfException("conf primary: " + e.getMessage());
        }
    }

    private static Map<String, Object> primarySummary(Dataset<Row> analyses, Dataset<Row> tests, AnalysisSpec primary) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("analysis_id", primary.id());
        out.put("spec", primary.canonical());
        List<Row> rows = analyses.filter(col("analysis_id").equalTo(primary.id())).collectAsList();
        if (!rows.isEmpty()) {
            Row r = rows.get(0);
            for (String c : r.schema().fieldNames()) {
                out.put(c, r.get(r.fieldIndex(c)));
            }
        } else {
            out.put("status", "primary analysis is not in the grid: check primary against analysis axes and pools");
        }
        List<Map<String, Object>> subgroupTests = new ArrayList<>();
        for (Row t : tests.filter(col("pool").equalTo(primary.pool()).and(col("outcome").equalTo(primary.outcome()))
                .and(col("measure").equalTo(primary.measure().name())).and(col("method").equalTo(primary.method().name()))
                .and(col("ci_method").equalTo(primary.ciMethod().label()))
                .and(col("prediction_interval").equalTo(primary.predictionInterval().label()))
                .and(col("zero_rule").equalTo(primary.zeroRule().label()))).collectAsList()) {
            Map<String, Object> m = new LinkedHashMap<>();
            for (String c : List.of("variable", "tau2_model", "groups", "q_between", "df", "p_value", "status")) {
                m.put(c, t.get(t.fieldIndex(c)));
            }
            subgroupTests.add(m);
        }
        out.put("subgroup_tests", subgroupTests);
        return out;
    }

    private List<String> inputFiles() {
        List<String> files = new ArrayList<>();
        conf.inputs().studies().forEach(f -> files.add(resolve(f)));
        if (conf.inputs().armCounts() != null) {
            conf.inputs().armCounts().forEach(f -> files.add(resolve(f)));
        }
        if (conf.inputs().adam() != null) {
            conf.inputs().adam().forEach(p -> {
                files.add(resolve(p.adsl()));
                files.add(resolve(p.adae()));
            });
        }
        return files;
    }

    private String resolve(String file) {
        return confDir.resolve(file).normalize().toString();
    }

    private static List<StudyCountsBuilder.MultiArm> parseMultiArm(List<String> values) {
        if (values == null || values.isEmpty()) {
            return List.of(StudyCountsBuilder.MultiArm.COMBINE);
        }
        List<StudyCountsBuilder.MultiArm> modes = new ArrayList<>();
        for (String value : values) {
            StudyCountsBuilder.MultiArm mode = switch (value) {
                case "combine" -> StudyCountsBuilder.MultiArm.COMBINE;
                case "by_dose" -> StudyCountsBuilder.MultiArm.BY_DOSE;
                default -> throw new ConfException("conf multi_arm: '" + value + "' must be combine or by_dose");
            };
            if (!modes.contains(mode)) {
                modes.add(mode);
            }
        }
        return modes;
    }

    private static <T> List<T> parseAll(List<String> values, List<String> defaults, Function<String, T> parse) {
        return (values == null || values.isEmpty() ? defaults : values).stream().map(parse).toList();
    }
}
