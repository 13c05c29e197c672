package io.aepool.cli;

import io.aepool.aggregate.ArmTable;
import io.aepool.aggregate.OutcomeDefinition;
import io.aepool.aggregate.StudyCountsBuilder;
import io.aepool.aggregate.SubjectAggregator;
import io.aepool.aggregate.AtRiskWindow;
import io.aepool.aggregate.TreatmentArm;
import io.aepool.compute.DistributedAnalyses;
import io.aepool.compute.DriverTables;
import io.aepool.compute.RegistryRates;
import io.aepool.compute.StudyRecords;
import io.aepool.ingest.AdamReader;
import io.aepool.ingest.ArmCountsReader;
import io.aepool.ingest.StudiesReader;
import io.aepool.ingest.Validation;
import io.aepool.plan.AnalysisGrid;
import io.aepool.plan.AnalysisRunner;
import io.aepool.plan.AnalysisSpec;
import io.aepool.plan.GridAxes;
import io.aepool.plan.Pool;
import io.aepool.plan.Robustness;
import io.aepool.stats.FragilityIndex;
import io.aepool.stats.Poolers;
import io.aepool.stats.StudyCounts;
import io.aepool.plan.StudyRecord;
import io.aepool.plan.Subset;
import io.aepool.plan.FamilyTable;
import io.aepool.publish.ResultsPublisher;
import io.aepool.plan.ChangeReport;
import io.aepool.publish.InputFingerprints;
import io.aepool.publish.RunHistory;
import io.aepool.publish.RunManifest;
import io.aepool.publish.SmallCells;
import java.util.HashMap;
import java.util.Optional;
import java.util.SortedSet;
import static org.apache.spark.sql.functions.lit;

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
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.OptionalInt;
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
                             FragilityIndex.Result fragility, Robustness.PoolChoice poolChoice,
                             int comparisons, int specs, double wallSeconds, boolean upToDate, int flaggedChanges,
                             int changes, Dataset<Row> sharedRateRatios, String configuredZeroRule,
                             Quarantine quarantine, Path rejectsFile) {

        static RunOutcome skipped(Path out) {
            return new RunOutcome(out, null, null, List.of(), null, null, null, 0, 0, 0, true, 0, 0, null, null,
                    Quarantine.NONE, null);
        }
    }

    /**
     * How a run publishes. Plain: {@code out} is the results directory, swapped in whole. Nightly: {@code out} is a
     * history root ({@code runs/<run_id>/} and a {@code current} link); a run whose input fingerprint equals the
     * current run's is skipped unless forced, changes are reported against the current run, old runs are pruned.
     *
     * Nightly runs keep a private state under {@code <out>/.state} (patient-level, never published) and read only
     * the registry extract partitions that arrived since the previous run; {@code full} recomputes from every
     * partition and rewrites the state.
     *
     * @param asOf   registry extracts up to this date (null: plain runs read every extract; nightly runs the newest)
     * @param strict any input row rejected by validation stops the run ({@link RejectedRowsException}, exit 2) before
     *               anything is published; without it such rows are quarantined and the run goes on
     */
    public record Mode(boolean nightly, boolean force, LocalDate asOf, boolean full, boolean strict) {
        public static final Mode PLAIN = new Mode(false, false, null, false, false);

        public Mode(boolean nightly, boolean force, LocalDate asOf, boolean full) {
            this(nightly, force, asOf, full, false);
        }

        public Mode(boolean nightly, boolean force, LocalDate asOf) {
            this(nightly, force, asOf, false);
        }
    }

    /** The private state directory of a nightly history root. */
    public static final String STATE_DIR = ".state";

    private static final Logger LOG = LoggerFactory.getLogger(JobRunner.class);

    private final SparkSession spark;
    private final JobConf conf;
    private final Path confFile;
    private final Path confDir;
    // set when a pool holds trials and registries: design then joins the subgroup variables
    private boolean mixedDesigns;
    // registry extracts are read up to this date and follow-up ends there (null: every extract)
    private LocalDate asOf;
    // the registry inputs' contribution, when the conf has any
    private RegistryStage.Result registries;
    // nightly runs: where registry aggregates resume from (null: every partition is read, nothing is kept)
    private RegistryStage.StateMode state;

    public JobRunner(SparkSession spark, JobConf conf, Path confFile) {
        this.spark = spark;
        this.conf = conf;
        this.confFile = confFile.toAbsolutePath().normalize();
        this.confDir = this.confFile.getParent();
    }

    public RunOutcome run(Path out) {
        return run(out, Mode.PLAIN);
    }

    public RunOutcome run(Path out, Mode mode) {
        try {
            return runStages(out, mode);
        } finally {
            restoreSqlConfs();
        }
    }

    private RunOutcome runStages(Path out, Mode mode) {
        long started = System.nanoTime();
        Instant startedAt = Instant.now();
        String runId = startedAt.toString().replaceAll("[^0-9]", "").substring(0, 14) + "-"
                + UUID.randomUUID().toString().substring(0, 8);
        List<Path> inputPaths = new ArrayList<>();
        inputFiles().forEach(f -> inputPaths.add(Path.of(f)));
        RegistryStage.files(conf, this::resolve).forEach(f -> inputPaths.add(Path.of(f)));
        asOf = mode.asOf() != null ? mode.asOf()
                : mode.nightly() ? InputFingerprints.newestExtractDate(inputPaths).orElse(null) : null;
        List<InputFingerprints.FileEntry> fingerprints = asOf == null ? InputFingerprints.of(inputPaths)
                : InputFingerprints.of(inputPaths, InputFingerprints.asOf(asOf));
        String fingerprint = RunManifest.fingerprint(confFile, asOf, fingerprints);
        interpretSmallInputs(fingerprints.stream().mapToLong(InputFingerprints.FileEntry::sizeBytes).sum());
        if (mode.nightly() && !mode.force() && !mode.full() && RunHistory.upToDate(out, fingerprint)
                // --strict is no part of the fingerprint: a current run that quarantined rows is not good enough
                && !(mode.strict() && Quarantine.rowsOf(RunHistory.current(out).orElse(null)) > 0)) {
            LOG.info("inputs, conf and code unchanged since the current run (fingerprint {}): up to date", fingerprint);
            return RunOutcome.skipped(out);
        }

        if (mode.nightly()) {
            Integer segments = conf.nightly() == null ? null : conf.nightly().stateSegments();
            if (segments != null && segments < 2) {
                throw new ConfException("conf nightly.state_segments: must be >= 2, was " + segments);
            }
            state = new RegistryStage.StateMode(new io.aepool.aggregate.RegistryState(out.resolve(STATE_DIR),
                    segments == null ? io.aepool.aggregate.RegistryState.MAX_SEGMENTS : segments),
                    settingsKey(fingerprints), mode.full());
        }
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
        // arm-level aggregates, checkpointed: every later plan starts from them, not from the subject-level plans
        arms = StudyCountsBuilder.completeStudies(arms, validation).localCheckpoint();
        if (mode.strict() && !validation.rejectedByRule().isEmpty()) {
            // every row has been checked (rules quarantine as usual, so all are counted); nothing is written
            throw new RejectedRowsException(Quarantine.of(validation.rejects(spark), studies, null).strictMessage());
        }
        Dataset<Row> studyCounts = null;
        for (StudyCountsBuilder.MultiArm multiArm : modes) {
            Dataset<Row> one = StudyCountsBuilder.build(arms, studies, multiArm);
            studyCounts = studyCounts == null ? one : studyCounts.unionByName(one);
        }
        studyCounts = DriverTables.sorted(spark, studyCounts, List.of(StudyCountsBuilder.DOSE_ARMS, "outcome", "comparison_id"));
        List<StudyRecord> records = StudyRecords.collect(studyCounts);
        LOG.info("inputs validated and aggregated to {} comparisons in {} s", records.size(), seconds(started));
        if (records.isEmpty()) {
            throw new ConfException("no comparison could be formed: every study needs an experimental and a control arm");
        }

        Map<String, Pool> pools = pools(modes, records);
        GridAxes axes = axes(pools);
        checkSubgroupVariables(axes, records);
        List<AnalysisSpec> specs = AnalysisGrid.expand(axes, records);
        if (specs.isEmpty()) {
            LOG.warn("the analysis grid is empty: no pool holds a comparison for measures {} (registry comparisons "
                    + "enter only rate measures such as IRR); the analyses and family tables are published empty",
                    axes.measures());
        }
        AnalysisSpec primary = primary(pools, axes, records);

        Dataset<Row> analyses = DriverTables.sorted(spark, DistributedAnalyses.analyses(spark, specs, pools, records),
                List.of("pool", "outcome", "measure", "method", "ci_method", "prediction_interval", "zero_rule",
                        "subset_kind", "subset"));
        Map<String, Dataset<Row>> families = new LinkedHashMap<>();
        // all family tables in one Spark job; sorted on every column: files are byte-identical whatever the partitioning
        List<FamilyTable> familyTables = AnalysisGrid.familyTables(axes);
        Map<String, List<Row>> familyRows = DistributedAnalyses.families(spark, familyTables, specs, pools, records);
        for (FamilyTable table : familyTables) {
            // each table's rows leave the map as they become a local table: about one copy of the rows at a time
            families.put(table.name(), DriverTables.sortedOnAllColumns(spark, familyRows.remove(table.name()),
                    DistributedAnalyses.schema(table.columns())));
        }
        Dataset<Row> tests = families.get("subgroup_tests");
        List<Robustness.Point> points = points(analyses);
        List<Robustness.Summary> robustness = Robustness.summarise(points, primary);
        List<Robustness.CurveRow> curve = Robustness.curve(points, primary);
        FragilityIndex.Result fragility = fragility(primary, pools, records);
        if (registries != null) {
            RegistryRates.Tables rates = RegistryRates.compute(spark, registries.incidence(),
                    registries.groups().experimental(), registries.groups().comparators(), registries.groups().pooled());
            families.put("registry_incidence", rates.incidence().cache());
            families.put("registry_rate_ratios", rates.rateRatios().cache());
        }
        families.put("rejects", sorted(validation.rejects(spark), col("file"), col("rule"), col("row_key"), col("value")));
        // counts and study ids of what was quarantined, per rule and pool: the console, summary.json and the report
        Quarantine quarantine = Quarantine.of(families.get("rejects"), studies, pools);
        families.put("robustness", spark.createDataFrame(
                robustness.stream().map(r -> RowFactory.create(r.values())).toList(),
                DistributedAnalyses.schema(Robustness.Summary.COLUMNS)));
        families.put("specification_curve", spark.createDataFrame(
                curve.stream().map(r -> RowFactory.create(r.values())).toList(),
                DistributedAnalyses.schema(Robustness.CurveRow.COLUMNS)));
        long notEstimable = points.stream().filter(p -> !"ok".equals(p.status())).count();
        LOG.info("{} analyses and {} family tables computed by {} s", specs.size(), families.size(), seconds(started));

        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("run_id", runId);
        summary.put("started_at", startedAt.toString());
        summary.put("finished_at", Instant.now().toString());
        summary.put("conf", confFile.toString());
        summary.put("inputs", inputFiles());
        summary.put("input_rows", validation.accounting());
        summary.put("rejected_rows_by_rule", new java.util.TreeMap<>(validation.rejectedByRule()));
        summary.put("quarantined", quarantine.summary("rejects.csv"));
        summary.put("comparisons", records.size());
        summary.put("outcomes", new TreeSet<>(records.stream().map(StudyRecord::outcome).toList()));
        summary.put("pools", new ArrayList<>(pools.keySet()));
        summary.put("analyses", specs.size());
        summary.put("analyses_not_estimable", notEstimable);
        Map<String, Object> primarySummary = primarySummary(analyses, tests, primary);
        primarySummary.put("fragility_index", fragility.index());
        primarySummary.put("fragility", fragilitySummary(fragility, primary.measure()));
        Robustness.PoolChoice poolChoice = Robustness.pools(points, primary);
        Map<String, Object> poolChoices = new LinkedHashMap<>();
        poolChoices.put("pools", poolChoice.pools());
        poolChoices.put("distinct_analyses", poolChoice.distinct());
        poolChoices.put("flipping_pools", poolChoice.flipping());
        poolChoices.put("text", poolChoice.text());
        primarySummary.put("pool_choices", poolChoices);
        // methods pooling raw counts say zero_rule none: the report takes their per-study-effect siblings at this rule
        primarySummary.put("configured_zero_rule", axes.zeroRules().get(0).label());
        // the headline of the multiverse: the primary's distinct-analysis verdict and its specification curve
        robustness.stream().filter(r -> r.pool().equals(primary.pool()) && r.outcome().equals(primary.outcome())
                && r.measure() == primary.measure()).findFirst().ifPresent(r -> primarySummary.put("robustness_verdict", r.verdict()));
        List<Robustness.CurveRow> primaryCurve = curve.stream().filter(c -> c.pool().equals(primary.pool())
                && c.outcome().equals(primary.outcome()) && c.measure() == primary.measure()).toList();
        Map<String, Object> curveSummary = new LinkedHashMap<>();
        curveSummary.put("table", "specification_curve.csv");
        curveSummary.put("distinct_analyses", primaryCurve.size());
        curveSummary.put("excluding_null", primaryCurve.stream().filter(Robustness.CurveRow::excludesNull).count());
        curveSummary.put("min_estimate", primaryCurve.isEmpty() ? null : primaryCurve.get(0).estimate());
        curveSummary.put("max_estimate", primaryCurve.isEmpty() ? null : primaryCurve.get(primaryCurve.size() - 1).estimate());
        primarySummary.put("specification_curve", curveSummary);
        summary.put("primary", primarySummary);
        // pools holding more than one design: each design alone and the test between them, no estimate across designs
        summary.put("designs_kept_apart", pools.values().stream().filter(pool -> !pool.combineDesigns()
                && AnalysisRunner.mixedDesigns(records.stream().filter(pool::contains).toList()) != null)
                .map(Pool::name).toList());
        summary.put("robustness", robustness.stream().map(r -> {
            Map<String, Object> m = new LinkedHashMap<>();
            Object[] v = r.values();
            for (int i = 0; i < v.length; i++) {
                m.put(Robustness.Summary.COLUMNS.get(i).name(), v[i]);
            }
            return m;
        }).toList());

        List<ChangeReport.Change> changes = List.of();
        // pools holding registries: their counts are small-cell suppressed wherever they are shared
        Set<String> registryPools = registries == null ? Set.of() : registryPools(pools, records);
        // changes.csv with small registry counts withheld (null when nothing needed withholding)
        Dataset<Row> sharedChangeTable = null;
        if (mode.nightly()) {
            Optional<Path> previous = RunHistory.current(out);
            changes = previous.isPresent() ? changes(previous.get(), analyses, pools, records) : List.of();
            List<ChangeReport.Change> shared = sharedChanges(changes, registryPools);
            Map<String, Object> changeSummary = new LinkedHashMap<>(ChangeReport.summary(shared));
            changeSummary.put("previous_run", previous.map(p -> p.getFileName().toString()).orElse(null));
            summary.put("changes", changeSummary);
            families.put("changes", changeTable(changes));
            if (shared != changes) {
                sharedChangeTable = changeTable(shared);
            }
        }
        summary.put("as_of", asOf == null ? null : asOf.toString());
        if (registries != null && !registries.stateUse().isEmpty()) {
            summary.put("registry_aggregation", registries.stateUse());
        }
        summary.put("fingerprint", fingerprint);

        spark.sparkContext().setJobGroup("aepool-publish", "write results", false);
        ResultsPublisher.RunTables tables = new ResultsPublisher.RunTables(studyCounts, analyses, families, summary,
                sharedCsv(studyCounts, analyses, families, registryPools, records, sharedChangeTable));
        Map<String, Map<String, Long>> rows = validation.accounting();
        java.util.function.Function<Path, RunManifest> manifest = dir -> RunManifest.of(runId, asOf, startedAt,
                Instant.now(), confFile, fingerprints, rows);
        if (mode.nightly()) {
            RunHistory.publish(out, runId, tables, ReportWriter::write, manifest);
            // the state moves on only with a published run: a failed run resumes from the previous one
            if (registries != null && !registries.pendingState().isEmpty()) {
                LOG.info("published to {} by {} s; writing the incremental state", out, seconds(started));
                registries.pendingState().forEach(io.aepool.aggregate.RegistryState.Pending::commit);
            }
            int keepDays = conf.nightly() != null && conf.nightly().keepDays() != null ? conf.nightly().keepDays() : 30;
            List<String> pruned = RunHistory.retain(out, keepDays, java.time.Clock.systemUTC());
            if (!pruned.isEmpty()) {
                LOG.info("pruned runs older than {} days: {}", keepDays, pruned);
            }
        } else {
            ResultsPublisher.publish(out, runId, tables, staging -> {
                ReportWriter.write(staging);
                manifest.apply(staging).withOutputs(RunManifest.outputsOf(staging))
                        .write(staging.resolve(RunManifest.FILE_NAME));
            });
        }
        LOG.info("published to {} by {} s", out, seconds(started));
        int flagged = (int) changes.stream().filter(ChangeReport.Change::flagged).count();
        return new RunOutcome(out, analyses, tests, robustness, primary, fragility, poolChoice, records.size(), specs.size(),
                seconds(started), false, flagged, changes.size(), tables.sharedCsv().get("registry_rate_ratios"),
                axes.zeroRules().get(0).label(), quarantine,
                (mode.nightly() ? out.resolve(RunHistory.RUNS).resolve(runId) : out).resolve("rejects.csv")
                        .toAbsolutePath().normalize());
    }

    /**
     * Local runs of inputs up to this size (the sample is under 1 MB, the bundled OMOP sample 2 MB) interpret
     * expressions: a small run's Spark jobs spend more time generating, compiling and JIT-warming code per plan than
     * running it. Larger inputs (a registry of a million events is ~7 MB of Parquet) and cluster runs keep codegen;
     * results are the same either way.
     */
    static final long SMALL_INPUT_BYTES = 4L << 20;
    private static final Map<String, String> SMALL_INPUT_SQL_CONFS = Map.of(
            "spark.sql.codegen.wholeStage", "false",
            "spark.sql.codegen.factoryMode", "NO_CODEGEN");
    // SQL confs this run set, unset when it ends (the session had not set them)
    private final List<String> setSqlConfs = new ArrayList<>();

    /** Sets {@link #SMALL_INPUT_SQL_CONFS} for a local run of small inputs, unless the session has set them. */
    private void interpretSmallInputs(long inputBytes) {
        if (inputBytes > SMALL_INPUT_BYTES || !spark.sparkContext().isLocal()) {
            return;
        }
        SMALL_INPUT_SQL_CONFS.forEach((key, value) -> {
            if (!spark.conf().contains(key)) {
                setSqlConfs.add(key);
                spark.conf().set(key, value);
            }
        });
        if (!setSqlConfs.isEmpty()) {
            LOG.info("small inputs ({} bytes): interpreted expressions ({})", inputBytes, setSqlConfs);
        }
    }

    private void restoreSqlConfs() {
        setSqlConfs.forEach(key -> spark.conf().unset(key));
        setSqlConfs.clear();
    }

    /** Each analysis against the same analysis id of the previous run (its results and study counts). */
    private List<ChangeReport.Change> changes(Path previousRun, Dataset<Row> analyses, Map<String, Pool> pools,
                                              List<StudyRecord> records) {
        List<StudyRecord> previousRecords = StudyRecords.collect(spark.read().parquet(previousRun.resolve("study_counts").toString()));
        List<ChangeReport.AnalysisState> before = states(spark.read().parquet(previousRun.resolve("results").toString()),
                pools, previousRecords);
        List<ChangeReport.AnalysisState> after = states(analyses, pools, records);
        return ChangeReport.compare(before, after, thresholds());
    }

    private static List<ChangeReport.AnalysisState> states(Dataset<Row> results, Map<String, Pool> pools,
                                                           List<StudyRecord> records) {
        Map<String, SortedSet<String>> membership = new HashMap<>();
        List<ChangeReport.AnalysisState> out = new ArrayList<>();
        for (Row r : results.select("analysis_id", "pool", "outcome", "measure", "method", "subset_kind", "studies",
                "events_exp", "events_ctl", "estimate", "ci_low", "ci_high", "i2", "status").collectAsList()) {
            String id = r.getString(0);
            Pool pool = pools.get(r.getString(1));
            SortedSet<String> studies = null;
            if (pool != null) {
                AnalysisSpec spec = AnalysisSpec.parse(id);
                studies = membership.computeIfAbsent(spec.pool() + "|" + spec.outcome() + "|" + spec.subset().label(),
                        k -> ChangeReport.membership(spec, pool, records));
            }
            out.add(new ChangeReport.AnalysisState(id, r.getString(1), r.getString(2), r.getString(3), r.getString(4),
                    r.getString(5), studies, r.getInt(6), r.getLong(7), r.getLong(8), (Double) r.get(9), (Double) r.get(10),
                    (Double) r.get(11), (Double) r.get(12), r.getString(13)));
        }
        return out;
    }

    private ChangeReport.Thresholds thresholds() {
        JobConf.ChangesConf c = conf.nightly() == null ? null : conf.nightly().changes();
        ChangeReport.Thresholds d = ChangeReport.Thresholds.DEFAULTS;
        if (c == null) {
            return d;
        }
        try {
            return new ChangeReport.Thresholds(c.ratioThreshold() == null ? d.ratioRelative() : c.ratioThreshold(),
                    c.differenceThreshold() == null ? d.differenceAbsolute() : c.differenceThreshold(),
                    c.i2Threshold() == null ? d.i2Percent() : c.i2Threshold(),
                    c.alertOn() == null ? d.alertOn() : new LinkedHashSet<>(c.alertOn()),
                    c.alertSubsets() == null ? d.alertSubsetKinds() : new LinkedHashSet<>(c.alertSubsets()));
        } catch (IllegalArgumentException e) {
            throw new ConfException("conf nightly.changes: " + e.getMessage());
        }
    }

    /**
     * CSV views with registry small cells suppressed: registry incidence and rate ratios, registry comparisons in
     * study_counts and forest, and analysis totals of pools that hold registries.
     */
    private Dataset<Row> changeTable(List<ChangeReport.Change> changes) {
        return spark.createDataFrame(changes.stream().map(c -> RowFactory.create(c.values())).toList(),
                DistributedAnalyses.schema(ChangeReport.Change.COLUMNS));
    }

    /** Change rows as shared (CSV, summary.json): event counts of registry pools that reveal a small cell withheld. */
    private List<ChangeReport.Change> sharedChanges(List<ChangeReport.Change> changes, Set<String> registryPools) {
        if (registries == null) {
            return changes;
        }
        int t = registries.smallCellThreshold();
        return changes.stream().map(c -> registryPools.contains(c.pool()) && c.change().startsWith("events_")
                && (SmallCells.revealsSmallCount(c.detail(), t) || SmallCells.revealsSmallCount(c.previous(), t)
                || SmallCells.revealsSmallCount(c.current(), t))
                ? new ChangeReport.Change(c.analysisId(), c.pool(), c.outcome(), c.measure(), c.method(), c.subsetKind(),
                c.change(), SmallCells.SUPPRESSED, SmallCells.SUPPRESSED, SmallCells.SUPPRESSED, c.flagged()) : c).toList();
    }

    private static Set<String> registryPools(Map<String, Pool> pools, List<StudyRecord> records) {
        Set<String> out = new TreeSet<>();
        pools.values().forEach(p -> {
            if (records.stream().anyMatch(r -> p.contains(r) && AnalysisGrid.isRegistry(r))) {
                out.add(p.name());
            }
        });
        return out;
    }

    private Map<String, Dataset<Row>> sharedCsv(Dataset<Row> studyCounts, Dataset<Row> analyses,
                                                Map<String, Dataset<Row>> families, Set<String> registryPools,
                                                List<StudyRecord> records, Dataset<Row> sharedChangeTable) {
        if (registries == null) {
            return Map.of();
        }
        int t = registries.smallCellThreshold();
        Map<String, Dataset<Row>> views = new LinkedHashMap<>();
        List<String> armCounts = List.of("events_exp", "n_exp", "events_ctl", "n_ctl");
        views.put("registry_incidence", SmallCells.suppress(families.get("registry_incidence"), List.of("patients", "events"),
                List.of("rate_per_100py", "ci_low", "ci_high"), lit(true), t));
        views.put("registry_rate_ratios", SmallCells.suppress(families.get("registry_rate_ratios"),
                List.of("events_exp", "events_ctl"), List.of("irr", "ci_low", "ci_high"), lit(true), t));
        Column registryRow = col(AnalysisGrid.DESIGN).equalTo("registry");
        views.put("study_counts", SmallCells.suppress(studyCounts,
                List.of("events_exp", "n_exp", "events_ctl", "n_ctl", "event_count_exp", "event_count_ctl", "events_ctl_arm",
                        "n_ctl_arm"), List.of(),
                registryRow, t));
        Set<String> registryIds = new TreeSet<>(records.stream().filter(AnalysisGrid::isRegistry)
                .map(StudyRecord::comparisonId).toList());
        if (families.containsKey("forest")) {
            views.put("forest", SmallCells.suppress(families.get("forest"), armCounts, List.of(),
                    col("comparison_id").isin(registryIds.toArray()), t));
        }
        if (sharedChangeTable != null) {
            views.put("changes", sharedChangeTable);
        }
        // the median control rate of a pool with one registry is that registry's rate: withheld with its counts
        views.put("analyses", SmallCells.suppress(analyses, armCounts, List.of("median_ctl_risk", "median_ctl_rate_per_100py"),
                col("pool").isin(registryPools.toArray()), t));
        return views;
    }

    /**
     * The rejects ledger, sorted by Spark: unlike the results tables (aggregates, sorted on the driver by
     * {@link DriverTables}) it holds a row per rejected input row. One partition sorted in place gives the same total
     * order as a global sort without its sampling job and range shuffle, and byte-identical files whatever the
     * partitioning upstream.
     */
    private static Dataset<Row> sorted(Dataset<Row> table, Column... order) {
        return table.repartition(1).sortWithinPartitions(order);
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
    private static FragilityIndex.Result fragility(AnalysisSpec primary, Map<String, Pool> pools, List<StudyRecord> records) {
        List<StudyCounts> studies = AnalysisRunner.counts(primary, pools, records);
        String noCounts = AnalysisRunner.noParticipantCounts(primary, pools, records);
        if (noCounts != null) {
            return FragilityIndex.Result.none(null, "not estimable: " + noCounts);
        }
        try {
            return FragilityIndex.of(Poolers.create(primary.measure(), primary.method(), primary.ciMethod(),
                    primary.effectsZeroRule(), primary.predictionInterval(), false), studies);
        } catch (IllegalArgumentException e) {
            // a primary the engine does not define (e.g. Peto for RR) is not in the grid either
            return FragilityIndex.Result.none(null, "not estimable: " + e.getMessage());
        }
    }

    /** summary.json's primary.fragility: the index, the change that attains it and the interval after it. */
    private static Map<String, Object> fragilitySummary(FragilityIndex.Result f, EffectMeasure measure) {
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

    /**
     * What registry aggregates depend on besides the extracts: the conf, the code and the study tables. A stored
     * state computed under another key is not resumed.
     */
    private String settingsKey(List<InputFingerprints.FileEntry> fingerprints) {
        Set<String> studyFiles = new TreeSet<>(conf.inputs().studies().stream().map(this::resolve)
                .map(f -> Path.of(f).toAbsolutePath().normalize().toString()).toList());
        StringBuilder sb = new StringBuilder(io.aepool.publish.CodeVersion.current()).append('\n');
        try {
            sb.append(java.nio.file.Files.readString(confFile)).append('\n');
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        fingerprints.stream().filter(f -> studyFiles.stream().anyMatch(s -> f.path().startsWith(s)))
                .forEach(f -> sb.append(f.path()).append(' ').append(f.sha256()).append('\n'));
        return io.aepool.publish.Sha256.of(sb.toString());
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
                for (Map.Entry<String, String> e : v.rules().entrySet()) {
                    String id = e.getKey();
                    if (io.aepool.ingest.RuleIds.STUDY_INCOMPLETE.equals(id)) {
                        throw new ConfException("conf validation.rules." + id + ": not a rule of its own: rows quarantined"
                                + " with their study follow the action of the rule that caused it");
                    }
                    if (!io.aepool.ingest.RuleIds.known(id)) {
                        throw new ConfException("conf validation.rules." + id + ": unknown rule id (docs/validation.md"
                                + " lists every id; ids were renamed in issue 16, e.g. events.events_must_not_exceed_n"
                                + " is now events.not_above_n)");
                    }
                    try {
                        perRule.put(id, Validation.parseAction(e.getValue()));
                    } catch (IllegalArgumentException bad) {
                        throw new ConfException("conf validation.rules." + id + ": " + bad.getMessage());
                    }
                }
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
            List<OutcomeDefinition> outcomes = outcomeDefinitions();
            AtRiskWindow window = conf.atRiskWindow();
            OptionalInt period = window.period() == AtRiskWindow.Period.RANDOMISED
                    ? OptionalInt.of(window.periodNumber()) : OptionalInt.empty();
            for (JobConf.AdamPair pair : conf.inputs().adam()) {
                String adslFile = resolve(pair.adsl());
                // a rejected subject or event quarantines its study's whole ADaM contribution (docs/validation.md)
                AdamReader.Tables adam = AdamReader.read(spark, adslFile, resolve(pair.adae()), studies, known,
                        validation, period, window.lagDays() > 0);
                Dataset<Row> adsl = adam.subjects().cache();
                Dataset<Row> adae = adam.events();
                parts.add(SubjectAggregator.aggregate(spark, adsl, adae, treatments, outcomes, window, adslFile));
            }
        }
        if (conf.inputs().registries() != null && !conf.inputs().registries().isEmpty()) {
            registries = RegistryStage.run(spark, conf, this::resolve, studies, validation, asOf, outcomeDefinitions(),
                    state);
            parts.addAll(registries.arms());
        }
        Dataset<Row> all = parts.get(0);
        for (int i = 1; i < parts.size(); i++) {
            all = all.unionByName(parts.get(i));
        }
        return all;
    }

    private List<OutcomeDefinition> outcomeDefinitions() {
        try {
            return conf.outcomes().stream()
                    .map(o -> new OutcomeDefinition(o.name(), !Boolean.FALSE.equals(o.treatmentEmergent()),
                            !Boolean.FALSE.equals(o.serious()), o.socs(), o.preferredTerms(),
                            !Boolean.FALSE.equals(o.firstEvent()), Boolean.TRUE.equals(o.hospitalised()), o.omopConcepts()))
                    .toList();
        } catch (IllegalArgumentException e) {
            throw new ConfException("conf outcomes: " + e.getMessage());
        }
    }

    /**
     * Pools from the conf. When multi-arm trials are both combined and split, a pool that does not choose
     * with {@code dose_arms} takes the combined comparisons, so no trial enters one pool twice.
     */
    private Map<String, Pool> pools(List<StudyCountsBuilder.MultiArm> modes, List<StudyRecord> records) {
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
                Pool pool = new Pool(p.name(), where, Boolean.TRUE.equals(p.combineDesigns()));
                put(pools, pool);
                TreeSet<String> designs = new TreeSet<>(records.stream().filter(pool::contains)
                        .map(r -> String.valueOf(r.attribute(AnalysisGrid.DESIGN))).toList());
                // designs are never silently mixed: a mixed pool also runs per design, and by design as a subgroup
                if (designs.size() > 1 && !where.containsKey(AnalysisGrid.DESIGN)) {
                    for (String design : designs) {
                        Map<String, Set<String>> one = new LinkedHashMap<>(where);
                        one.put(AnalysisGrid.DESIGN, Set.of(design));
                        put(pools, new Pool(p.name() + "[" + design + "]", one));
                    }
                    mixedDesigns = true;
                }
            } catch (IllegalArgumentException e) {
                throw new ConfException("conf pools: " + e.getMessage());
            }
        }
        return pools;
    }

    private static void put(Map<String, Pool> pools, Pool pool) {
        if (pools.put(pool.name(), pool) != null) {
            throw new ConfException("conf pools: pool name '" + pool.name() + "' is used twice");
        }
    }

    private GridAxes axes(Map<String, Pool> pools) {
        JobConf.Analysis a = conf.analysis();
        try {
            return new GridAxes(new ArrayList<>(pools.values()),
                    parseAll(a.measures(), List.of("RR"), EffectMeasure::parse),
                    // defaults: MH for the fixed effect; random effects as the Cochrane Handbook v6.5 (2024) §10.10.4
                    // recommends: REML tau², Hartung-Knapp never narrower than Wald, a prediction interval
                    parseAll(a.methods(), List.of("MH", "REML"), PoolingMethod::parse),
                    parseAll(a.ciMethods(), List.of("wald-z", "hksj-adhoc"), CiMethod::parse),
                    parseAll(a.predictionIntervals(), List.of(PredictionInterval.DEFAULT.label()), PredictionInterval::parse),
                    parseAll(a.zeroRules(), List.of(ZeroCellRule.DEFAULT.label()), ZeroCellRule::parse),
                    !Boolean.FALSE.equals(a.leaveOneOut()),
                    Boolean.TRUE.equals(a.cumulative()),
                    Boolean.TRUE.equals(a.leaveSubgroupOut()),
                    subgroupVariables(a.subgroups()),
                    subgroupTau2(a.subgroupTau2()),
                    a.metaRegression() == null ? List.of() : a.metaRegression());
        } catch (IllegalArgumentException e) {
            throw new ConfException("conf analysis: " + e.getMessage());
        }
    }

    private List<String> subgroupVariables(List<String> declared) {
        List<String> out = new ArrayList<>(declared == null ? List.of() : declared);
        if (mixedDesigns && !out.contains(AnalysisGrid.DESIGN)) {
            out.add(0, AnalysisGrid.DESIGN);
        }
        return out;
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
            CiMethod ci = p != null && p.ciMethod() != null ? CiMethod.parse(p.ciMethod()) : CiMethod.WALD_Z;
            if (ci == CiMethod.HKSJ) {
                // the headline never shows an interval narrower than Wald's (metafor test = "adhoc")
                LOG.warn("conf primary.ci_method hksj: the primary analysis uses hksj-adhoc (Hartung-Knapp never "
                        + "narrower than Wald); the untruncated interval stays in analyses.csv");
                ci = CiMethod.HKSJ_ADHOC;
            }
            return new AnalysisSpec(pool, outcome,
                    p != null && p.measure() != null ? EffectMeasure.parse(p.measure()) : axes.measures().get(0),
                    p != null && p.method() != null ? PoolingMethod.parse(p.method()) : axes.methods().get(0),
                    ci,
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
