package io.aepool.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.aepool.plan.AnalysisSpec;
import io.aepool.plan.ChangeReport;
import io.aepool.plan.Subset;
import io.aepool.publish.DeltaTables;
import io.aepool.publish.RunManifest;
import io.aepool.stats.CiMethod;
import io.aepool.stats.EffectMeasure;
import io.aepool.stats.PoolingMethod;
import io.aepool.stats.PredictionInterval;
import io.aepool.stats.ZeroCellRule;
import io.aepool.testing.SharedSpark;
import org.apache.commons.csv.CSVRecord;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.IntSupplier;
import java.util.stream.Stream;

import static io.aepool.cli.NightlyFixture.D1;
import static io.aepool.cli.NightlyFixture.D2;
import static io.aepool.cli.NightlyFixture.D3;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The nightly acceptance test: two consecutive synthetic extracts produce the expected change rows. Extract 1 (D1)
 * holds registry REG-A; extract 2 (D2) adds events to REG-A and brings REG-B (see {@link NightlyFixture} for the
 * data and the hand arithmetic). A run as of D1, a run as of D2 (studies added: exit 3), the same run again (up to
 * date: no run) and a forced one (no change rows).
 */
@ExtendWith(SharedSpark.class)
class NightlyRunTest {

    static final List<String> CHANGE_COLUMNS = ChangeReport.Change.COLUMNS.stream().map(c -> c.name()).toList();

    @TempDir
    Path dir;

