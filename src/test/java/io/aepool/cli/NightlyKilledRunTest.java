package io.aepool.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.aepool.testing.ChildJvm;
import io.aepool.testing.SharedSpark;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static io.aepool.cli.NightlyFixture.D1;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A nightly run killed (SIGKILL) between its outputs leaves {@code current} on the previous run, whose files are
 * untouched, and no run that looks complete; the next run publishes normally and becomes current.
 */
@ExtendWith(SharedSpark.class)
class NightlyKilledRunTest {

    @TempDir
    Path dir;

    @Test
    void aRunKilledBetweenOutputsLeavesCurrentOnThePreviousRun(SparkSession spark) throws Exception {
        Path conf = NightlyFixture.create(spark, dir);
        Path root = dir.resolve("nightly");
        assertEquals(Main.DONE, NightlyRunTest.nightly(conf, root, D1));
        String run1 = NightlyFixture.current(root);
        Path run1Dir = root.resolve("runs").resolve(run1);
        Map<String, byte[]> run1Files = contents(run1Dir);
        assertTrue(run1Files.containsKey("_SUCCESS") && run1Files.containsKey("manifest.json"), run1Files.keySet().toString());

        // run 2 in a child JVM, forced (the inputs are unchanged), killed once its staging directory holds an output
        Path log = dir.resolve("killed-run.log");
        Process job = ChildJvm.start(ChildJvm.command("io.aepool.cli.Main", "--conf", conf.toString(),
                "--out", root.toString(), "--nightly", "--force", "--as-of", D1), log, Map.of());
        Optional<Path> staging;
        try {
            staging = waitForOutput(root.resolve("runs"), job, 240);
            assertTrue(staging.isPresent(), "the second run never wrote an output; log: " + Files.readString(log));
            job.destroyForcibly(); // SIGKILL on Unix: no shutdown hook, no cleanup
            assertTrue(job.waitFor(30, TimeUnit.SECONDS));
        } finally {
            job.destroyForcibly();
        }
        assertEquals(137, job.exitValue(), "killed by SIGKILL; log: " + Files.readString(log));

        assertEquals(run1, NightlyFixture.current(root), "current still on run 1");
        Map<String, byte[]> after = contents(run1Dir);
        assertEquals(run1Files.keySet(), after.keySet(), "run 1 has the same files");
        run1Files.forEach((name, bytes) -> assertArrayEquals(bytes, after.get(name), "run 1 " + name + " intact"));
        for (String name : NightlyFixture.runs(root)) {
            if (name.equals(run1)) {
                continue;
            }
            assertTrue(name.endsWith(".staging"), "only the killed run's staging directory beside run 1: " + name);
            assertFalse(Files.exists(root.resolve("runs").resolve(name).resolve("_SUCCESS")), name + " looks complete");
        }
        assertTrue(NightlyFixture.runs(root).contains(staging.get().getFileName().toString()), "the abandoned staging stays");

        // the next run publishes normally despite the abandoned staging directory, and becomes current
        assertEquals(Main.DONE, NightlyRunTest.nightly(conf, root, D1, "--force"));
        String run3 = NightlyFixture.current(root);
        assertNotEquals(run1, run3);
        Path run3Dir = root.resolve("runs").resolve(run3);
        assertTrue(Files.isRegularFile(run3Dir.resolve("_SUCCESS")));
        assertTrue(Files.isRegularFile(run3Dir.resolve("report/index.html")));
        assertEquals(List.of(), NightlyFixture.csv(run3Dir.resolve("changes.csv")), "same inputs as run 1: no changes");
        assertEquals(run1, new ObjectMapper().readTree(run3Dir.resolve("summary.json").toFile())
                .get("changes").get("previous_run").asText(), "changes compared with run 1");
    }

