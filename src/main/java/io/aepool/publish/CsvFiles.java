package io.aepool.publish;

import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;
import org.apache.spark.sql.Row;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Writes small aggregate tables as one CSV file each (RFC 4180, header row, empty cell for null). */
final class CsvFiles {

    private CsvFiles() {
    }

    static void write(Path file, String[] header, List<Row> rows) {
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
             CSVPrinter csv = new CSVPrinter(w, CSVFormat.RFC4180.builder().setHeader(header).setRecordSeparator('\n').get())) {
            for (Row row : rows) {
                Object[] values = new Object[row.length()];
                for (int i = 0; i < values.length; i++) {
                    values[i] = row.get(i);
                }
                csv.printRecord(values);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
