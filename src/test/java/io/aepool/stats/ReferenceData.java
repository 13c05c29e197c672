package io.aepool.stats;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Reads the study-level reference CSVs in {@code src/test/resources/reference} from the classpath. */
final class ReferenceData {

    /** One CSV row: the study, its year (null when absent) and group (null when absent). */
    record Row(StudyCounts study, Integer year, String group) {
    }

    private final String name;
    private final List<Row> rows;

    private ReferenceData(String name, List<Row> rows) {
        this.name = name;
        this.rows = rows;
    }

    static ReferenceData load(String name) {
        return load("reference", name);
    }

    /** A study-level CSV in another test-resource folder, e.g. {@code load("oracle", "sparse10")}. */
    static ReferenceData load(String folder, String name) {
        String resource = "/" + folder + "/" + name + ".csv";
        try (InputStream in = ReferenceData.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + resource);
            }
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            List<String> header = parseLine(reader.readLine());
            List<Row> rows = new ArrayList<>();
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                if (line.isBlank()) {
                    continue;
                }
                List<String> cells = parseLine(line);
                Map<String, String> r = new HashMap<>();
                for (int i = 0; i < header.size(); i++) {
                    r.put(header.get(i), cells.get(i));
                }
                String id = r.get("study");
                StudyCounts s = r.containsKey("x1i")
                        ? StudyCounts.rate(id, Long.parseLong(r.get("x1i")), Double.parseDouble(r.get("t1i")),
                                Long.parseLong(r.get("x2i")), Double.parseDouble(r.get("t2i")))
                        : StudyCounts.binary(id, Long.parseLong(r.get("ai")), Long.parseLong(r.get("n1i")),
                                Long.parseLong(r.get("ci")), Long.parseLong(r.get("n2i")));
                Integer year = r.containsKey("year") ? Integer.valueOf(r.get("year")) : null;
                rows.add(new Row(s, year, r.get("group")));
            }
            return new ReferenceData(name, List.copyOf(rows));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String name() {
        return name;
    }

    List<StudyCounts> studies() {
        return rows.stream().map(Row::study).toList();
    }

    /** Studies ordered by year; ties keep file order (List.sort is stable). */
    List<StudyCounts> studiesByYear() {
        List<Row> sorted = new ArrayList<>(rows);
        sorted.sort(Comparator.comparing(Row::year));
        return sorted.stream().map(Row::study).toList();
    }

    /** The study's year, or null when the data set has none. */
    Double yearOf(String studyId) {
        return rows.stream().filter(r -> r.study().studyId().equals(studyId) && r.year() != null)
                .map(r -> r.year().doubleValue()).findFirst().orElse(null);
    }

    String groupOf(String studyId) {
        return rows.stream().filter(r -> r.study().studyId().equals(studyId)).map(Row::group).findFirst().orElse(null);
    }

    /** RFC 4180-style: fields optionally in double quotes, "" inside quotes is a quote. */
    static List<String> parseLine(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char ch = line.charAt(i);
            if (quoted) {
                if (ch == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                    cur.append('"');
                    i++;
                } else if (ch == '"') {
                    quoted = false;
                } else {
                    cur.append(ch);
                }
            } else if (ch == '"') {
                quoted = true;
            } else if (ch == ',') {
                out.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(ch);
            }
        }
        out.add(cur.toString());
        return out;
    }
}
