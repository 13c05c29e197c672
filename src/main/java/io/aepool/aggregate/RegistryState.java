package io.aepool.aggregate;

import io.aepool.ingest.RegistryExtract;
import io.aepool.ingest.RegistryHistory;
import io.aepool.ingest.RegistryReader;
import org.apache.spark.sql.Column;
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
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.function.IntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.apache.spark.sql.functions.col;

/**
 * The job's private state for incremental nightly runs, one directory per registry extract under the state root
 * (never under a published run: it holds patient-level rows). The state is a chain of segments, one per run: the
 * first (a full run) holds every row, each later one only what its run read or recomputed, so a night writes in
 * proportion to its new rows, never the whole history again. A later segment supersedes the earlier rows of the
 * patients it lists: their valid rows and rule rejects for the patients with new rows ({@code touched}), their
 * contributions for every recomputed patient ({@code affected}). Contributions of the others are extended to the
 * as-of date arithmetically ({@link RegistryAggregator#extended}) when read. A version file names the segments of
 * the chain and becomes current by an atomic rename of the {@code CURRENT} pointer only after the run has published,
 * so a failed run leaves the previous state in place; unreferenced segments and versions are then deleted. A chain
 * that has reached its length (default {@link #MAX_SEGMENTS}: reading cost grows with the number of segments) is not
 * extended: the next run resumes from it and writes the whole history as one segment, the start of a new chain.
 * <p>
 * A stored version is used only when the settings it was computed under (conf, code, study table: the caller's
 * {@code settingsKey}) are unchanged and the extract partitions it read are byte for byte where they were
 * (sizes and modification times of every file up to its extract date); otherwise the run recomputes in full.
 */
public final class RegistryState {

    /** Segments of a chain before the next run compacts it into one. */
    public static final int MAX_SEGMENTS = 30;

    private static final String CURRENT = "CURRENT";
    private static final String FORMAT = "3"; // 3: a chain of segments
    private static final Pattern EXTRACT_DATE = Pattern.compile(RegistryExtract.EXTRACT_DATE + "=(\\d{4}-\\d{2}-\\d{2})");
    /** Tables of a segment (written when present). */
    private static final List<String> TABLES = List.of("exposures_seen", "events_seen", "patients", "exposures",
            "events", "contributions", "rejects", "touched", "affected");

    private final Path root;
    private final int maxSegments;

    /**
     * @param root        the state directory (e.g. {@code <history root>/.state})
     * @param maxSegments segments of a chain before the next run compacts it into one
     */
    public RegistryState(Path root, int maxSegments) {
        this.root = root;
        this.maxSegments = maxSegments;
    }

    /**
     * What the next run resumes from: the history of the extract, each patient's contribution as of the run's date
     * (lazy views over the segments), and the chain it extends; {@code compact} when the chain has reached its
     * length: the run writes the whole history as the first segment of a new chain instead of adding one.
     */
    public record Stored(RegistryHistory history, Dataset<Row> contributions, List<Segment> chain, boolean compact) {
    }

    /** A segment of a chain: its directory name and the as-of date its contributions were computed for. */
    public record Segment(String name, LocalDate asOf) {
    }

