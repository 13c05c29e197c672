package io.aepool.publish;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The publish stage: a run's tables, report and manifest written where readers find them, all or nothing. Plain: the
 * results directory is swapped in whole ({@link ResultsPublisher}). Nightly: the run is added to a history root and
 * made current ({@link RunHistory}), then old runs are pruned.
 */
public final class PublishStage {

    /** Spark job group of this stage. */
    public static final String JOB_GROUP = "aepool-publish";
    /** The private state directory of a nightly history root (patient-level, never published). */
    public static final String STATE_DIR = ".state";

    /** The Delta table of the analyses (the Parquet of a run's directory calls it {@code results}). */
    public static final String ANALYSES = "analyses";

    private static final int DELTA_THREADS = 3;
    private static final Logger LOG = LoggerFactory.getLogger(PublishStage.class);

    /**
     * Where a run goes.
     *
     * @param out      plain: the results directory; nightly: the history root
     * @param keepDays nightly: runs older than this are pruned (never the current one), and the Delta tables keep
     *                 older versions' files this long
     * @param delta    the results tables are also published as Delta Lake tables ({@link DeltaTables}), one version
     *                 per run
     * @param tables   where the Delta tables live (a directory or a Hadoop URI such as {@code s3a://...}); null: under
     *                 the history root (nightly) or in the results directory, swapped in with it (plain)
     */
    public record Target(Path out, boolean nightly, int keepDays, boolean delta, String tables) {

        /** The Delta tables' directory of a nightly root, or of a plain run with a location of its own; else null. */
        String lastingTables() {
            return tablesFor(null);
        }

        /**
         * Where this run's Delta tables go: the conf's location, else a nightly root's, else (a plain run) inside the
         * run's own directory {@code staging}, swapped in whole with it (null when none is given).
         */
        String tablesFor(Path staging) {
            if (tables != null) {
                return tables;
            }
            if (nightly) {
                return DeltaTables.under(out);
            }
            return staging == null ? null : DeltaTables.under(staging);
        }

        /** Where a nightly run's private registry state lives. */
        public Path stateDir() {
            return out.resolve(STATE_DIR);
        }

        /** The directory the run with this id is published as. */
        public Path runDir(String runId) {
            return (nightly ? out.resolve(RunHistory.RUNS).resolve(runId) : out).toAbsolutePath().normalize();
        }

        /** The run readers see now (nightly: {@code current}), before this run publishes. */
        public Optional<PreviousRun> previous(SparkSession spark) {
            return RunHistory.current(out).map(dir -> {
                String runId = dir.getFileName().toString();
                if (delta) {
                    // the current run's version of each Delta table, by time travel; a run published before the
                    // tables existed (or without them) is read from its own Parquet
                    String at = lastingTables();
                    Optional<Long> analyses = DeltaTables.versionOf(spark, at, ANALYSES, runId);
                    Optional<Long> counts = DeltaTables.versionOf(spark, at, ResultsPublisher.STUDY_COUNTS, runId);
                    if (analyses.isPresent() && counts.isPresent()) {
                        return new PreviousRun(runId, DeltaTables.read(spark, at, ANALYSES, analyses.get()),
                                DeltaTables.read(spark, at, ResultsPublisher.STUDY_COUNTS, counts.get()));
                    }
                }
                return new PreviousRun(runId, spark.read().parquet(dir.resolve(ResultsPublisher.RESULTS).toString()),
                        spark.read().parquet(dir.resolve(ResultsPublisher.STUDY_COUNTS).toString()));
            });
        }
    }

    /** The current run of a history root, as the next run compares with it. */
    public record PreviousRun(String name, Dataset<Row> results, Dataset<Row> studyCounts) {
    }

    private PublishStage() {
    }

    /**
     * @param report     writes the report into the run's directory, from the tables just written there
     * @param manifest   the run's manifest (its outputs are filled in here)
     * @param afterwards runs once the run is published and only then (nightly: the registry state moves on, so a failed
     *                   run resumes from the previous one)
     * @return the published run directory
     */
    public static Path run(SparkSession spark, Target target, String runId, ResultsPublisher.RunTables tables,
                           Consumer<Path> report, java.util.function.Supplier<RunManifest> manifest, Runnable afterwards) {
        spark.sparkContext().setJobGroup(JOB_GROUP, "write results", false);
        if (target.nightly()) {
            RunHistory.publish(target.out(), runId, tables, report, staging -> manifest.get(), published -> {
                if (target.delta()) {
                    commitDelta(spark, target.lastingTables(), tables, published, target.keepDays(), true);
                }
            });
            afterwards.run();
            List<String> pruned = RunHistory.retain(target.out(), target.keepDays(), Clock.systemUTC());
            if (!pruned.isEmpty()) {
                LOG.info("pruned runs older than {} days: {}", target.keepDays(), pruned);
            }
        } else {
            ResultsPublisher.publish(target.out(), runId, tables, staging -> {
                report.accept(staging);
                RunManifest m = manifest.get();
                if (target.delta()) {
                    // in a location of their own, a version per run; else version 0, in the directory swapped in whole
                    commitDelta(spark, target.tablesFor(staging), tables, m, target.keepDays(), target.tables() != null);
                }
                m.withOutputs(RunManifest.outputsOf(staging)).write(staging.resolve(RunManifest.FILE_NAME));
            });
            afterwards.run();
        }
        return target.runDir(runId);
    }

    /**
     * One Delta commit per results table in {@code at} (the exact tables, not the CSVs' small-cell views), each
     * with the run's id, conf hash and code version; a nightly root's tables then drop files no version within
     * {@code keepDays} still reads. A commit is each table's own transaction, so tables are committed a few at a time
     * (each commit is mostly fixed cost: the log read, a small write, the log entry); every commit is waited for, and
     * the first failure is rethrown.
     */
    private static void commitDelta(SparkSession spark, String at, ResultsPublisher.RunTables tables, RunManifest run,
                                    int keepDays, boolean vacuum) {
        DeltaTables.Commit commit = new DeltaTables.Commit(run.runId(), run.confSha256(), run.codeVersion());
        Map<String, Dataset<Row>> all = new LinkedHashMap<>();
        all.put(ANALYSES, tables.analyses());
        all.put(ResultsPublisher.STUDY_COUNTS, tables.studyCounts());
        all.putAll(tables.familyTables());
        // the results writer's pool: every commit waited for, the first failure rethrown, the others cancelled
        ResultsPublisher.Writes commits = new ResultsPublisher.Writes(DELTA_THREADS);
        all.forEach((name, table) -> commits.submit(() -> DeltaTables.commit(spark, at, name, table, commit, keepDays)));
        commits.awaitAll();
        if (vacuum) {
            // one after another: a vacuum sets session confs for its own call
            all.keySet().forEach(name -> DeltaTables.vacuum(spark, at, name, keepDays));
        }
        LOG.info("Delta tables under {}: {} committed for run {}", at, all.keySet(),
                run.runId());
    }
}
