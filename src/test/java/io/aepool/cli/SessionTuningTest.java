package io.aepool.cli;

import io.aepool.testing.SharedSpark;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A local run of small inputs plans each query as one Spark job, and leaves the session as it found it. */
@ExtendWith(SharedSpark.class)
class SessionTuningTest {

    private static final List<String> TUNED = List.of("spark.sql.codegen.wholeStage", "spark.sql.codegen.factoryMode",
            "spark.sql.adaptive.enabled", "spark.sql.autoBroadcastJoinThreshold");

    /** A join of two small tables, then an aggregation: a broadcast and a shuffle stage under adaptive execution. */
    private static Dataset<Row> joinAndCount(SparkSession spark) {
        Dataset<Row> a = spark.range(0, 50).selectExpr("id % 7 AS k", "id AS v");
        Dataset<Row> b = spark.range(0, 7).selectExpr("id AS k", "id * 10 AS w");
        return a.join(b, "k").groupBy("k").count();
    }

    @Test
    void smallInputsRunEachQueryAsOneJobWithoutBroadcastsAndTheSessionIsRestored(SparkSession spark) {
        TUNED.forEach(key -> assertFalse(spark.conf().contains(key), key + " set before the test"));
        String plain = joinAndCount(spark).queryExecution().executedPlan().toString();
        assertTrue(plain.contains("AdaptiveSparkPlan"), plain);

        try (SessionTuning tuning = new SessionTuning(spark)) {
            tuning.forInputs(SessionTuning.SMALL_INPUT_BYTES);
            assertEquals("false", spark.conf().get("spark.sql.adaptive.enabled"));
            assertEquals("-1", spark.conf().get("spark.sql.autoBroadcastJoinThreshold"));
            String tuned = joinAndCount(spark).queryExecution().executedPlan().toString();
            assertFalse(tuned.contains("AdaptiveSparkPlan"), tuned);
            assertFalse(tuned.contains("Broadcast"), tuned);
            assertTrue(tuned.contains("SortMergeJoin"), tuned);
            assertEquals("1", spark.conf().get("spark.sql.shuffle.partitions"), "over the session's 2");
            assertEquals(7, joinAndCount(spark).count(), "the same rows either way");
        }
        assertEquals("2", spark.conf().get("spark.sql.shuffle.partitions"), "the session's own, restored");
        TUNED.forEach(key -> assertFalse(spark.conf().contains(key), key + " left set after the run"));
    }

    @Test
    void largerInputsAndTheSessionsOwnChoicesAreLeftAlone(SparkSession spark) {
        try (SessionTuning tuning = new SessionTuning(spark)) {
            tuning.forInputs(SessionTuning.SMALL_INPUT_BYTES + 1);
            TUNED.forEach(key -> assertFalse(spark.conf().contains(key), key + " set for larger inputs"));
            assertEquals("2", spark.conf().get("spark.sql.shuffle.partitions"));
        }
        spark.conf().set("spark.sql.adaptive.enabled", "true");
        try {
            try (SessionTuning tuning = new SessionTuning(spark)) {
                tuning.forInputs(1);
                assertEquals("true", spark.conf().get("spark.sql.adaptive.enabled"), "the session chose");
                assertEquals("-1", spark.conf().get("spark.sql.autoBroadcastJoinThreshold"));
            }
            assertEquals("true", spark.conf().get("spark.sql.adaptive.enabled"), "not unset: the session's own");
        } finally {
            spark.conf().unset("spark.sql.adaptive.enabled");
        }
    }
}
