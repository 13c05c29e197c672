package io.aepool.publish;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Writes a run's outputs under a staging directory beside {@code out}, then swaps it into place, so a
 * run that fails never replaces the last good results. The swap is two renames of whole directories:
 * atomic on local disks and HDFS, not on object stores (S3, GCS), where a reader may briefly see no
 * results.
 */
public final class ResultsPublisher {

    /** The tables a run publishes; all are aggregates (no subject-level rows). */
    /**
     * @param sharedCsv per table name (e.g. {@code analyses}, {@code study_counts}, a family table), the view written
     *                  as its CSV instead of the exact table: small cells suppressed ({@link SmallCells})
     */
    public record RunTables(Dataset<Row> studyCounts, Dataset<Row> analyses, Map<String, Dataset<Row>> familyTables,
                            Map<String, Object> summary, Map<String, Dataset<Row>> sharedCsv) {

        public RunTables(Dataset<Row> studyCounts, Dataset<Row> analyses, Map<String, Dataset<Row>> familyTables,
                         Map<String, Object> summary) {
            this(studyCounts, analyses, familyTables, summary, Map.of());
        }

        Dataset<Row> csv(String name, Dataset<Row> exact) {
            return sharedCsv.getOrDefault(name, exact);
        }
    }

    /** The analyses as Parquet (partitioned by outcome) and the study counts: what the next run compares with. */
    public static final String RESULTS = "results";
    public static final String STUDY_COUNTS = "study_counts";

    private ResultsPublisher() {
    }

    public static void publish(Path out, String runId, RunTables tables) {
        publish(out, runId, tables, staging -> { });
    }

    /**
     * @param beforeSwap runs on the complete staging directory before it is made current (the report is written
     *                   there, from the tables just written); a failure in it publishes nothing
     */
    public static void publish(Path out, String runId, RunTables tables, Consumer<Path> beforeSwap) {
        Path target = out.toAbsolutePath().normalize();
        Path staging = target.resolveSibling(target.getFileName() + ".staging-" + runId);
        try {
            Files.createDirectories(staging.getParent());
            createOwnerOnlyDirectory(staging);
            writeTables(staging, tables);
            beforeSwap.accept(staging);
            swap(staging, target, runId);
        } catch (IOException e) {
            deleteQuietly(staging);
            throw new UncheckedIOException("cannot publish results to " + target, e);
        } catch (RuntimeException e) {
            deleteQuietly(staging);
            throw e;
        }
    }