    @Test
    void aRunKilledDuringItsDeltaCommitsLeavesEveryTableOnAWholeRunAndTheNextRunCommitsThemAll(SparkSession spark)
            throws Exception {
        Path conf = NightlyFixture.create(spark, dir);
        Path root = dir.resolve("nightly");
        assertEquals(Main.DONE, NightlyRunTest.nightly(conf, root, D1));
        String run1 = NightlyFixture.current(root);
        Path tables = root.resolve(io.aepool.publish.DeltaTables.DIR);
        List<String> names;
        try (Stream<Path> list = Files.list(tables)) {
            names = list.map(p -> p.getFileName().toString()).sorted().toList();
        }
        assertTrue(names.contains("analyses") && names.contains("registry_incidence"), names.toString());
        Map<String, List<String>> run1Rows = new TreeMap<>();
        for (String name : names) {
            run1Rows.put(name, rows(spark.read().format("delta").load(tables.resolve(name).toString())));
        }

        // run 2 in a child JVM, forced (same inputs, so the same rows), killed once its first table has committed
        Path log = dir.resolve("killed-commit.log");
        Process job = ChildJvm.start(ChildJvm.command("io.aepool.cli.Main", "--conf", conf.toString(),
                "--out", root.toString(), "--nightly", "--force", "--as-of", D1), log, Map.of());
        List<String> committedAtKill;
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(240);
            while (System.nanoTime() < deadline && job.isAlive() && committed(tables, names).isEmpty()) {
                Thread.sleep(5);
            }
            job.destroyForcibly(); // SIGKILL: no shutdown hook, no cleanup
            assertTrue(job.waitFor(30, TimeUnit.SECONDS));
            committedAtKill = committed(tables, names);
        } finally {
            job.destroyForcibly();
        }
        assertEquals(137, job.exitValue(), "killed by SIGKILL; log: " + Files.readString(log));
        assertFalse(committedAtKill.isEmpty(), "killed before any commit; log: " + Files.readString(log));
        assertTrue(committedAtKill.size() < names.size(), "killed after every commit: " + committedAtKill);

        assertEquals(run1, NightlyFixture.current(root), "current still on run 1");
        for (String name : names) {
            // every table reads as one whole run: the killed run's version where it committed, run 1's elsewhere
            assertEquals(run1Rows.get(name), rows(spark.read().format("delta").load(tables.resolve(name).toString())),
                    name);
            assertEquals(java.util.Optional.of(0L), io.aepool.publish.DeltaTables.versionOf(spark, io.aepool.publish.DeltaTables.under(root), name, run1));
        }

        // the next run commits every table and becomes current; its changes are read against run 1's versions
        assertEquals(Main.DONE, NightlyRunTest.nightly(conf, root, D1, "--force"));
        String run3 = NightlyFixture.current(root);
        assertNotEquals(run1, run3);
        for (String name : names) {
            long expected = committedAtKill.contains(name) ? 2 : 1;
            assertEquals(java.util.Optional.of(expected), io.aepool.publish.DeltaTables.versionOf(spark, io.aepool.publish.DeltaTables.under(root), name,
                    run3), name + ": run 3's commit follows the killed run's, where there was one");
            assertEquals(run1Rows.get(name), rows(spark.read().format("delta").load(tables.resolve(name).toString())),
                    name);
        }
        Path run3Dir = root.resolve("runs").resolve(run3);
        assertEquals(List.of(), NightlyFixture.csv(run3Dir.resolve("changes.csv")), "same inputs as run 1: no changes");
        assertEquals(run1, new ObjectMapper().readTree(run3Dir.resolve("summary.json").toFile())
                .get("changes").get("previous_run").asText(), "changes compared with run 1");
    }

    /** The tables whose log holds a version after the first run's (version 1). */
    private static List<String> committed(Path tables, List<String> names) {
        return names.stream().filter(n -> Files.exists(tables.resolve(n).resolve("_delta_log")
                .resolve(String.format("%020d.json", 1)))).toList();
    }

    private static List<String> rows(org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> table) {
        return table.collectAsList().stream().map(Object::toString).sorted().toList();
    }

    /** Relative path → bytes of every regular file under {@code dir}. */
    private static Map<String, byte[]> contents(Path dir) throws IOException {
        Map<String, byte[]> out = new TreeMap<>();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                out.put(dir.relativize(f).toString(), Files.readAllBytes(f));
            }
        }
        return out;
    }

    /**
     * Waits until a {@code runs/*.staging} directory holds a finished output: a regular file outside Spark's
     * {@code _temporary} area whose name does not start with '.' or '_'.
     */
    private static Optional<Path> waitForOutput(Path runs, Process job, int seconds) throws InterruptedException, IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline && job.isAlive()) {
            if (Files.isDirectory(runs)) {
                try (Stream<Path> entries = Files.list(runs)) {
                    for (Path staging : entries.filter(p -> p.getFileName().toString().endsWith(".staging")).toList()) {
                        if (holdsOutput(staging)) {
                            return Optional.of(staging);
                        }
                    }
                }
            }
            Thread.sleep(20);
        }
        return Optional.empty();
    }

    private static boolean holdsOutput(Path staging) {
        try (Stream<Path> walk = Files.walk(staging)) {
            return walk.anyMatch(p -> {
                Path rel = staging.relativize(p);
                for (Path element : rel) {
                    String name = element.toString();
                    if (name.startsWith("_") || name.startsWith(".")) {
                        return false;
                    }
                }
                return Files.isRegularFile(p);
            });
        } catch (IOException | UncheckedIOException e) {
            return false; // a file moved while we looked (Spark committing a task): look again
        }
    }
}
