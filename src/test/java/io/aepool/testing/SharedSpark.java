package io.aepool.testing;

import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 extension giving every test one local SparkSession shared by the whole test JVM
 * (the role spark-testing-base's SharedSparkSession plays). Tests receive it as a parameter:
 * {@code @ExtendWith(SharedSpark.class) class T { @Test void t(SparkSession spark) {...} }}.
 * The session is stopped once, when the JVM's root extension store closes. After each test the session's cached
 * plans are dropped: a cached plan stays in Spark's cache manager for the session's life, and one JVM runs every test
 * class (registry contributions cache their per-interval plan; hundreds of them filled the 2 GiB heap with plan trees).
 */
public final class SharedSpark implements ParameterResolver, AfterEachCallback {

    private static final String KEY = "aepool.shared.spark";

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == SparkSession.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
                .getOrComputeIfAbsent(KEY, k -> new Holder(), Holder.class).spark;
    }

    @Override
    public void afterEach(ExtensionContext context) {
        SparkSession.getDefaultSession().foreach(s -> {
            s.catalog().clearCache();
            return null;
        });
    }

    public static SparkSession session() {
        return Holder.SPARK;
    }

    /** Stops Spark when JUnit closes the root store at the end of the run. */
    private static final class Holder implements ExtensionContext.Store.CloseableResource {
        private static final SparkSession SPARK = SparkSession.builder()
                .appName("aepool-tests")
                .master("local[2,2]") // 2 threads; a failed task is retried once (FaultToleranceTest)
                .config("spark.ui.enabled", "false")
                .config("spark.sql.maxPlanStringLength", "100000")
                .config("spark.sql.shuffle.partitions", "2")
                .config("spark.default.parallelism", "2")
                .config("spark.sql.session.timeZone", "UTC")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.driver.host", "127.0.0.1")
                // one JVM runs every test class, hundreds of jobs in all: the status store keeps few of them (their
                // plans are large) so the 2 GiB heap holds the data, not the history
                .config("spark.sql.ui.retainedExecutions", "20")
                .config("spark.ui.retainedJobs", "100")
                .config("spark.ui.retainedStages", "100")
                .config("spark.ui.retainedTasks", "2000")
                // the job's own session settings for Delta tables (Main builds its session with them too)
                .config(new org.apache.spark.SparkConf().setAll(scala.jdk.javaapi.CollectionConverters.asScala(
                        io.aepool.publish.DeltaTables.SESSION_CONFS)))
                .getOrCreate();
        private final SparkSession spark = SPARK;

        @Override
        public void close() {
            spark.stop();
        }
    }
}
