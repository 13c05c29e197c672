package io.aepool.aggregate;

import io.aepool.ingest.RegistryExtract;
import io.aepool.ingest.RegistryHistory;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.LocalDate;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.apache.spark.sql.functions.col;

/**
 * The job's private state for incremental nightly runs, one directory per registry extract under the state root
 * (never under a published run: it holds patient-level rows). A version is written whole into a new directory and
 * becomes current by an atomic rename of the {@code CURRENT} pointer only after the run has published, so a failed
 * run leaves the previous state in place; older versions are then deleted.
 * <p>
 * A stored version is used only when the settings it was computed under (conf, code, study table: the caller's
 * {@code settingsKey}) are unchanged and the extract partitions it read are byte for byte where they were
 * (sizes and modification times of every file up to its extract date); otherwise the run recomputes in full.
 */
public final class RegistryState {

    private static final String CURRENT = "CURRENT";
    private static final String META = "meta.properties";
    private static final String FORMAT = "2"; // 2: contributions carry open_until
    private static final Pattern EXTRACT_DATE = Pattern.compile(RegistryExtract.EXTRACT_DATE + "=(\\d{4}-\\d{2}-\\d{2})");
    private static final List<String> TABLES = List.of("exposures_seen", "events_seen", "patients", "exposures",
            "events", "contributions", "rejects");

    private final Path root;

    /** @param root the state directory (e.g. {@code <history root>/.state}) */
    public RegistryState(Path root) {
        this.root = root;
    }

    /** What the next run resumes from: the history of the extract and each patient's contribution. */
    public record Stored(RegistryHistory history, Dataset<Row> contributions) {
    }

    /** The stored state of {@code extractDir} if it can be resumed under {@code settingsKey} at {@code asOf}. */
    public Optional<Stored> load(SparkSession spark, String extractDir, String settingsKey, LocalDate asOf) {
        Path dir = root.resolve(key(extractDir));
        try {
            if (!Files.exists(dir.resolve(CURRENT))) {
                return Optional.empty();
            }
            Path version = dir.resolve(Files.readString(dir.resolve(CURRENT)).trim());
            Properties meta = new Properties();
            try (Reader r = Files.newBufferedReader(version.resolve(META))) {
                meta.load(r);
            }
            LocalDate through = LocalDate.parse(meta.getProperty("through"));
            if (!FORMAT.equals(meta.getProperty("format")) || !settingsKey.equals(meta.getProperty("settings"))
                    || asOf == null || asOf.isBefore(through)
                    || !partitionsFingerprint(Path.of(extractDir), through).equals(meta.getProperty("partitions"))) {
                return Optional.empty();
            }
            Map<String, Long> rowsRead = new LinkedHashMap<>();
            meta.stringPropertyNames().stream().filter(k -> k.startsWith("rows_read."))
                    .forEach(k -> rowsRead.put(k.substring("rows_read.".length()), Long.parseLong(meta.getProperty(k))));
            Map<String, Dataset<Row>> t = new LinkedHashMap<>();
            for (String name : TABLES) {
                Path p = version.resolve(name);
                t.put(name, Files.exists(p) ? spark.read().parquet(p.toString()) : null);
            }
            Dataset<Row> contributions = t.get("contributions");
            Dataset<Row> exposures = t.get("exposures");
            // rows dated after the state's date (an episode starting or an event falling later) may change a patient's
            // intervals or events as the date moves: recomputed. Time running up to the date is extended arithmetically
            // (RegistryAggregator.extended).
            Dataset<Row> recheck = exposures.filter(col("start_date").gt(lit(through))).select("registry_id", "patient_id")
                    .union(t.get("events").filter(col("event_date").gt(lit(through))).select("registry_id", "patient_id"))
                    .distinct();
            return Optional.of(new Stored(new RegistryHistory(through, t.get("exposures_seen"), t.get("events_seen"),
                    t.get("patients"), exposures, t.get("events"), recheck, t.get("rejects"), rowsRead), contributions));
        } catch (IOException | RuntimeException e) {
            // an unreadable state is not an input error: the run recomputes in full and writes a new one
            return Optional.empty();
        }
    }

    private static org.apache.spark.sql.Column lit(LocalDate d) {
        return org.apache.spark.sql.functions.lit(java.sql.Date.valueOf(d));
    }

