package io.aepool.cli;

import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * SQL confs a run sets on the session for its own inputs and unsets when it ends ({@link #close}); confs the session
 * already had are left alone, but for the number of shuffle partitions of a small run (set to one, then restored).
 */
final class SessionTuning implements AutoCloseable {

    /**
     * Local runs of inputs up to this size (the sample is under 1 MB, the bundled OMOP sample 2 MB) interpret
     * expressions: a small run's Spark jobs spend more time generating, compiling and JIT-warming code per plan than
     * running it, and adaptive execution submits more jobs (one per exchange) than the rows need. Larger inputs (a
     * registry of a million events is ~7 MB of Parquet) and cluster runs keep codegen, adaptive execution and broadcast
     * joins; results are the same either way.
     */
    static final long SMALL_INPUT_BYTES = 4L << 20;
    private static final Map<String, String> SMALL_INPUT_SQL_CONFS = Map.of(
            "spark.sql.codegen.wholeStage", "false",
            "spark.sql.codegen.factoryMode", "NO_CODEGEN",
            // one Spark job per query: adaptive execution submits a job for every shuffle and broadcast stage (most
            // of a small run's jobs), and a broadcast is a job of its own without it; sort-merge joins instead, whose
            // shuffles are stages inside the query's one job
            "spark.sql.adaptive.enabled", "false",
            "spark.sql.autoBroadcastJoinThreshold", "-1");
    private static final String SHUFFLE_PARTITIONS = "spark.sql.shuffle.partitions";
    private static final Logger LOG = LoggerFactory.getLogger(SessionTuning.class);

    private final SparkSession spark;
    private final List<String> set = new ArrayList<>();
    /** Confs set over the session's own value, with that value (null: the session had none). */
    private final Map<String, String> replaced = new java.util.LinkedHashMap<>();

    SessionTuning(SparkSession spark) {
        this.spark = spark;
    }

    /**
     * Interprets expressions and plans each query as one Spark job for a local run of small inputs, unless the
     * session has chosen.
     */
    void forInputs(long inputBytes) {
        if (inputBytes > SMALL_INPUT_BYTES || !spark.sparkContext().isLocal()) {
            return;
        }
        SMALL_INPUT_SQL_CONFS.forEach((key, value) -> {
            if (!spark.conf().contains(key)) {
                set.add(key);
                spark.conf().set(key, value);
            }
        });
        // one shuffle partition, whatever the launcher's default (jobs/run-local.sh passes 8 for larger inputs): without
        // adaptive execution nothing coalesces a few hundred rows spread over eight tasks per stage. Restored after.
        String partitions = spark.conf().get(SHUFFLE_PARTITIONS);
        if (!"1".equals(partitions)) {
            replaced.put(SHUFFLE_PARTITIONS, spark.conf().contains(SHUFFLE_PARTITIONS) ? partitions : null);
            spark.conf().set(SHUFFLE_PARTITIONS, "1");
        }
        if (!set.isEmpty() || !replaced.isEmpty()) {
            LOG.info("small inputs ({} bytes): interpreted expressions, one Spark job per query, one shuffle partition "
                    + "({}, {})", inputBytes, set, replaced.keySet());
        }
    }

    @Override
    public void close() {
        set.forEach(key -> spark.conf().unset(key));
        set.clear();
        replaced.forEach((key, previous) -> {
            if (previous == null) {
                spark.conf().unset(key);
            } else {
                spark.conf().set(key, previous);
            }
        });
        replaced.clear();
    }
}
