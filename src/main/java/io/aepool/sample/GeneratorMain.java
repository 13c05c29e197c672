package io.aepool.sample;

import org.apache.spark.sql.SparkSession;

import java.nio.file.Path;

/**
 * The command line both sample generators share ({@code jobs/generate-sample.sh}): {@code [OUT_DIR] [SEED]}, written
 * with a {@code local[2]} session that is stopped however the writing ends. Kept once so the two cannot drift.
 */
final class GeneratorMain {

    /** What a generator writes under {@code out} from {@code seed}. */
    @FunctionalInterface
    interface Writer {
        void write(SparkSession spark, Path out, long seed);
    }

    private GeneratorMain() {
    }

    static void run(String[] args, String appName, String defaultOut, long defaultSeed, Writer writer) {
        Path out = Path.of(args.length > 0 ? args[0] : defaultOut);
        long seed = args.length > 1 ? Long.parseLong(args[1]) : defaultSeed;
        SparkSession spark = SparkSession.builder().appName(appName).master("local[2]")
                .config("spark.ui.enabled", "false").getOrCreate();
        try {
            writer.write(spark, out, seed);
        } finally {
            spark.stop();
        }
    }
}
