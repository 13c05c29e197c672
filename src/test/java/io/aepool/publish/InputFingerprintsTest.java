package io.aepool.publish;

import io.aepool.publish.InputFingerprints.FileEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.LocalDate;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Input fingerprints: what a run read, keyed by content so that only a real change forces a re-run. */
class InputFingerprintsTest {

    @TempDir
    Path dir;

    /** A registry extract as Spark writes it: date partitions, part files, checksums and markers. */
    private Path extract() throws IOException {
        Path root = dir.resolve("registry");
        write(root.resolve("extract_date=2026-11-23/part-00000.parquet"), "day one");
        write(root.resolve("extract_date=2026-11-23/.part-00000.parquet.crc"), "crc");
        write(root.resolve("extract_date=2026-11-23/_SUCCESS"), "");
        write(root.resolve("extract_date=2026-11-24/part-00000.parquet"), "day two a");
        write(root.resolve("extract_date=2026-11-24/part-00001.parquet"), "day two b");
        write(root.resolve("_temporary/0/part-00009.parquet"), "half written");
        write(root.resolve("_SUCCESS"), "");
        return root;
    }

    private static void write(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
    }

    private static String sha256(String text) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes("UTF-8")));
    }

    private static String key(List<FileEntry> inputs) {
        return RunManifest.fingerprint("conf", "code", null, inputs);
    }

    @Test
    void listsEveryDataFileSortedWithSizeTimeAndContentHashSkippingHiddenAndMarkerFiles() throws Exception {
        Path root = extract();
        Path csv = dir.resolve("studies.csv");
        write(csv, "study_id\nA\n");
        Instant touched = Instant.parse("2026-11-24T03:00:00Z");
        Files.setLastModifiedTime(csv, FileTime.from(touched));

        List<FileEntry> entries = InputFingerprints.of(List.of(csv, root));

        assertEquals(List.of(root.resolve("extract_date=2026-11-23/part-00000.parquet").toString(),
                        root.resolve("extract_date=2026-11-24/part-00000.parquet").toString(),
                        root.resolve("extract_date=2026-11-24/part-00001.parquet").toString(), csv.toString()),
                entries.stream().map(FileEntry::path).toList());
        FileEntry studies = entries.get(3);
        assertEquals(11, studies.sizeBytes());
        assertEquals("2026-11-24T03:00:00Z", studies.modified());
        assertEquals(sha256("study_id\nA\n"), studies.sha256());
        assertEquals(sha256("day two a"), entries.get(1).sha256());
    }

    @Test
    void theKeyChangesWhenOneByteChangesOrAFileIsAddedButNotWhenOnlyTheModificationTimeChanges() throws Exception {
        Path root = extract();
        String before = key(InputFingerprints.of(List.of(root)));

        Path part = root.resolve("extract_date=2026-11-24/part-00001.parquet");
        Files.setLastModifiedTime(part, FileTime.from(Instant.parse("2030-01-01T00:00:00Z")));
        assertEquals(before, key(InputFingerprints.of(List.of(root))), "touching a file is not a change");

        Files.writeString(part, "day two c"); // one byte differs, same size
        String edited = key(InputFingerprints.of(List.of(root)));
        assertNotEquals(before, edited, "a changed byte is a change");

        write(root.resolve("extract_date=2026-11-25/part-00000.parquet"), "day three");
        assertNotEquals(edited, key(InputFingerprints.of(List.of(root))), "a new partition is a change");

        String now = key(InputFingerprints.of(List.of(root)));
        write(root.resolve("extract_date=2026-11-25/.part-00000.parquet.crc"), "crc");
        assertEquals(now, key(InputFingerprints.of(List.of(root))), "a hidden checksum file is not an input");
    }

    @Test
    void asOfExcludesPartitionsExtractedAfterTheDate() throws Exception {
        Path root = extract();
        List<FileEntry> asOf23 = InputFingerprints.of(List.of(root), InputFingerprints.asOf(LocalDate.parse("2026-11-23")));
        assertEquals(List.of(root.resolve("extract_date=2026-11-23/part-00000.parquet").toString()),
                asOf23.stream().map(FileEntry::path).toList());
        assertEquals(3, InputFingerprints.of(List.of(root), InputFingerprints.asOf(LocalDate.parse("2026-11-24"))).size());
        assertEquals(0, InputFingerprints.of(List.of(root), InputFingerprints.asOf(LocalDate.parse("2026-11-22"))).size());
        // paths without a partition element are always in
        assertEquals(true, InputFingerprints.asOf(LocalDate.parse("2000-01-01")).test(dir.resolve("studies.csv")));

        // a later extract does not change the key of an as-of run
        String before = key(asOf23);
        write(root.resolve("extract_date=2026-11-25/part-00000.parquet"), "day three");
        assertEquals(before, key(InputFingerprints.of(List.of(root), InputFingerprints.asOf(LocalDate.parse("2026-11-23")))));
    }

    @Test
    void aPartitionThatIsNotADateIsAnErrorNotSilentlyIncluded() throws Exception {
        Path bad = dir.resolve("registry/extract_date=20261124/part-0.parquet");
        write(bad, "x");
        assertThrows(IllegalArgumentException.class,
                () -> InputFingerprints.of(List.of(dir.resolve("registry")), InputFingerprints.asOf(LocalDate.parse("2026-11-24"))));
    }

    @Test
    void newestExtractDateIsTheLatestPartitionHoldingData() throws Exception {
        Path root = extract();
        assertEquals(Optional.of(LocalDate.parse("2026-11-24")), InputFingerprints.newestExtractDate(List.of(root)));
        Files.createDirectories(root.resolve("extract_date=2026-11-30")); // empty: no data yet
        write(root.resolve("extract_date=2026-11-29/_SUCCESS"), "");     // a marker alone is no data
        assertEquals(Optional.of(LocalDate.parse("2026-11-24")), InputFingerprints.newestExtractDate(List.of(root)));
        Path csv = dir.resolve("studies.csv");
        write(csv, "study_id\n");
        assertEquals(Optional.empty(), InputFingerprints.newestExtractDate(List.of(csv)));
    }

    @Test
    void aMissingInputIsAnError() {
        assertThrows(java.io.UncheckedIOException.class, () -> InputFingerprints.of(List.of(dir.resolve("nope"))));
    }
}