    /** The stored state of {@code extractDir} if it can be resumed under {@code settingsKey} at {@code asOf}. */
    public Optional<Stored> load(SparkSession spark, String extractDir, String settingsKey, LocalDate asOf) {
        Path dir = root.resolve(key(extractDir));
        try {
            if (!Files.exists(dir.resolve(CURRENT))) {
                return Optional.empty();
            }
            Properties meta = new Properties();
            try (Reader r = Files.newBufferedReader(dir.resolve(Files.readString(dir.resolve(CURRENT)).trim()))) {
                meta.load(r);
            }
            LocalDate through = LocalDate.parse(meta.getProperty("through"));
            List<Segment> chain = chain(meta);
            if (!FORMAT.equals(meta.getProperty("format")) || !settingsKey.equals(meta.getProperty("settings"))
                    || !tables(extractDir).equals(meta.getProperty("tables"))
                    || asOf == null || asOf.isBefore(through)
                    || !partitionsFingerprint(Path.of(extractDir), through).equals(meta.getProperty("partitions"))) {
                return Optional.empty();
            }
            Map<String, Long> rowsRead = new LinkedHashMap<>();
            meta.stringPropertyNames().stream().filter(k -> k.startsWith("rows_read."))
                    .forEach(k -> rowsRead.put(k.substring("rows_read.".length()), Long.parseLong(meta.getProperty(k))));
            List<Map<String, Dataset<Row>>> segments = new ArrayList<>();
            for (Segment seg : chain) {
                Map<String, Dataset<Row>> t = new LinkedHashMap<>();
                for (String name : TABLES) {
                    Path p = dir.resolve(seg.name()).resolve(name);
                    if (Files.exists(p)) {
                        t.put(name, spark.read().parquet(p.toString()));
                    }
                }
                segments.add(t);
            }
            Dataset<Row> exposures = current(segments, i -> segments.get(i).get("exposures"), "touched",
                    "registry_id", "patient_id");
            Dataset<Row> events = current(segments, i -> segments.get(i).get("events"), "touched",
                    "registry_id", "patient_id");
            // rows dated after the state's date (an episode starting or an event falling later) may change a patient's
            // intervals or events as the date moves: recomputed. Time running up to the date is extended arithmetically.
            Dataset<Row> recheck = all(segments, "exposures").filter(col("start_date").gt(lit(through)))
                    .select("registry_id", "patient_id")
                    .union(all(segments, "events").filter(col("event_date").gt(lit(through))).select("registry_id", "patient_id"))
                    .distinct();
            // contributions are extended from the date of the segment that computed them
            Dataset<Row> contributions = current(segments, i -> RegistryAggregator.extended(
                    segments.get(i).get("contributions"), chain.get(i).asOf(), asOf), "affected", "registry_id", "patient_id");
            // and patients whose time resumes by the as-of date without a new row (latest_exposure) are recomputed
            recheck = recheck.union(RegistryAggregator.due(contributions, asOf)).distinct();
            // the rejects a touched patient's re-check states again go with a later segment's touched list; the rest stay
            Column rechecked = RegistryReader.recheckedRejects(extractDir);
            Dataset<Row> rejects = current(segments, i -> segments.get(i).get("rejects").filter(rechecked), "touched",
                    "__registry_id", "__patient_id")
                    .unionByName(all(segments, "rejects").filter(rechecked.unary_$bang()));
            return Optional.of(new Stored(new RegistryHistory(through, all(segments, "exposures_seen"),
                    all(segments, "events_seen"), all(segments, "patients"), exposures, events, recheck, rejects, rowsRead),
                    contributions, chain, chain.size() >= maxSegments));
        } catch (IOException | RuntimeException e) {
            // an unreadable state is not an input error: the run recomputes in full and writes a new one
            return Optional.empty();
        }
    }

    private static List<Segment> chain(Properties meta) {
        List<Segment> out = new ArrayList<>();
        String names = meta.getProperty("segments", "");
        for (String name : names.isEmpty() ? new String[0] : names.split(",")) {
            out.add(new Segment(name, LocalDate.parse(meta.getProperty("as_of." + name))));
        }
        if (out.isEmpty()) {
            throw new IllegalStateException("a state version without segments");
        }
        return out;
    }

    /** Every segment's rows of {@code table} (append-only tables: rows seen, patients rows). */
    private static Dataset<Row> all(List<Map<String, Dataset<Row>>> segments, String table) {
        Dataset<Row> out = null;
        for (Map<String, Dataset<Row>> t : segments) {
            out = out == null ? t.get(table) : out.unionByName(t.get(table));
        }
        return out;
    }

    /**
     * The current rows of a per-patient table: each segment's rows ({@code rowsOf} segment index) less those of the
     * patients a later segment's {@code list} names. One join with each patient's last listing, not one anti join per
     * pair of segments: a chain of n segments reads n lists, not n²/2.
     */
    private static Dataset<Row> current(List<Map<String, Dataset<Row>>> segments, IntFunction<Dataset<Row>> rowsOf,
                                        String list, String registryColumn, String patientColumn) {
        Column[] columns = java.util.Arrays.stream(rowsOf.apply(0).columns())
                .map(org.apache.spark.sql.functions::col).toArray(Column[]::new);
        Dataset<Row> rows = null;
        Dataset<Row> listed = null;
        for (int i = 0; i < segments.size(); i++) {
            Dataset<Row> r = rowsOf.apply(i).withColumn("__segment", org.apache.spark.sql.functions.lit(i));
            rows = rows == null ? r : rows.unionByName(r);
            if (i == 0) {
                continue; // the first segment's list supersedes nothing
            }
            Dataset<Row> l = segments.get(i).get(list);
            if (l == null) {
                throw new IllegalStateException("segment " + i + " lacks its " + list + " list"); // load: a full run
            }
            l = l.select(col("registry_id").as(registryColumn), col("patient_id").as(patientColumn),
                    org.apache.spark.sql.functions.lit(i).as("__listed"));
            listed = listed == null ? l : listed.union(l);
        }
        if (listed == null) {
            return rows.select(columns);
        }
        Dataset<Row> last = listed.groupBy(registryColumn, patientColumn)
                .agg(org.apache.spark.sql.functions.max("__listed").as("__last"));
        return rows.join(last, new String[] {registryColumn, patientColumn}, "left")
                .filter(col("__last").isNull().or(col("__last").leq(col("__segment"))))
                .select(columns);
    }

