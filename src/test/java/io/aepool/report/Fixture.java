package io.aepool.report;

import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVPrinter;
import org.apache.commons.csv.CSVRecord;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Stream;

/** The trimmed sample results under src/test/resources/report/sample-results, copied to a fresh dir under target/. */
final class Fixture {

    static final Path SAMPLE = Path.of("src", "test", "resources", "report", "sample-results");
    static final String PRIMARY = "synthetic-32|serious_infection|RR|MH|wald-z|t(k-2)|none,drop00|all";
    /** The random-effects diamond the report draws: REML with the ad hoc Hartung-Knapp interval. */
    static final String REML = "synthetic-32|serious_infection|RR|REML|hksj-adhoc|t(k-2)|only0:0.5,drop00|all";
    static final String DL = "synthetic-32|serious_infection|RR|DL|wald-z|t(k-2)|only0:0.5,drop00|all";

    private Fixture() {
    }

    /** A fresh copy of the sample results in {@code target/report-test/<name>}. */
    static Path copy(String name) throws IOException {
        Path dir = Path.of("target", "report-test", name).toAbsolutePath();
        if (Files.exists(dir)) {
            try (Stream<Path> walk = Files.walk(dir)) {
                for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
        Files.createDirectories(dir);
        try (Stream<Path> files = Files.list(SAMPLE)) {
            for (Path f : files.toList()) {
                Files.copy(f, dir.resolve(f.getFileName()));
            }
        }
        return dir;
    }

    static List<Map<String, String>> rows(Path csv, Predicate<Map<String, String>> keep) throws IOException {
        List<Map<String, String>> out = new ArrayList<>();
        try (Reader in = Files.newBufferedReader(csv, StandardCharsets.UTF_8);
             CSVParser p = CSVParser.parse(in, CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).get())) {
            for (CSVRecord r : p) {
                Map<String, String> m = r.toMap();
                if (keep.test(m)) {
                    out.add(m);
                }
            }
        }
        return out;
    }

    /** Rewrites {@code csv} keeping only the rows that pass {@code keep} (or mapping them with {@code edit}). */
    static void rewrite(Path csv, Predicate<Map<String, String>> keep,
                        java.util.function.UnaryOperator<Map<String, String>> edit) throws IOException {
        List<String> header;
        List<Map<String, String>> rows = new ArrayList<>();
        try (Reader in = Files.newBufferedReader(csv, StandardCharsets.UTF_8);
             CSVParser p = CSVParser.parse(in, CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).get())) {
            header = p.getHeaderNames();
            for (CSVRecord r : p) {
                Map<String, String> m = new java.util.LinkedHashMap<>(r.toMap());
                if (keep.test(m)) {
                    rows.add(edit.apply(m));
                }
            }
        }
        write(csv, header, rows);
    }

    /** Appends rows to {@code csv} (columns absent from a row are left empty; columns new to the file are added last). */
    static void append(Path csv, List<Map<String, String>> extra) throws IOException {
        List<Map<String, String>> rows = new ArrayList<>(rows(csv, r -> true));
        rows.addAll(extra);
        List<String> header;
        try (Reader in = Files.newBufferedReader(csv, StandardCharsets.UTF_8);
             CSVParser p = CSVParser.parse(in, CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).get())) {
            header = new ArrayList<>(p.getHeaderNames());
        }
        for (Map<String, String> r : extra) {
            r.keySet().stream().filter(k -> !header.contains(k)).forEach(header::add);
        }
        write(csv, header, rows);
    }

    private static void write(Path csv, List<String> header, List<Map<String, String>> rows) throws IOException {
        try (Writer w = Files.newBufferedWriter(csv, StandardCharsets.UTF_8);
             CSVPrinter out = new CSVPrinter(w, CSVFormat.DEFAULT.builder().setHeader(header.toArray(String[]::new))
                     .setRecordSeparator("\n").get())) {
            for (Map<String, String> m : rows) {
                List<String> values = new ArrayList<>();
                header.forEach(h -> values.add(m.get(h)));
                out.printRecord(values);
            }
        }
    }
}
