package io.aepool.cli;

import io.aepool.aggregate.AggregateStage;
import io.aepool.aggregate.RegistryState;
import io.aepool.aggregate.RegistryStage;
import io.aepool.aggregate.StudyCountsBuilder;
import io.aepool.compute.DriverTables;
import io.aepool.compute.GridStage;
import io.aepool.compute.NetworkStage;
import io.aepool.plan.NetworkTables;
import io.aepool.compute.PrimaryFindings;
import io.aepool.compute.RunComparison;
import io.aepool.compute.RegistryRates;
import io.aepool.compute.StudyRecords;
import io.aepool.ingest.IngestStage;
import io.aepool.ingest.RejectsTally;
import io.aepool.ingest.Validation;
import io.aepool.plan.ChangeReport;
import io.aepool.plan.JobPlan;
import io.aepool.plan.StudyRecord;
import io.aepool.publish.PublishStage;
import io.aepool.publish.ResultsPublisher;
import io.aepool.publish.RunHistory;
import io.aepool.publish.RunStart;
import io.aepool.publish.RunSummary;
import io.aepool.publish.SharedViews;
import io.aepool.publish.SmallCells;
import io.aepool.report.ReportWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * The job as its sequence of stages: ingest (trials), registry, aggregate, plan, grid, compare, publish. Each stage
 * validates its inputs, runs under its own Spark job group and hands an immutable result to the next; nothing is
 * written until every input has passed validation, and a failed run publishes nothing.
 */
public final class JobRunner {

    /**
     * How a run publishes. Plain: {@code out} is the results directory, swapped in whole. Nightly: {@code out} is a
     * history root ({@code runs/<run_id>/} and a {@code current} link); a run whose input fingerprint equals the
     * current run's is skipped unless forced, changes are reported against the current run, old runs are pruned.
     * Nightly runs keep a private state under {@code <out>/.state} (patient-level, never published) and read only the
     * registry extract partitions that arrived since the previous run; {@code full} recomputes from every partition.
     *
     * @param asOf   registry extracts up to this date (null: plain runs read every extract; nightly runs the newest)
     * @param strict any input row rejected by validation stops the run ({@link RejectedRowsException}, exit 2) before
     *               anything is published; without it such rows are quarantined and the run goes on
     */
    public record Mode(boolean nightly, boolean force, LocalDate asOf, boolean full, boolean strict) {
        public static final Mode PLAIN = new Mode(false, false, null, false, false);
    }

    /** The change rows against the previous run: exact (Parquet), as shared (CSV), and the summary block. */
    private record Changes(List<ChangeReport.Change> rows, Dataset<Row> table, Dataset<Row> sharedTable,
                           Map<String, Object> summary) {
        static final Changes NONE = new Changes(List.of(), null, null, null);
    }

    private static final Logger LOG = LoggerFactory.getLogger(JobRunner.class);

    private final SparkSession spark;
    private final JobSettings settings;

    /** @throws ConfException when the conf does not bind (before anything is read) */
    public JobRunner(SparkSession spark, JobConf conf, Path confFile) {
        this.spark = spark;
        this.settings = JobSettings.bind(conf, confFile);
    }