    @Test
    void twoConsecutiveExtractsProduceTheExpectedChangeRows(SparkSession spark) throws Exception {
        Path conf = NightlyFixture.create(spark, dir);
        Path root = dir.resolve("nightly");
        ObjectMapper json = new ObjectMapper();

        // run 1, as of D1: REG-A alone; nothing to compare with
        assertEquals(Main.DONE, nightly(conf, root, D1));
        List<String> afterRun1 = NightlyFixture.runs(root);
        assertEquals(1, afterRun1.size(), "one run: " + afterRun1);
        String run1 = afterRun1.get(0);
        assertEquals(run1, NightlyFixture.current(root));
        Path run1Dir = root.resolve("runs").resolve(run1);
        assertTrue(Files.isRegularFile(run1Dir.resolve("_SUCCESS")));
        assertEquals(CHANGE_COLUMNS, NightlyFixture.header(run1Dir.resolve("changes.csv")));
        assertEquals(List.of(), NightlyFixture.csv(run1Dir.resolve("changes.csv")), "no previous run: header only");
        JsonNode changes1 = json.readTree(run1Dir.resolve("summary.json").toFile()).get("changes");
        assertTrue(changes1.get("previous_run").isNull(), changes1.toString());
        assertEquals(0, changes1.get("rows").asInt());
        assertEquals(0, changes1.get("flagged").asInt());

        // run 2, as of D2 (extract 3 already delivered too, and ignored): REG-B enters, REG-A gains events
        NightlyFixture.addLaterExtracts(spark, dir);
        assertEquals(Main.FLAGGED_CHANGE, nightly(conf, root, D2));
        List<String> afterRun2 = NightlyFixture.runs(root);
        assertEquals(2, afterRun2.size(), "two runs: " + afterRun2);
        assertTrue(afterRun2.contains(run1), "run 1 is kept");
        assertTrue(Files.isRegularFile(run1Dir.resolve("_SUCCESS")));
        String run2 = afterRun2.stream().filter(r -> !r.equals(run1)).findFirst().orElseThrow();
        assertEquals(run2, NightlyFixture.current(root));
        Path run2Dir = root.resolve("runs").resolve(run2);

        // per whole-pool analysis (IRR × {MH, DL}; the pooled IRR is 1 in both runs, so only studies and events move):
        // events 1 exp, 2 ctl -> 3 exp, 5 ctl (REG-A +1/+2, REG-B +1/+1) and REG-B added, the one flagged change
        List<String> expected = new ArrayList<>();
        for (PoolingMethod method : List.of(PoolingMethod.DL, PoolingMethod.MH)) {
            String id = wholePool(method).id();
            expected.add(String.join("|", id, "registries", "serious_infection", "IRR", method.name(), "all",
                    "events_added", "+2 exp, +3 ctl", "1 exp, 2 ctl", "3 exp, 5 ctl", "false"));
            expected.add(String.join("|", id, "registries", "serious_infection", "IRR", method.name(), "all",
                    "studies_added", "+1: REG-B", "1", "2", "true"));
        }
        expected.sort(null);
        Path changesCsv = run2Dir.resolve("changes.csv");
        assertEquals(CHANGE_COLUMNS, NightlyFixture.header(changesCsv));
        assertEquals(expected, rows(changesCsv));

        JsonNode changes2 = json.readTree(run2Dir.resolve("summary.json").toFile()).get("changes");
        assertEquals(run1, changes2.get("previous_run").asText());
        assertEquals(4, changes2.get("rows").asInt());
        assertEquals(2, changes2.get("flagged").asInt());
        assertEquals(Map.of("events_added", 2, "studies_added", 2),
                json.convertValue(changes2.get("by_change"), Map.class));
        for (JsonNode f : changes2.get("flagged_changes")) {
            assertEquals("studies_added", f.get("change").asText());
            assertEquals("+1: REG-B", f.get("detail").asText());
        }
        assertEquals(D2, json.readTree(run2Dir.resolve("summary.json").toFile()).get("as_of").asText());

        checkManifest(run2Dir, run2, run1Dir);

        // run 3: same as-of, same inputs, conf and code: up to date, nothing published
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        int code = withStdout(console, () -> nightly(conf, root, D2));
        assertEquals(Main.DONE, code);
        assertTrue(console.toString(StandardCharsets.UTF_8).contains("up to date"), console.toString(StandardCharsets.UTF_8));
        assertEquals(afterRun2, NightlyFixture.runs(root), "no new run directory");
        assertEquals(run2, NightlyFixture.current(root));

        // run 4: forced, same inputs: published, and no change rows against run 2
        assertEquals(Main.DONE, nightly(conf, root, D2, "--force"));
        List<String> afterRun4 = NightlyFixture.runs(root);
        assertEquals(3, afterRun4.size(), "three runs: " + afterRun4);
        String run4 = NightlyFixture.current(root);
        assertFalse(afterRun2.contains(run4), "current moved to the forced run");
        Path run4Dir = root.resolve("runs").resolve(run4);
        assertEquals(List.of(), NightlyFixture.csv(run4Dir.resolve("changes.csv")));
        JsonNode changes4 = json.readTree(run4Dir.resolve("summary.json").toFile()).get("changes");
        assertEquals(run2, changes4.get("previous_run").asText());
        assertEquals(0, changes4.get("rows").asInt());
        assertEquals(RunManifest.read(run2Dir).fingerprint(), RunManifest.read(run4Dir).fingerprint(),
                "same inputs, conf, code and as-of");

        // the Delta tables under the root: one version per published run (the up-to-date night committed nothing),
        // each holding that run's rows exactly as the run's own Parquet does; run 2's changes were read from run 1's
        // version by time travel
        List<String> published = List.of(run1, run2, run4);
        for (String table : List.of("analyses", "study_counts", "changes", "registry_incidence")) {
            String location = DeltaTables.path(DeltaTables.under(root), table);
            assertEquals(3L, io.delta.tables.DeltaTable.forPath(spark, location).history().count(),
                    table + ": one commit per published run");
            for (int v = 0; v < published.size(); v++) {
                String run = published.get(v);
                assertEquals(java.util.Optional.of((long) v), DeltaTables.versionOf(spark, DeltaTables.under(root), table, run), table);
                org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> parquet = spark.read().parquet(root
                        .resolve("runs").resolve(run).resolve(table.equals("analyses") ? "results" : table).toString());
                assertEquals(sortedRows(parquet), sortedRows(DeltaTables.read(spark, DeltaTables.under(root), table, v)
                        .select(java.util.Arrays.stream(parquet.columns()).map(org.apache.spark.sql.functions::col)
                                .toArray(org.apache.spark.sql.Column[]::new))), table + " as of run " + run);
            }
        }
        assertEquals(4, NightlyFixture.csv(run2Dir.resolve("changes.csv")).size());
        assertEquals(4L, DeltaTables.read(spark, DeltaTables.under(root), "changes", 1).count(), "run 2's change rows, as its CSV");
    }

    private static List<String> sortedRows(org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> table) {
        return table.collectAsList().stream().map(Object::toString).sorted().toList();
    }

