package io.aepool.cli;

import io.aepool.compute.DistributedAnalyses;
import io.aepool.testing.SharedSpark;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The same inputs give byte-identical CSV results whatever the number of partitions the work is spread over. */
@ExtendWith(SharedSpark.class)
class DeterminismTest {

    @TempDir
    Path dir;

    @Test
    void resultsFilesAreByteIdenticalAcrossPartitionings(SparkSession spark) throws IOException {
        Files.writeString(dir.resolve("job.yaml"), """
                inputs:
                  studies: %s
                  arm_counts: [%s]
                analysis:
                  measures: [RR, OR]
                  methods: [MH, DL]
                  ci_methods: [wald-z, hksj]
                  leave_one_out: true
                  cumulative: true
                  subgroups: [condition]
                  meta_regression: [year]
                """.formatted(Path.of("sample-data/published/studies.csv").toAbsolutePath(),
                Path.of("sample-data/published/arm_counts.csv").toAbsolutePath()));
        Path one = run(spark, "1", "1");
        Path many = run(spark, "7", "5");
        List<String> files;
        try (Stream<Path> list = Files.list(one)) {
            files = list.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".csv")).sorted().toList();
        }
        assertTrue(files.size() >= 10, "csv files: " + files);
        for (String f : files) {
            assertArrayEquals(Files.readAllBytes(one.resolve(f)), Files.readAllBytes(many.resolve(f)), f + " differs");
        }
    }

    private Path run(SparkSession spark, String analysisPartitions, String shufflePartitions) {
        String oldShuffle = spark.conf().get("spark.sql.shuffle.partitions");
        spark.conf().set(DistributedAnalyses.PARTITIONS_KEY, analysisPartitions);
        spark.conf().set("spark.sql.shuffle.partitions", shufflePartitions);
        try {
            Path out = dir.resolve("out-" + analysisPartitions);
            assertEquals(Main.DONE, Main.run("--conf", dir.resolve("job.yaml").toString(), "--out", out.toString()));
            return out;
        } finally {
            spark.conf().unset(DistributedAnalyses.PARTITIONS_KEY);
            spark.conf().set("spark.sql.shuffle.partitions", oldShuffle);
        }
    }
}