    /**
     * Writes every table of a run into {@code dir}, which must exist: Parquet and CSV per table ({@code results/}
     * partitioned by outcome plus {@code analyses.csv}, {@code study_counts}, one pair per family table) and
     * {@code summary.json}. Both this publisher and {@link RunHistory} write through it.
     */
    public static void writeTables(Path dir, RunTables tables) {
        // each table's rows are gathered on the driver once (aggregates: a few hundred rows) and written from there
        // as Parquet and CSV; the gathers of tables that are still Spark plans run concurrently, so one's planning
        // overlaps another's tasks (a small run is dominated by such fixed costs, not by the rows)
        Writes writes = new Writes();
        writes.submit(() -> writeBoth(dir.resolve(RESULTS), "outcome", dir.resolve("analyses.csv"), tables.analyses(),
                tables.csv("analyses", tables.analyses())));
        writes.submit(() -> writeBoth(dir.resolve(STUDY_COUNTS), null, dir.resolve("study_counts.csv"),
                tables.studyCounts(), tables.csv("study_counts", tables.studyCounts())));
        // rows per family table, counted from the CSV rows already collected (no extra Spark job per table)
        Map<String, Future<Integer>> csvRows = new java.util.LinkedHashMap<>();
        for (Map.Entry<String, Dataset<Row>> t : tables.familyTables().entrySet()) {
            csvRows.put(t.getKey(), writes.submit(() -> writeBoth(dir.resolve(t.getKey()), null,
                    dir.resolve(t.getKey() + ".csv"), t.getValue(), tables.csv(t.getKey(), t.getValue()))));
        }
        writes.awaitAll();
        Map<String, Long> familyRows = new java.util.LinkedHashMap<>();
        csvRows.forEach((name, rows) -> familyRows.put(name, (long) Writes.done(rows)));
        Map<String, Object> summary = new java.util.LinkedHashMap<>(tables.summary());
        summary.putIfAbsent("family_table_rows", familyRows);
        try {
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                    .writeValue(dir.resolve("summary.json").toFile(), summary);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + dir.resolve("summary.json"), e);
        }
    }

    /**
     * Spark actions run on a few driver threads (Spark schedules concurrent jobs; the job group and other local
     * properties are inherited by the threads). {@link #awaitAll} waits for every action, also after a failure (so
     * nothing is still writing when the caller deletes the staging directory), and rethrows the first failure as
     * it was thrown.
     */
    static final class Writes {
        private static final int THREADS = 3;
        private final ExecutorService pool;
        private final List<Future<?>> submitted = new ArrayList<>();

        Writes() {
            this(THREADS);
        }

        /** Threads are made on first use by the submitting thread, so they inherit its Spark job group. */
        Writes(int threads) {
            pool = Executors.newFixedThreadPool(threads, r -> {
                Thread t = new Thread(r, "aepool-publish");
                t.setDaemon(true);
                return t;
            });
        }

        Future<Void> submit(Runnable action) {
            return submit(() -> {
                action.run();
                return null;
            });
        }

        <T> Future<T> submit(Callable<T> action) {
            Future<T> f = pool.submit(action);
            submitted.add(f);
            return f;
        }

        void awaitAll() {
            Throwable first = null;
            try {
                for (Future<?> f : submitted) {
                    try {
                        f.get();
                    } catch (ExecutionException e) {
                        if (first == null) {
                            first = e.getCause();
                            submitted.forEach(other -> other.cancel(false));
                        }
                    } catch (CancellationException e) {
                        // cancelled after an earlier failure: that failure is rethrown
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        submitted.forEach(other -> other.cancel(true));
                        throw new IllegalStateException("interrupted while writing results", e);
                    }
                }
            } finally {
                pool.shutdown();
            }
            if (first != null) {
                throw Writes.<RuntimeException>sneaky(first);
            }
        }

        /** The value of a future that {@link #awaitAll} has seen complete. */
        static <T> T done(Future<T> f) {
            try {
                return f.get();
            } catch (InterruptedException | ExecutionException e) {
                throw new IllegalStateException("a completed write has no value", e);
            }
        }

        // rethrows Spark's undeclared checked exceptions as they are, as the single-threaded writes did
        @SuppressWarnings("unchecked")
        private static <E extends Throwable> E sneaky(Throwable t) throws E {
            throw (E) t;
        }
    }

    /** Creates {@code dir} (its parent must exist; fails if it exists) readable by its owner alone (rwx------). */
    static void createOwnerOnlyDirectory(Path dir) throws IOException {
        // owner-only: the results directory is readable by its owner alone unless the operator widens it
        Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }

    /**
     * Writes a table's exact rows as Parquet under {@code parquetDir} (partitioned by {@code partitionColumn} unless
     * null) and {@code shown}, its CSV view (small cells suppressed, or the same table), as {@code csv}.
     *
     * @return the number of CSV rows written
     */
    private static int writeBoth(Path parquetDir, String partitionColumn, Path csv, Dataset<Row> exact,
                                 Dataset<Row> shown) {
        List<Row> rows = exact.collectAsList();
        if (partitionColumn == null) {
            DriverParquet.write(parquetDir, exact.schema(), rows);
        } else {
            DriverParquet.writePartitioned(parquetDir, exact.schema(), rows, partitionColumn);
        }
        List<Row> shownRows = shown == exact ? rows : shown.collectAsList();
        CsvFiles.write(csv, shown.columns(), shownRows);
        return shownRows.size();
    }

    private static void swap(Path staging, Path target, String runId) throws IOException {
        Path previous = target.resolveSibling(target.getFileName() + ".previous-" + runId);
        boolean hadPrevious = Files.exists(target);
        if (hadPrevious) {
            Files.move(target, previous, StandardCopyOption.ATOMIC_MOVE);
        }
        Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
        if (hadPrevious) {
            deleteQuietly(previous);
        }
    }

    static void deleteQuietly(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort: a leftover staging directory is harmless and named after its run
        }
    }
}
