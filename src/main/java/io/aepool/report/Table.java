package io.aepool.report;

import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Reads one results CSV as text. Cells stay strings; {@link Row} converts on demand and maps an empty or
 * absent cell to {@code null}. An absent file is an empty table: every table but analyses.csv is optional.
 */
final class Table {

    private Table() {
    }

    /** The rows of {@code file} that pass {@code keep}; an empty list when the file does not exist. */
    static List<Row> read(Path file, Predicate<Row> keep) {
        if (!Files.isRegularFile(file)) {
            return Collections.emptyList();
        }
        CSVFormat format = CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).get();
        List<Row> rows = new ArrayList<>();
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8);
             CSVParser parser = CSVParser.parse(in, format)) {
            List<String> header = parser.getHeaderNames();
            for (CSVRecord record : parser) {
                Map<String, String> cells = new LinkedHashMap<>();
                for (int i = 0; i < header.size() && i < record.size(); i++) {
                    cells.put(header.get(i), record.get(i));
                }
                Row row = new Row(cells);
                if (keep.test(row)) {
                    rows.add(row);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        return rows;
    }

    /** One CSV row, cells by column name. */
    static final class Row {
        private final Map<String, String> cells;

        Row(Map<String, String> cells) {
            this.cells = cells;
        }

        /** The cell as text, {@code null} when empty or absent. */
        String str(String column) {
            String v = cells.get(column);
            return v == null || v.isEmpty() ? null : v;
        }

        /** The cell as text, {@code ""} when empty or absent. */
        String text(String column) {
            String v = str(column);
            return v == null ? "" : v;
        }

        /** The cell as a finite number, {@code null} when empty, absent, not a number or not finite. */
        Double num(String column) {
            String v = str(column);
            if (v == null) {
                return null;
            }
            try {
                double d = Double.parseDouble(v);
                return Double.isFinite(d) ? d : null;
            } catch (NumberFormatException e) {
                return null;
            }
        }

        /** The cell as an integer (a whole number written as {@code 3} or {@code 3.0}), else {@code null}. */
        Integer integer(String column) {
            Double d = num(column);
            return d == null || d != Math.rint(d) ? null : (int) Math.round(d);
        }

        boolean bool(String column) {
            return "true".equalsIgnoreCase(text(column));
        }

        boolean is(String column, String value) {
            return value != null && value.equals(str(column));
        }
    }
}
