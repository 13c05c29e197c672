package io.aepool.publish;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
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
        tables.analyses().write().mode(SaveMode.ErrorIfExists).partitionBy("outcome")
                .parquet(dir.resolve("results").toString());
        tables.studyCounts().write().mode(SaveMode.ErrorIfExists).parquet(dir.resolve("study_counts").toString());
        writeCsv(dir.resolve("analyses.csv"), tables.csv("analyses", tables.analyses()));
        writeCsv(dir.resolve("study_counts.csv"), tables.csv("study_counts", tables.studyCounts()));
        // rows per family table, counted from the CSV rows already collected (no extra Spark job per table)
        Map<String, Long> familyRows = new java.util.LinkedHashMap<>();
        for (Map.Entry<String, Dataset<Row>> t : tables.familyTables().entrySet()) {
            t.getValue().write().mode(SaveMode.ErrorIfExists).parquet(dir.resolve(t.getKey()).toString());
            familyRows.put(t.getKey(), (long) writeCsv(dir.resolve(t.getKey() + ".csv"), tables.csv(t.getKey(), t.getValue())));
        }
        Map<String, Object> summary = new java.util.LinkedHashMap<>(tables.summary());
        summary.putIfAbsent("family_table_rows", familyRows);
        try {
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                    .writeValue(dir.resolve("summary.json").toFile(), summary);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + dir.resolve("summary.json"), e);
        }
    }

    /** Creates {@code dir} (its parent must exist; fails if it exists) readable by its owner alone (rwx------). */
    static void createOwnerOnlyDirectory(Path dir) throws IOException {
        // owner-only: the results directory is readable by its owner alone unless the operator widens it
        Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }

    /** @return the number of rows written */
    private static int writeCsv(Path file, Dataset<Row> table) {
        List<Row> rows = table.collectAsList();
        CsvFiles.write(file, table.columns(), rows);
        return rows.size();
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