    /** A state version ready to be written once the run has published. */
    public record Pending(Path dir, String settingsKey, LocalDate through, String partitions,
                          Map<String, Dataset<Row>> tables, Map<String, Long> rowsRead) {

        /** Writes the version and makes it current; earlier versions are deleted. */
        public void commit() {
            try {
                // patient-level rows: readable by the job's user only (where the file system has POSIX permissions)
                if (!Files.exists(dir.getParent())) {
                    try {
                        Files.createDirectories(dir.getParent(), java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                                java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
                    } catch (UnsupportedOperationException e) {
                        Files.createDirectories(dir.getParent());
                    }
                }
                Files.createDirectories(dir);
                Path version = dir.resolve("v-" + System.currentTimeMillis());
                for (Map.Entry<String, Dataset<Row>> e : tables.entrySet()) {
                    if (e.getValue() != null) {
                        e.getValue().write().mode(SaveMode.ErrorIfExists).parquet(version.resolve(e.getKey()).toString());
                    }
                }
                Properties meta = new Properties();
                meta.setProperty("format", FORMAT);
                meta.setProperty("settings", settingsKey);
                meta.setProperty("through", through.toString());
                meta.setProperty("partitions", partitions);
                rowsRead.forEach((f, n) -> meta.setProperty("rows_read." + f, Long.toString(n)));
                try (Writer w = Files.newBufferedWriter(version.resolve(META))) {
                    meta.store(w, "aepool incremental state of one registry extract (private: patient-level rows)");
                }
                Path tmp = dir.resolve(CURRENT + ".tmp");
                Files.writeString(tmp, version.getFileName().toString());
                Files.move(tmp, dir.resolve(CURRENT), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                try (Stream<Path> old = Files.list(dir)) {
                    for (Path p : old.filter(p -> p.getFileName().toString().startsWith("v-") && !p.equals(version)).toList()) {
                        deleteTree(p);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write the incremental state under " + dir, e);
            }
        }
    }

    /**
     * The version to write for {@code extractDir} after a run through {@code through}: the tables are those of
     * {@link RegistryHistory} (plus the contributions), materialised when committed.
     */
    public Pending pending(String extractDir, String settingsKey, LocalDate through, Dataset<Row> exposuresSeen,
                           Dataset<Row> eventsSeen, Dataset<Row> patients, Dataset<Row> exposures, Dataset<Row> events,
                           Dataset<Row> contributions, Dataset<Row> rejects, Map<String, Long> rowsRead) {
        Map<String, Dataset<Row>> tables = new LinkedHashMap<>();
        tables.put("exposures_seen", exposuresSeen);
        tables.put("events_seen", eventsSeen);
        tables.put("patients", patients);
        tables.put("exposures", exposures);
        tables.put("events", events);
        tables.put("contributions", contributions);
        tables.put("rejects", rejects);
        return new Pending(root.resolve(key(extractDir)), settingsKey, through,
                partitionsFingerprint(Path.of(extractDir), through), tables, rowsRead);
    }

    /** One directory per extract: a digest of its absolute path. */
    static String key(String extractDir) {
        return sha256(Path.of(extractDir).toAbsolutePath().normalize().toString()).substring(0, 16);
    }

    /**
     * Paths, sizes and modification times of every file in the extract's partitions up to {@code through}: a
     * partition rewritten, added or removed in the past makes a stored state unusable.
     */
    static String partitionsFingerprint(Path extractDir, LocalDate through) {
        StringBuilder sb = new StringBuilder();
        try (Stream<Path> files = Files.walk(extractDir)) {
            for (Path f : files.filter(Files::isRegularFile).sorted(Comparator.naturalOrder()).toList()) {
                Matcher m = EXTRACT_DATE.matcher(f.toString());
                if (m.find() && LocalDate.parse(m.group(1)).isAfter(through)) {
                    continue;
                }
                sb.append(extractDir.relativize(f)).append('\t').append(Files.size(f)).append('\t')
                        .append(Files.getLastModifiedTime(f).toMillis()).append('\n');
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return sha256(sb.toString());
    }

    static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void deleteTree(Path p) throws IOException {
        try (Stream<Path> all = Files.walk(p)) {
            for (Path q : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(q);
            }
        }
    }
}
