package io.aepool.publish;

import io.aepool.publish.InputFingerprints.FileEntry;
import io.aepool.publish.RunManifest.OutputFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.LocalDate;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** manifest.json: what a run read and wrote, with the fingerprint that decides whether to run again. */
class RunManifestTest {

    @TempDir
    Path dir;

    static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    private RunManifest sample(LocalDate asOf) throws Exception {
        Path conf = dir.resolve("job.yaml");
        Files.writeString(conf, "inputs: {}\n");
        Path input = dir.resolve("in/extract_date=2026-11-24/part-0.parquet");
        Files.createDirectories(input.getParent());
        Files.writeString(input, "rows");
        return RunManifest.of("20261125010203-abcd1234", asOf, Instant.parse("2026-11-25T01:02:03Z"),
                Instant.parse("2026-11-25T01:09:00Z"), conf, InputFingerprints.of(List.of(dir.resolve("in"))),
                Map.of("arm_counts", Map.of("read", 10L, "rejected", 1L, "used", 9L)));
    }

    @Test
    void aManifestReadsBackEqualToWhatWasWritten() throws Exception {
        for (LocalDate asOf : new LocalDate[] {LocalDate.parse("2026-11-24"), null}) {
            RunManifest m = sample(asOf).withOutputs(List.of(new OutputFile("analyses.csv", 3, "ab")));
            Path file = dir.resolve("manifest.json");
            m.write(file);
            assertEquals(m, RunManifest.read(file));
            assertEquals(m, RunManifest.read(dir), "a run directory names its manifest");
        }
        String json = Files.readString(dir.resolve("manifest.json"));
        for (String field : List.of("\"run_id\"", "\"as_of\" : null", "\"started_at\" : \"2026-11-25T01:02:03Z\"", "\"finished_at\"",
                "\"code_version\"", "\"conf\"", "\"conf_sha256\"", "\"fingerprint\"", "\"inputs\"", "\"size_bytes\"", "\"rows\"",
                "\"rejected\" : 1", "\"outputs\"")) {
            assertTrue(json.contains(field), field + " in " + json);
        }
    }

    @Test
    void theManifestRecordsTheConfHashCodeVersionAndInputs() throws Exception {
        RunManifest m = sample(LocalDate.parse("2026-11-24"));
        assertEquals(sha256("inputs: {}\n".getBytes()), m.confSha256());
        assertEquals(dir.resolve("job.yaml").toString(), m.conf());
        assertEquals(CodeVersion.current(), m.codeVersion());
        assertEquals(1, m.inputs().size());
        assertEquals(sha256("rows".getBytes()), m.inputs().get(0).sha256());
        assertEquals(m.fingerprint(), RunManifest.fingerprint(dir.resolve("job.yaml"), LocalDate.parse("2026-11-24"),
                InputFingerprints.of(List.of(dir.resolve("in")))), "the key can be computed before running");
    }

    @Test
    void theFingerprintCoversConfCodeAsOfAndEveryInputButNotTheirOrder() {
        FileEntry a = new FileEntry("/data/a.csv", 1, "2026-01-01T00:00:00Z", "aa");
        FileEntry b = new FileEntry("/data/b.csv", 1, "2026-01-01T00:00:00Z", "bb");
        LocalDate d = LocalDate.parse("2026-11-24");
        String key = RunManifest.fingerprint("conf", "dev+0123456789ab", d, List.of(a, b));
        assertEquals(key, RunManifest.fingerprint("conf", "dev+0123456789ab", d, List.of(b, a)));
        assertEquals(key, RunManifest.fingerprint("conf", "dev+0123456789ab", d,
                List.of(a, new FileEntry("/data/b.csv", 1, "2030-01-01T00:00:00Z", "bb"))), "modification time is not in the key");
        assertNotEquals(key, RunManifest.fingerprint("conf2", "dev+0123456789ab", d, List.of(a, b)));
        assertNotEquals(key, RunManifest.fingerprint("conf", "dev+ba9876543210", d, List.of(a, b)));
        assertNotEquals(key, RunManifest.fingerprint("conf", "dev+0123456789ab", d.plusDays(1), List.of(a, b)));
        assertNotEquals(key, RunManifest.fingerprint("conf", "dev+0123456789ab", null, List.of(a, b)));
        assertNotEquals(key, RunManifest.fingerprint("conf", "dev+0123456789ab", d, List.of(a)));
        assertNotEquals(key, RunManifest.fingerprint("conf", "dev+0123456789ab", d,
                List.of(a, new FileEntry("/data/b.csv", 1, "2026-01-01T00:00:00Z", "bc"))));
        assertTrue(key.matches("[0-9a-f]{64}"));
    }

    @Test
    void outputsListEveryFileUnderTheRunDirectoryWithItsHashExceptTheManifest() throws Exception {
        Path run = dir.resolve("run");
        Files.createDirectories(run.resolve("results/outcome=death"));
        Files.writeString(run.resolve("analyses.csv"), "analysis_id\nx\n");
        Files.write(run.resolve("results/outcome=death/part-0.parquet"), new byte[] {1, 2, 3, 0, -1});
        Files.writeString(run.resolve("results/outcome=death/.part-0.parquet.crc"), "c");
        Files.writeString(run.resolve("manifest.json"), "{}");

        List<OutputFile> outputs = RunManifest.outputsOf(run);

        assertEquals(List.of(new OutputFile("analyses.csv", 14, sha256("analysis_id\nx\n".getBytes())),
                new OutputFile("results/outcome=death/.part-0.parquet.crc", 1, sha256("c".getBytes())),
                new OutputFile("results/outcome=death/part-0.parquet", 5, sha256(new byte[] {1, 2, 3, 0, -1}))), outputs);
    }

    @Test
    void aManifestIsImmutable() throws Exception {
        RunManifest m = sample(null);
        assertNull(m.asOf());
        assertThrows(UnsupportedOperationException.class, () -> m.inputs().clear());
        assertThrows(UnsupportedOperationException.class, () -> m.rows().get("arm_counts").put("read", 0L));
        assertEquals(List.of("read", "rejected", "used"), List.copyOf(m.rows().get("arm_counts").keySet()), "sorted, stable file");
    }
}