    public RunOutcome run(Path out, Mode mode) {
        long started = System.nanoTime();
        try (SessionTuning tuning = new SessionTuning(spark)) {
            RunStart start = RunStart.begin(settings.confFile(), settings.inputPaths(), mode.asOf(), mode.nightly());
            tuning.forInputs(start.inputBytes());
            PublishStage.Target target = new PublishStage.Target(out, mode.nightly(), settings.keepDays(),
                    settings.deltaTables(mode.nightly()), settings.tablesAt());
            if (upToDate(target, start, mode)) {
                LOG.info("inputs, conf and code unchanged since the current run (fingerprint {}): up to date",
                        start.fingerprint());
                return RunOutcome.skipped(out);
            }
            Validation validation = settings.newValidation();
            IngestStage.Result trials = tuning.oneJobPerQuery(() -> IngestStage.run(spark, settings.trials(),
                    validation));
            RegistryStage.Result registries = settings.registry() == null ? null : RegistryStage.run(spark,
                    settings.registry(), trials.studies(), validation, start.asOf(), settings.trialSettings().outcomes(),
                    mode.nightly() ? new RegistryStage.StateMode(new RegistryState(target.stateDir(),
                            settings.stateSegments()), start.settingsKey(settings.trials().studies()), mode.full()) : null);
            Dataset<Row> computedArms = tuning.oneJobPerQuery(() -> AggregateStage.arms(spark, trials,
                    registries == null ? List.of() : registries.arms(), settings.trialSettings(), validation));
            // the network analyses read the arms again: held on the driver (aggregates, a row per arm) they are
            // computed once
            Dataset<Row> arms = settings.network() == null ? computedArms : tuning.oneJobPerQuery(() ->
                    DriverTables.sorted(spark, computedArms, List.of("study_id", "outcome", "arm_id")));
            // every row has been checked by now (rules quarantine as usual, so all are counted)
            RejectsTally rejected = RejectsTally.of(validation.rejects(spark), trials.studies());
            LOG.info("inputs read and validated by {} s", seconds(started));
            if (mode.strict() && rejected.rows() > 0) {
                throw new RejectedRowsException(Quarantine.of(rejected, null).strictMessage()); // nothing is written
            }
            Dataset<Row> studyCounts = tuning.oneJobPerQuery(() -> DriverTables.sorted(spark,
                    AggregateStage.studyCounts(arms, trials.studies(), settings.multiArm()),
                    List.of(StudyCountsBuilder.DOSE_ARMS, "outcome", "comparison_id")));
            List<StudyRecord> records = StudyRecords.collect(studyCounts);
            if (registries != null) {
                // the registry IRR the pools take: adjusted over the strata (default) or crude; study_counts says which
                records = RegistryRates.stratified(records, settings.registry().stratifiedPooling(),
                        registries.incidence(), registries.crossSums(), registries.groups().experimental(),
                        registries.groups().pooled(), registries.recurrentOutcomes(), registries.adjustmentVariable());
                studyCounts = StudyRecords.withAttribute(spark, studyCounts, records, RegistryRates.POOLED_AS);
            }
            LOG.info("inputs validated and aggregated to {} comparisons in {} s", records.size(), seconds(started));

            JobPlan plan = plan(records);
            GridStage.Result grid = GridStage.run(spark, plan, records, registries == null ? null
                    : new GridStage.RegistryInput(registries.incidence(), registries.groups().experimental(),
                    registries.groups().comparators(), registries.groups().pooled(), registries.crossSums(),
                    registries.recurrentOutcomes(), registries.adjustmentVariable()));
            Map<String, Dataset<Row>> tables = new LinkedHashMap<>(grid.families());
            tables.putAll(NetworkStage.run(spark, settings.network(), List.copyOf(plan.pools().values()), records, arms));
            tables.put("rejects", validation.ledger(spark));
            // counts and study ids of what was quarantined, per rule and pool: the console, summary.json and the report
            Quarantine quarantine = Quarantine.of(rejected, plan.pools());
            tables.putAll(grid.multiverse());
            if (registries != null) {
                tables.put("registry_attrition", registries.attrition());
            }
            LOG.info("{} analyses and {} tables computed by {} s", plan.specs().size(), tables.size(), seconds(started));

            Changes changes = mode.nightly() ? changes(target, plan, grid, records, registries) : Changes.NONE;
            if (changes.table() != null) {
                tables.put("changes", changes.table());
            }
            RunSummary summary = new RunSummary(settings.trials().files(), validation.accounting(),
                    validation.rejectedByRule(), quarantine.summary("rejects.csv"), records.size(),
                    new TreeSet<>(records.stream().map(StudyRecord::outcome).toList()), List.copyOf(plan.pools().keySet()),
                    plan.specs().size(), grid.notEstimable(), PrimaryFindings.summary(plan, grid),
                    plan.designsKeptApart(records), PrimaryFindings.robustness(grid.robustness()), changes.summary(),
                    registries == null ? Map.of() : registries.stateUse());
            Map<String, Dataset<Row>> shared = registries == null ? Map.of() : SharedViews.of(studyCounts, grid.analyses(),
                    tables, plan.registryPools(records), plan.registryComparisons(records), registries.smallCellThreshold(),
                    changes.sharedTable());
            Path published = PublishStage.run(spark, target, start.runId(), new ResultsPublisher.RunTables(studyCounts,
                            grid.analyses(), tables, summary.toJson(start), shared), ReportWriter::write,
                    () -> start.manifest(validation.accounting()), () -> {
                        // the state moves on only with a published run: a failed run resumes from the previous one
                        if (registries != null && !registries.pendingState().isEmpty()) {
                            LOG.info("published to {} by {} s; writing the incremental state", out, seconds(started));
                            registries.pendingState().forEach(RegistryState.Pending::commit);
                        }
                    });
            LOG.info("published to {} by {} s", out, seconds(started));
            return new RunOutcome(out, grid.analyses(), grid.subgroupTests(), grid.robustness(), plan.primary(),
                    grid.fragility(), grid.poolChoice(), records.size(), plan.specs().size(), seconds(started), false,
                    (int) changes.rows().stream().filter(ChangeReport.Change::flagged).count(), changes.rows().size(),
                    shared.get("registry_rate_ratios"), plan.configuredZeroRule().label(), quarantine,
                    published.resolve("rejects.csv"), tables.get(NetworkTables.EFFECTS), tables.get(NetworkTables.CONSISTENCY));
        } finally {
            spark.sparkContext().clearJobGroup(); // what the caller runs next is not a stage of this run
            // the run's cached plans (patient-level intervals among them) are of no use to what runs next in this
            // session, and the cache manager would hold them for the session's life: a scheduler or a test JVM that
            // runs the job again in one session kept every run's in memory
            spark.catalog().clearCache();
        }
    }

