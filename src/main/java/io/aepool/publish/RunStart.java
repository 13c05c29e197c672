package io.aepool.publish;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

/**
 * Who a run is before it reads anything: its id, start time, as-of date and the content fingerprints of its inputs,
 * which decide whether a nightly run has anything new to do and are written to its manifest.
 *
 * @param conf the conf file, absolute
 * @param asOf registry extracts are read up to this date and follow-up ends there (null: every extract)
 */
public record RunStart(String runId, Instant startedAt, Path conf, LocalDate asOf,
                       List<InputFingerprints.FileEntry> fingerprints, String fingerprint) {

    /**
     * @param inputs        every input file or directory the conf names
     * @param asOf          the date asked for, or null
     * @param newestExtract with no date asked for: the newest extract date among the inputs (nightly runs) instead of
     *                      every extract
     */
    public static RunStart begin(Path conf, List<Path> inputs, LocalDate asOf, boolean newestExtract) {
        Instant startedAt = Instant.now();
        String runId = startedAt.toString().replaceAll("[^0-9]", "").substring(0, 14) + "-"
                + UUID.randomUUID().toString().substring(0, 8);
        LocalDate date = asOf != null ? asOf
                : newestExtract ? InputFingerprints.newestExtractDate(inputs).orElse(null) : null;
        List<InputFingerprints.FileEntry> fingerprints = date == null ? InputFingerprints.of(inputs)
                : InputFingerprints.of(inputs, InputFingerprints.asOf(date));
        Path c = conf.toAbsolutePath().normalize();
        return new RunStart(runId, startedAt, c, date, fingerprints, RunManifest.fingerprint(c, date, fingerprints));
    }

    /** Bytes of every input file read. */
    public long inputBytes() {
        return fingerprints.stream().mapToLong(InputFingerprints.FileEntry::sizeBytes).sum();
    }

    /** The run's manifest, finished now, with the rows read and rejected per input file. */
    public RunManifest manifest(Map<String, Map<String, Long>> rows) {
        return RunManifest.of(runId, asOf, startedAt, Instant.now(), conf, fingerprints, rows);
    }

    /**
     * What registry aggregates depend on besides the extracts: the code, the conf and the study tables. A stored state
     * computed under another key is not resumed.
     *
     * @param studyFiles the study tables the conf names
     */
    public String settingsKey(List<String> studyFiles) {
        Set<String> studies = new TreeSet<>(studyFiles.stream()
                .map(f -> Path.of(f).toAbsolutePath().normalize().toString()).toList());
        StringBuilder sb = new StringBuilder(CodeVersion.current()).append('\n');
        try {
            sb.append(Files.readString(conf)).append('\n');
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        fingerprints.stream().filter(f -> studies.stream().anyMatch(s -> f.path().startsWith(s)))
                .forEach(f -> sb.append(f.path()).append(' ').append(f.sha256()).append('\n'));
        return Sha256.of(sb.toString());
    }
}
