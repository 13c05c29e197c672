package io.aepool.publish;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
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

    private static final Logger LOG = LoggerFactory.getLogger(PublishStage.class);

    /**
     * Where a run goes.
     *
     * @param out      plain: the results directory; nightly: the history root
     * @param keepDays nightly: runs older than this are pruned (never the current one)
     */
    public record Target(Path out, boolean nightly, int keepDays) {

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
            return RunHistory.current(out).map(dir -> new PreviousRun(dir.getFileName().toString(),
                    spark.read().parquet(dir.resolve(ResultsPublisher.RESULTS).toString()),
                    spark.read().parquet(dir.resolve(ResultsPublisher.STUDY_COUNTS).toString())));
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
            RunHistory.publish(target.out(), runId, tables, report, staging -> manifest.get());
            afterwards.run();
            List<String> pruned = RunHistory.retain(target.out(), target.keepDays(), Clock.systemUTC());
            if (!pruned.isEmpty()) {
                LOG.info("pruned runs older than {} days: {}", target.keepDays(), pruned);
            }
        } else {
            ResultsPublisher.publish(target.out(), runId, tables, staging -> {
                report.accept(staging);
                manifest.get().withOutputs(RunManifest.outputsOf(staging)).write(staging.resolve(RunManifest.FILE_NAME));
            });
            afterwards.run();
        }
        return target.runDir(runId);
    }
}