    /** A nightly run with the current run's fingerprint has nothing new to do (unless forced, full or stricter). */
    private static boolean upToDate(PublishStage.Target target, RunStart start, Mode mode) {
        return mode.nightly() && !mode.force() && !mode.full() && RunHistory.upToDate(target.out(), start.fingerprint())
                // --strict is no part of the fingerprint: a current run that quarantined rows is not good enough
                && !(mode.strict() && RunHistory.rejectedRows(RunHistory.current(target.out()).orElse(null)) > 0);
    }

    private JobPlan plan(List<StudyRecord> records) {
        if (records.isEmpty()) {
            throw new ConfException("no comparison could be formed: every study needs an experimental and a control arm");
        }
        JobPlan plan;
        try {
            plan = JobPlan.of(settings.pools(), settings.axes(), settings.primary(), records);
        } catch (IllegalArgumentException e) {
            throw new ConfException("conf " + e.getMessage());
        }
        if (plan.primaryHksjReplaced()) {
            LOG.warn("conf primary.ci_method hksj: the primary analysis uses hksj-adhoc (Hartung-Knapp never "
                    + "narrower than Wald); the untruncated interval stays in analyses.csv");
        }
        if (plan.specs().isEmpty()) {
            LOG.warn("the analysis grid is empty: no pool holds a comparison for measures {} (registry comparisons "
                    + "enter only rate measures such as IRR); the analyses and family tables are published empty",
                    plan.axes().measures());
        }
        return plan;
    }

    /** Each analysis against the current run of the history; registry pools' small counts withheld where shared. */
    private Changes changes(PublishStage.Target target, JobPlan plan, GridStage.Result grid, List<StudyRecord> records,
                           RegistryStage.Result registries) {
        Optional<PublishStage.PreviousRun> previous = target.previous(spark);
        List<ChangeReport.Change> rows = previous.map(p -> RunComparison.changes(p.results(), p.studyCounts(),
                grid.analyses(), plan.pools(), records, settings.changes())).orElse(List.of());
        List<ChangeReport.Change> shared = registries == null ? rows : ChangeReport.withheld(rows,
                plan.registryPools(records), text -> SmallCells.revealsSmallCount(text, registries.smallCellThreshold()),
                SmallCells.SUPPRESSED);
        Map<String, Object> summary = new LinkedHashMap<>(ChangeReport.summary(shared));
        summary.put("previous_run", previous.map(PublishStage.PreviousRun::name).orElse(null));
        return new Changes(rows, RunComparison.table(spark, rows),
                shared == rows ? null : RunComparison.table(spark, shared), summary);
    }

    private static double seconds(long startedNanos) {
        return Math.round((System.nanoTime() - startedNanos) / 1e8) / 10.0;
    }
}
