package io.aepool.cli;

import io.aepool.testing.ChildJvm;
import io.aepool.testing.SharedSpark;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A job killed with SIGKILL while it writes its results leaves the previous published results intact:
 * outputs go to a staging directory that is swapped in only when complete.
 */
@ExtendWith(SharedSpark.class)
class KilledRunTest {

    @TempDir
    Path dir;

    @Test
    void aRunKilledWhileWritingLeavesThePreviousResultsIntact(SparkSession spark) throws Exception {
        Files.writeString(dir.resolve("job.yaml"), """
                inputs:
                  studies: %s
                  arm_counts: [%s]
                analysis:
                  measures: [RR]
                  methods: [MH, DL]
                """.formatted(Path.of("sample-data/published/studies.csv").toAbsolutePath(),
                Path.of("sample-data/published/arm_counts.csv").toAbsolutePath()));
        Path out = dir.resolve("out");
        assertEquals(Main.DONE, Main.run("--conf", dir.resolve("job.yaml").toString(), "--out", out.toString()));
        byte[] analyses = Files.readAllBytes(out.resolve("analyses.csv"));
        byte[] summary = Files.readAllBytes(out.resolve("summary.json"));

        Process job = ChildJvm.start(ChildJvm.command("io.aepool.cli.Main", "--conf", dir.resolve("job.yaml").toString(),
                "--out", out.toString()), dir.resolve("killed-run.log"), Map.of());
        try {
            assertTrue(waitForStaging(out, 180), "the second run never started writing; log: "
                    + Files.readString(dir.resolve("killed-run.log")));
            job.destroyForcibly(); // SIGKILL on Unix: no shutdown hook, no cleanup
            assertTrue(job.waitFor(30, TimeUnit.SECONDS));
        } finally {
            job.destroyForcibly();
        }
        assertEquals(137, job.exitValue(), "killed by SIGKILL");
        assertArrayEquals(analyses, Files.readAllBytes(out.resolve("analyses.csv")), "previous analyses.csv intact");
        assertArrayEquals(summary, Files.readAllBytes(out.resolve("summary.json")), "previous summary.json intact");

        // the next run publishes normally despite the abandoned staging directory
        assertEquals(Main.DONE, Main.run("--conf", dir.resolve("job.yaml").toString(), "--out", out.toString()));
        assertTrue(Files.exists(out.resolve("report/index.html")));
    }

    private static boolean waitForStaging(Path out, int seconds) throws InterruptedException, IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            try (Stream<Path> siblings = Files.list(out.getParent())) {
                if (siblings.anyMatch(p -> p.getFileName().toString().startsWith("out.staging-"))) {
                    return true;
                }
            }
            Thread.sleep(20);
        }
        return false;
    }
}
