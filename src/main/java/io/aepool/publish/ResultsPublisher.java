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
    public record RunTables(Dataset<Row> studyCounts, Dataset<Row> analyses, Map<String, Dataset<Row>> familyTables,
                            Map<String, Object> summary) {
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
            // owner-only: the results directory is readable by its owner alone unless the operator widens it
            Files.createDirectory(staging, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            tables.analyses().write().mode(SaveMode.ErrorIfExists).partitionBy("outcome")
                    .parquet(staging.resolve("results").toString());
            tables.studyCounts().write().mode(SaveMode.ErrorIfExists).parquet(staging.resolve("study_counts").toString());
            writeCsv(staging.resolve("analyses.csv"), tables.analyses());
            writeCsv(staging.resolve("study_counts.csv"), tables.studyCounts());
            for (Map.Entry<String, Dataset<Row>> t : tables.familyTables().entrySet()) {
                t.getValue().write().mode(SaveMode.ErrorIfExists).parquet(staging.resolve(t.getKey()).toString());
                writeCsv(staging.resolve(t.getKey() + ".csv"), t.getValue());
            }
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                    .writeValue(staging.resolve("summary.json").toFile(), tables.summary());
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

    private static void writeCsv(Path file, Dataset<Row> table) {
        List<Row> rows = table.collectAsList();
        CsvFiles.write(file, table.columns(), rows);
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
