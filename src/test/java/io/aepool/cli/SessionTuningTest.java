package io.aepool.cli;

import io.aepool.testing.SharedSpark;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.concurrent.atomic.AtomicInteger;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(SharedSpark.class)
class SessionTuningTest {

    private static final String AQE = "spark.sql.adaptive.enabled";
    private static final String BROADCAST = "spark.sql.autoBroadcastJoinThreshold";
    private static final String GROUP = "session-tuning-test";

    /** A join of two small tables and a grouping: a broadcast and a shuffle, each a job of its own under AQE. */
    private static long joinedAndGrouped(SparkSession spark) {
        Dataset<Row> subjects = spark.range(40).selectExpr("id AS subject", "id % 4 AS arm");
        Dataset<Row> events = spark.range(200).selectExpr("id % 40 AS subject", "id % 3 AS term");
        return events.join(subjects, "subject").groupBy(col("arm")).agg(count(col("term"))).count();
    }

    /** The Spark jobs {@code query} submits, counted by a listener on this test's job group. */
    private static int jobsOf(SparkSession spark, java.util.function.LongSupplier query) throws Exception {
        AtomicInteger jobs = new AtomicInteger();
        SparkListener listener = new SparkListener() {
            @Override
            public void onJobStart(SparkListenerJobStart job) {
                if (job.properties() != null && GROUP.equals(job.properties().getProperty("spark.jobGroup.id"))) {
                    jobs.incrementAndGet();
                }
            }
        };
        spark.sparkContext().addSparkListener(listener);
        try {
            spark.sparkContext().setJobGroup(GROUP, "counted", false);
            assertEquals(4, query.getAsLong(), "four arms");
            spark.sparkContext().listenerBus().waitUntilEmpty(10_000);
        } finally {
            spark.sparkContext().clearJobGroup();
            spark.sparkContext().removeSparkListener(listener);
        }
        return jobs.get();
    }

    @Test
    void aSmallLocalRunsTrialQueriesAreOneSparkJobEachAndTheSessionIsAsBeforeAfterwards(SparkSession spark)
            throws Exception {
        assertFalse(spark.conf().contains(AQE), "the shared session leaves adaptive execution at Spark's default");
        int adaptive = jobsOf(spark, () -> joinedAndGrouped(spark));
        assertTrue(adaptive > 1, "under adaptive execution the query is several jobs: " + adaptive);
        try (SessionTuning tuning = new SessionTuning(spark)) {
            tuning.forInputs(1_000);
            int[] scoped = new int[1];
            tuning.oneJobPerQuery(() -> {
                assertEquals("false", spark.conf().get(AQE));
                assertEquals("-1", spark.conf().get(BROADCAST));
                scoped[0] = assertDoesNotThrowInt(() -> jobsOf(spark, () -> joinedAndGrouped(spark)));
                return null;
            });
            assertEquals(1, scoped[0], "one job per query inside the scope");
            assertFalse(spark.conf().contains(AQE), "set back as soon as the scope ends");
            assertFalse(spark.conf().contains(BROADCAST));
            assertEquals("false", spark.conf().get("spark.sql.codegen.wholeStage"), "the run's own tuning stays");
        }
        assertFalse(spark.conf().contains("spark.sql.codegen.wholeStage"), "and goes when the run ends");
    }

    @Test
    void largeInputsAndConfsTheSessionHasChosenAreLeftAlone(SparkSession spark) {
        try (SessionTuning tuning = new SessionTuning(spark)) {
            tuning.forInputs(SessionTuning.SMALL_INPUT_BYTES + 1);
            tuning.oneJobPerQuery(() -> {
                assertFalse(spark.conf().contains(AQE), "a large run keeps adaptive execution");
                assertFalse(spark.conf().contains(BROADCAST));
                return null;
            });
        }
        spark.conf().set(AQE, "true");
        try (SessionTuning tuning = new SessionTuning(spark)) {
            tuning.forInputs(1_000);
            tuning.oneJobPerQuery(() -> {
                assertEquals("true", spark.conf().get(AQE), "the session's own choice stands");
                assertEquals("-1", spark.conf().get(BROADCAST));
                return null;
            });
            assertEquals("true", spark.conf().get(AQE));
        } finally {
            spark.conf().unset(AQE);
        }
    }

    private static int assertDoesNotThrowInt(java.util.concurrent.Callable<Integer> counted) {
        return org.junit.jupiter.api.Assertions.assertDoesNotThrow(counted::call);
    }
}