    private static Column lit(LocalDate d) {
        return org.apache.spark.sql.functions.lit(java.sql.Date.valueOf(d));
    }

    /** A state version ready to be written once the run has published: the chain extended by one segment. */
    public record Pending(Path dir, String settingsKey, LocalDate through, String partitions, String tableNames,
                          List<Segment> chain,
                          Map<String, Dataset<Row>> tables, Map<String, Long> rowsRead) {

        /** Writes the segment and the version naming the chain, makes it current; the rest is deleted. */
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
                long id = System.currentTimeMillis();
                while (Files.exists(dir.resolve("s-" + id)) || Files.exists(dir.resolve("v-" + id + ".properties"))) {
                    id++; // two commits within a millisecond
                }
                String segment = "s-" + id;
                for (Map.Entry<String, Dataset<Row>> e : tables.entrySet()) {
                    if (e.getValue() != null) {
                        e.getValue().write().mode(SaveMode.ErrorIfExists)
                                .parquet(dir.resolve(segment).resolve(e.getKey()).toString());
                    }
                }
                List<Segment> segments = new ArrayList<>(chain);
                segments.add(new Segment(segment, through));
                Properties meta = new Properties();
                meta.setProperty("format", FORMAT);
                meta.setProperty("settings", settingsKey);
                meta.setProperty("through", through.toString());
                meta.setProperty("partitions", partitions);
                meta.setProperty("tables", tableNames);
                meta.setProperty("segments", String.join(",", segments.stream().map(Segment::name).toList()));
                segments.forEach(s -> meta.setProperty("as_of." + s.name(), s.asOf().toString()));
                rowsRead.forEach((f, n) -> meta.setProperty("rows_read." + f, Long.toString(n)));
                String version = "v-" + id + ".properties";
                try (Writer w = Files.newBufferedWriter(dir.resolve(version))) {
                    meta.store(w, "aepool incremental state of one registry extract (private: patient-level rows)");
                }
                Path tmp = dir.resolve(CURRENT + ".tmp");
                Files.writeString(tmp, version);
                Files.move(tmp, dir.resolve(CURRENT), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                Set<String> keep = new HashSet<>(segments.stream().map(Segment::name).toList());
                keep.add(version);
                keep.add(CURRENT);
                try (Stream<Path> old = Files.list(dir)) {
                    for (Path p : old.filter(p -> !keep.contains(p.getFileName().toString())).toList()) {
                        deleteTree(p);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write the incremental state under " + dir, e);
            }
        }
    }

    /**
     * The segment to add for {@code extractDir} after a run through {@code through}, extending {@code chain} (empty
     * for a full run): {@code tables} maps names of {@link #TABLES} to this run's rows, materialised when committed.
     */
    public Pending pending(String extractDir, String settingsKey, LocalDate through, List<Segment> chain,
                           Map<String, Dataset<Row>> tables, Map<String, Long> rowsRead) {
        for (String name : tables.keySet()) {
            if (!TABLES.contains(name)) {
                throw new IllegalArgumentException("not a state table: " + name);
            }
        }
        return new Pending(root.resolve(key(extractDir)), settingsKey, through,
                partitionsFingerprint(Path.of(extractDir), through), tables(extractDir), List.copyOf(chain), tables,
                rowsRead);
    }

    /**
     * The extract's tables (a patients table added later, with partitions all after the stored date, must not leave
     * the stored patients' rows unchecked against it).
     */
    static String tables(String extractDir) {
        return String.join(",", RegistryReader.tables(extractDir).stream()
                .map(t -> Path.of(t).getFileName().toString()).toList());
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
