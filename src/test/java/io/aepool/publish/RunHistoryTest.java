package io.aepool.publish;

import io.aepool.publish.RunManifest.OutputFile;
import io.aepool.testing.SharedSpark;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The nightly layout: complete runs under runs/, a current link to the last good one, switched atomically,
 * never moved by a failed run, never deleted by retention.
 */
@ExtendWith(SharedSpark.class)
class RunHistoryTest {

    @TempDir
    Path dir;

    Path root;
    Path conf;
    SparkSession spark;

    @BeforeEach
    void setUp(SparkSession spark) throws IOException {
        this.spark = spark;
        root = dir.resolve("nightly");
        conf = dir.resolve("job.yaml");
        Files.writeString(conf, "analysis: {}\n");
        Files.createDirectories(dir.resolve("in"));
        Files.writeString(dir.resolve("in/arm_counts.csv"), "study_id,arm\nA,1\n");
    }

    private ResultsPublisher.RunTables tables(double estimate) {
        Dataset<Row> analyses = spark.createDataFrame(List.of(RowFactory.create("a1", "death", estimate),
                RowFactory.create("a2", "stroke", 2.0)), new StructType().add("analysis_id", DataTypes.StringType)
                .add("outcome", DataTypes.StringType).add("estimate", DataTypes.DoubleType)).coalesce(1);
        Dataset<Row> counts = spark.createDataFrame(List.of(RowFactory.create("A", 3L)),
                new StructType().add("study_id", DataTypes.StringType).add("events", DataTypes.LongType)).coalesce(1);
        Dataset<Row> influence = spark.createDataFrame(List.of(RowFactory.create("a1", "A", 0.5)),
                new StructType().add("analysis_id", DataTypes.StringType).add("omitted", DataTypes.StringType)
                        .add("estimate", DataTypes.DoubleType)).coalesce(1);
        return new ResultsPublisher.RunTables(counts, analyses, Map.of("influence", influence), Map.of("specs", 2));
    }

    private Function<Path, RunManifest> manifest(String runId) {
        return staging -> RunManifest.of(runId, LocalDate.parse("2026-11-24"), Instant.parse("2026-11-25T01:00:00Z"),
                Instant.now(), conf, InputFingerprints.of(List.of(dir.resolve("in"))),
                Map.of("arm_counts", Map.of("read", 1L, "rejected", 0L, "used", 1L)));
    }

    private Path publish(String runId) {
        return RunHistory.publish(root, runId, tables(1.5), RunHistoryTest::writeReport, manifest(runId));
    }