    /** manifest.json of run 2: inputs up to D2 only, rows that add up, outputs with their SHA-256. */
    private void checkManifest(Path runDir, String runId, Path previousRunDir) throws IOException {
        RunManifest m = RunManifest.read(runDir);
        assertEquals(runId, m.runId());
        assertEquals(LocalDate.parse(D2), m.asOf());
        Path extract = NightlyFixture.extract(dir).toAbsolutePath().normalize();
        List<String> inputs = m.inputs().stream().map(f -> f.path()).toList();
        assertTrue(inputs.contains(dir.resolve("studies.csv").toAbsolutePath().normalize().toString()), inputs.toString());
        for (String table : List.of("exposures", "events")) {
            for (String date : List.of(D1, D2)) {
                Path partition = extract.resolve(table).resolve("extract_date=" + date);
                assertTrue(inputs.stream().anyMatch(p -> Path.of(p).startsWith(partition)), "inputs hold " + partition);
            }
        }
        assertTrue(Files.isDirectory(extract.resolve("exposures").resolve("extract_date=" + D3)), "extract 3 exists");
        for (String p : inputs) {
            assertFalse(p.contains("extract_date=" + D3), "an input of a later extract: " + p);
            String name = Path.of(p).getFileName().toString();
            assertFalse(name.startsWith(".") || name.startsWith("_"), "a hidden file among the inputs: " + p);
        }
        for (var f : m.inputs()) {
            assertEquals(sha256(Path.of(f.path())), f.sha256(), f.path());
        }

        m.rows().forEach((file, counts) -> assertEquals(counts.get("read"), counts.get("rejected") + counts.get("used"),
                file + ": read = rejected + used, " + counts));
        // exposures: 6 (D1) + 3 (D2; the methotrexate episode quarantined), D3 not read; events: 4 (D1) + 5 (D2)
        assertEquals(Map.of("read", 9L, "rejected", 1L, "used", 8L), m.rows().get(extract.resolve("exposures").toString()));
        assertEquals(Map.of("read", 9L, "rejected", 0L, "used", 9L), m.rows().get(extract.resolve("events").toString()));
        assertEquals(Map.of("read", 2L, "rejected", 0L, "used", 2L),
                m.rows().get(dir.resolve("studies.csv").toAbsolutePath().normalize().toString()));

        Path changes = runDir.resolve("changes.csv");
        RunManifest.OutputFile out = m.outputs().stream().filter(o -> o.path().equals("changes.csv")).findFirst()
                .orElseThrow(() -> new AssertionError("changes.csv is not among the outputs"));
        assertEquals(sha256(changes), out.sha256());
        assertEquals(Files.size(changes), out.sizeBytes());
        List<String> outputs = m.outputs().stream().map(RunManifest.OutputFile::path).toList();
        assertTrue(outputs.contains("summary.json") && outputs.contains("analyses.csv"), outputs.toString());
        assertFalse(outputs.contains("manifest.json") || outputs.contains("_SUCCESS"), outputs.toString());
        try (Stream<Path> files = Files.walk(runDir)) {
            assertEquals(files.filter(Files::isRegularFile).map(p -> runDir.relativize(p).toString())
                    .filter(p -> !p.equals("manifest.json") && !p.equals("_SUCCESS")).sorted().toList(),
                    outputs.stream().sorted().toList(),
                    "every file of the run is an output");
        }
        assertNotEquals(RunManifest.read(previousRunDir).fingerprint(), m.fingerprint(), "new extracts, new fingerprint");
    }

    static AnalysisSpec wholePool(PoolingMethod method) {
        return new AnalysisSpec(NightlyFixture.POOL, NightlyFixture.OUTCOME, EffectMeasure.IRR, method, CiMethod.WALD_Z,
                PredictionInterval.DEFAULT, ZeroCellRule.DEFAULT, Subset.ALL);
    }

    /** Every row of a changes.csv as its values joined by '|', sorted. */
    static List<String> rows(Path changesCsv) throws IOException {
        List<String> out = new ArrayList<>();
        for (CSVRecord r : NightlyFixture.csv(changesCsv)) {
            out.add(String.join("|", r.toList()));
        }
        out.sort(null);
        return out;
    }

    static int nightly(Path conf, Path root, String asOf, String... more) {
        List<String> args = new ArrayList<>(List.of("--conf", conf.toString(), "--out", root.toString(), "--nightly",
                "--as-of", asOf));
        args.addAll(List.of(more));
        return Main.run(args.toArray(String[]::new));
    }

    static String sha256(Path file) throws IOException {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /** Runs with System.out copied into {@code sink} as well. */
    private static int withStdout(ByteArrayOutputStream sink, IntSupplier run) {
        PrintStream original = System.out;
        PrintStream tee = new PrintStream(new OutputStream() {
            @Override
            public void write(int b) {
                original.write(b);
                sink.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                original.write(b, off, len);
                sink.write(b, off, len);
            }
        }, true, StandardCharsets.UTF_8);
        System.setOut(tee);
        try {
            return run.getAsInt();
        } finally {
            System.out.flush();
            System.setOut(original);
        }
    }
}
