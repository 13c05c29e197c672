package io.aepool.cli;

import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * SQL confs a run sets on the session for its own inputs and unsets when it ends ({@link #close}); confs the session
 * already had are left alone.
 */
final class SessionTuning implements AutoCloseable {

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
    /**
     * For a small local run's trial-side stages: each query one Spark job. Adaptive execution submits one job per
     * shuffle and broadcast stage (most of a small run's jobs); without it a broadcast is still a job of its own, so
     * joins are sort-merge joins, whose shuffles are stages inside the query's job. Not for the registry stage: its
     * patient-level plans are built into RDDs at once without adaptive execution (a resumed night's plan hung there)
     * and run many sorts per task.
     */
    private static final Map<String, String> ONE_JOB_PER_QUERY = Map.of(
            "spark.sql.adaptive.enabled", "false",
            "spark.sql.autoBroadcastJoinThreshold", "-1");
    private static final Logger LOG = LoggerFactory.getLogger(SessionTuning.class);

    private final SparkSession spark;
    private final List<String> set = new ArrayList<>();
    private boolean small;

    SessionTuning(SparkSession spark) {
        this.spark = spark;
    }

    /** Interprets expressions for a local run of small inputs, unless the session has chosen. */
    void forInputs(long inputBytes) {
        if (inputBytes > SMALL_INPUT_BYTES || !spark.sparkContext().isLocal()) {
            return;
        }
        small = true;
        SMALL_INPUT_SQL_CONFS.forEach((key, value) -> {
            if (!spark.conf().contains(key)) {
                set.add(key);
                spark.conf().set(key, value);
            }
        });
        if (!set.isEmpty()) {
            LOG.info("small inputs ({} bytes): interpreted expressions ({})", inputBytes, set);
        }
    }

    /**
     * Runs {@code work} with one Spark job per query ({@link #ONE_JOB_PER_QUERY}) for a local run of small inputs,
     * then sets the confs back; larger or cluster runs, and confs the session has chosen, are left alone.
     */
    <T> T oneJobPerQuery(Supplier<T> work) {
        List<String> scoped = new ArrayList<>();
        if (small) {
            ONE_JOB_PER_QUERY.forEach((key, value) -> {
                if (!spark.conf().contains(key)) {
                    scoped.add(key);
                    spark.conf().set(key, value);
                }
            });
        }
        try {
            return work.get();
        } finally {
            scoped.forEach(key -> spark.conf().unset(key));
        }
    }

    @Override
    public void close() {
        set.forEach(key -> spark.conf().unset(key));
        set.clear();
    }
}