    private static void writeReport(Path staging) {
        try {
            Files.createDirectories(staging.resolve("report"));
            Files.writeString(staging.resolve("report/index.html"), "<html></html>\n");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private List<String> runsDir() throws IOException {
        try (Stream<Path> s = Files.list(root.resolve("runs"))) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private List<String> rootDir() throws IOException {
        try (Stream<Path> s = Files.list(root)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void publishingMakesCurrentPointAtTheNewCompleteRunAndKeepsThePreviousRuns() throws Exception {
        assertEquals(Optional.empty(), RunHistory.current(root));

        Path first = publish("20261124010000-aaaa0001");

        assertEquals(root.resolve("runs/20261124010000-aaaa0001").toAbsolutePath(), first);
        assertEquals(Path.of("runs/20261124010000-aaaa0001"), Files.readSymbolicLink(root.resolve("current")),
                "a relative link: the root can be moved or mounted elsewhere");
        assertEquals(Optional.of(first), RunHistory.current(root));
        assertTrue(Files.isRegularFile(first.resolve("_SUCCESS")));
        assertTrue(Files.isRegularFile(first.resolve("report/index.html")), "beforeCommit wrote into the run");
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(first)));

        Path second = publish("20261125010000-bbbb0002");

        assertEquals(Optional.of(second), RunHistory.current(root));
        assertEquals("20261125010000-bbbb0002", RunHistory.currentManifest(root).orElseThrow().runId());
        assertEquals(List.of("20261124010000-aaaa0001", "20261125010000-bbbb0002"), runsDir(), "previous run kept, no staging left");
        assertEquals(List.of("current", "runs"), rootDir(), "no temporary link left");
        assertTrue(Files.isRegularFile(first.resolve("analyses.csv")));
    }

    @Test
    void theManifestListsEveryFileOfTheRunWithItsHash() throws Exception {
        Path run = publish("20261124010000-aaaa0001");
        RunManifest m = RunManifest.read(run.resolve("manifest.json"));

        List<Path> files;
        try (Stream<Path> walk = Files.walk(run)) {
            files = walk.filter(Files::isRegularFile).sorted().toList();
        }
        List<OutputFile> expected = new java.util.ArrayList<>();
        for (Path f : files) {
            String rel = run.relativize(f).toString();
            if (!rel.equals("manifest.json") && !rel.equals("_SUCCESS")) {
                expected.add(new OutputFile(rel, Files.size(f), RunManifestTest.sha256(Files.readAllBytes(f))));
            }
        }
        assertEquals(expected, m.outputs());
        List<String> paths = m.outputs().stream().map(OutputFile::path).toList();
        for (String p : List.of("analyses.csv", "study_counts.csv", "influence.csv", "summary.json", "report/index.html")) {
            assertTrue(paths.contains(p), p + " in " + paths);
        }
        assertTrue(paths.stream().anyMatch(p -> p.startsWith("results/outcome=death/") && p.endsWith(".parquet")));
        assertEquals(Map.of("read", 1L, "rejected", 0L, "used", 1L), m.rows().get("arm_counts"));
        assertEquals(LocalDate.parse("2026-11-24"), m.asOf());
    }

    @Test
    void aFailingReportLeavesCurrentOnThePreviousRunAndNoStagingDirectory() throws Exception {
        Path first = publish("20261124010000-aaaa0001");
        IllegalStateException boom = new IllegalStateException("report failed");

        IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> RunHistory.publish(root,
                "20261125010000-bbbb0002", tables(9.9), staging -> {
                    throw boom;
                }, manifest("20261125010000-bbbb0002")));

        assertSame(boom, thrown, "the failure is rethrown as is");
        assertEquals(Optional.of(first), RunHistory.current(root));
        assertEquals(List.of("20261124010000-aaaa0001"), runsDir());
        assertEquals(List.of("current", "runs"), rootDir());

        // a manifest for another run is a bug, caught before anything is published
        assertThrows(IllegalArgumentException.class, () -> RunHistory.publish(root, "20261125010000-bbbb0002", tables(9.9),
                RunHistoryTest::writeReport, manifest("someone-else")));
        assertEquals(Optional.of(first), RunHistory.current(root));
        assertEquals(List.of("20261124010000-aaaa0001"), runsDir());

        // the same run id is not published twice
        assertThrows(java.io.UncheckedIOException.class, () -> publish("20261124010000-aaaa0001"));
        assertEquals(List.of("20261124010000-aaaa0001"), runsDir());
        assertThrows(IllegalArgumentException.class, () -> publish("../escape"));
    }

    @Test
    void retentionDeletesOldRunsAndAbandonedStagingButNeverTheCurrentRun() throws Exception {
        Instant now = Instant.parse("2026-12-01T02:00:00Z");
        Clock clock = Clock.fixed(now, ZoneOffset.UTC);
        Path old = publish("r-old");
        Path recent = publish("r-recent");
        Path current = publish("r-current");
        completedAt(old, now.minus(Duration.ofDays(10)));
        completedAt(recent, now.minus(Duration.ofDays(5)));
        completedAt(current, now.minus(Duration.ofDays(30))); // old, but it is what readers see
        Path abandoned = root.resolve("runs/r-killed.staging");
        Files.createDirectories(abandoned.resolve("results"));
        Files.writeString(abandoned.resolve("results/part-0.parquet"), "half");
        for (Path p : List.of(abandoned.resolve("results/part-0.parquet"), abandoned.resolve("results"), abandoned)) {
            Files.setLastModifiedTime(p, FileTime.from(now.minus(Duration.ofHours(30))));
        }
        Path live = root.resolve("runs/r-live.staging");
        Files.createDirectories(live);
        Files.setLastModifiedTime(live, FileTime.from(now.minus(Duration.ofHours(2))));
        Files.createSymbolicLink(root.resolve("current.tmp-r-killed"), Path.of("runs/r-killed"));

        assertEquals(List.of("r-killed.staging", "r-old"), RunHistory.retain(root, 7, clock));

        assertEquals(List.of("r-current", "r-live.staging", "r-recent"), runsDir());
        assertEquals(List.of("current", "runs"), rootDir());
        assertEquals(Optional.of(current), RunHistory.current(root));

        assertEquals(List.of("r-recent"), RunHistory.retain(root, 0, clock));
        assertEquals(List.of("r-current", "r-live.staging"), runsDir());
        assertEquals(Optional.of(current), RunHistory.current(root));
        assertTrue(Files.isRegularFile(current.resolve("analyses.csv")));
        assertThrows(IllegalArgumentException.class, () -> RunHistory.retain(root, -1, clock));
    }

    private static void completedAt(Path run, Instant t) throws IOException {
        Files.setLastModifiedTime(run.resolve("_SUCCESS"), FileTime.from(t));
        Files.setLastModifiedTime(run, FileTime.from(Instant.now())); // the marker decides, not the directory
    }

    @Test
    void aRunIsUpToDateOnlyIfTheCurrentCompleteRunHasTheSameFingerprint() throws Exception {
        String key = RunManifest.fingerprint(conf, LocalDate.parse("2026-11-24"), InputFingerprints.of(List.of(dir.resolve("in"))));
        assertFalse(RunHistory.upToDate(root, key), "nothing published yet");

        Path run = publish("20261124010000-aaaa0001");
        assertTrue(RunHistory.upToDate(root, key));

        Files.writeString(dir.resolve("in/arm_counts.csv"), "study_id,arm\nA,2\n");
        assertFalse(RunHistory.upToDate(root, RunManifest.fingerprint(conf, LocalDate.parse("2026-11-24"),
                InputFingerprints.of(List.of(dir.resolve("in"))))), "an input changed");
        assertFalse(RunHistory.upToDate(root, RunManifest.fingerprint(conf, LocalDate.parse("2026-11-25"),
                InputFingerprints.of(List.of(dir.resolve("in"))))), "another as-of date");

        Files.delete(run.resolve("_SUCCESS"));
        assertFalse(RunHistory.upToDate(root, key), "an incomplete run is never up to date");
    }

    @Test
    void bothPublishersWriteTheSameTables() throws Exception {
        Path run = publish("20261124010000-aaaa0001");
        Path out = dir.resolve("out");
        ResultsPublisher.publish(out, "x", tables(1.5), RunHistoryTest::writeReport);
        for (String f : List.of("analyses.csv", "study_counts.csv", "influence.csv", "summary.json", "report/index.html")) {
            assertArrayEquals(Files.readAllBytes(run.resolve(f)), Files.readAllBytes(out.resolve(f)), f);
        }
        for (String d : List.of("results/outcome=death", "results/outcome=stroke", "study_counts", "influence")) {
            assertTrue(Files.isDirectory(out.resolve(d)) && Files.isDirectory(run.resolve(d)), d);
        }
    }
}
