package io.aepool.cli;

import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * A tiny generic registry extract for nightly-run tests: two registries (REG-A, REG-B) of design registry, JAK
 * inhibitor (experimental) against biologic (comparator), serious infections, every exposure episode 100 days
 * (2023-01-01..2023-04-10) and every counted event on an episode's last day, so first-event person-time is always
 * the whole episode and the hand arithmetic stays in whole episodes.
 *
 * <pre>
 * extract  registry  jak (exp)                         bio (ctl)
 * D1       REG-A     2 episodes (200 d), 1 event        4 episodes (400 d), 2 events   IRR 1
 *                    (+1 non-serious event: not counted)
 * D2       REG-A     +1 event (A-J2)                    +2 events (A-B3, A-B4)         IRR 1 (2/200 vs 4/400)
 *                    +1 methotrexate episode: class outside the groups, quarantined
 *          REG-B     1 episode (100 d), 1 event         1 episode (100 d), 1 event     IRR 1
 * D3       REG-B     +1 episode, no event (read only by runs as of D3 or later)
 * </pre>
 * As of D1 the pool holds REG-A: 1 exp / 2 ctl events; as of D2 REG-A and REG-B: 3 exp / 5 ctl.
 */
final class NightlyFixture {

    static final String D1 = "2024-01-31";
    static final String D2 = "2024-02-29";
    static final String D3 = "2024-03-31";
    static final String POOL = "registries";
    static final String OUTCOME = "serious_infection";

    static final StructType EXPOSURES = strings("registry_id", "patient_id", "drug", "drug_class", "start_date",
            "end_date", "extract_date");
    static final StructType EVENTS = strings("registry_id", "patient_id", "event_date", "term", "soc", "serious",
            "hospitalised", "extract_date");

    private static final String START = "2023-01-01";
    private static final String END = "2023-04-10"; // 100 days inclusive
    private static final String INFECTIONS = "Infections and infestations";

    private NightlyFixture() {
    }

    /** Writes studies.csv, job.yaml and extract 1 (D1) under {@code dir}; returns the conf file. */
    static Path create(SparkSession spark, Path dir) throws IOException {
        Files.writeString(dir.resolve("studies.csv"), """
                study_id,acronym,condition,drug,year,design,control_type,weeks,source
                REG-A,REG-A,psoriasis,JAK inhibitors,2020,registry,active,,nightly test fixture
                REG-B,REG-B,psoriasis,JAK inhibitors,2021,registry,active,,nightly test fixture
                """);
        Path conf = dir.resolve("job.yaml");
        Files.writeString(conf, """
                inputs:
                  studies: [studies.csv]
                  registries:
                    - extract: extract
                registry:
                  exposure_groups:
                    - {group: jak, role: experimental, drug_classes: [JAK inhibitor]}
                    - {group: bio, role: comparator, drug_classes: [biologic]}
                  risk_window_days: 0
                  small_cell_threshold: 1
                outcomes:
                  - name: serious_infection
                    socs: [Infections and infestations]
                pools:
                  - name: registries
                analysis:
                  measures: [IRR]
                  methods: [MH, DL]
                  ci_methods: [wald-z]
                  leave_one_out: false
                nightly:
                  keep_days: 30
                  changes:
                    alert_on: [estimate_moved, significance_flipped, heterogeneity_crossed, studies_added, studies_dropped]
                    alert_subsets: [all]
                """);
        Path x = extract(dir);
        write(spark, x, "exposures", EXPOSURES, SaveMode.Overwrite,
                exposure("REG-A", "A-J1", "tofacitinib", "JAK inhibitor", D1),
                exposure("REG-A", "A-J2", "tofacitinib", "JAK inhibitor", D1),
                exposure("REG-A", "A-B1", "adalimumab", "biologic", D1),
                exposure("REG-A", "A-B2", "adalimumab", "biologic", D1),
                exposure("REG-A", "A-B3", "adalimumab", "biologic", D1),
                exposure("REG-A", "A-B4", "adalimumab", "biologic", D1));
        write(spark, x, "events", EVENTS, SaveMode.Overwrite,
                event("REG-A", "A-J1", END, "Y", D1),
                event("REG-A", "A-J2", "2023-03-01", "N", D1), // not serious: not an outcome event
                event("REG-A", "A-B1", END, "Y", D1),
                event("REG-A", "A-B2", END, "Y", D1));
        return conf;
    }

    /** Appends extract 2 (D2) and extract 3 (D3) as new partitions. */
    static void addLaterExtracts(SparkSession spark, Path dir) {
        Path x = extract(dir);
        write(spark, x, "exposures", EXPOSURES, SaveMode.Append,
                exposure("REG-A", "A-X1", "methotrexate", "conventional systemic", D2), // quarantined
                exposure("REG-B", "B-J1", "baricitinib", "JAK inhibitor", D2),
                exposure("REG-B", "B-B1", "etanercept", "biologic", D2),
                exposure("REG-B", "B-J2", "baricitinib", "JAK inhibitor", D3));
        write(spark, x, "events", EVENTS, SaveMode.Append,
                event("REG-A", "A-J2", END, "Y", D2),
                event("REG-A", "A-B3", END, "Y", D2),
                event("REG-A", "A-B4", END, "Y", D2),
                event("REG-B", "B-J1", END, "Y", D2),
                event("REG-B", "B-B1", END, "Y", D2));
    }

    static Path extract(Path dir) {
        return dir.resolve("extract");
    }

    private static Row exposure(String registry, String patient, String drug, String drugClass, String extractDate) {
        return RowFactory.create(registry, patient, drug, drugClass, START, END, extractDate);
    }

    private static Row event(String registry, String patient, String date, String serious, String extractDate) {
        return RowFactory.create(registry, patient, date, "Pneumonia", INFECTIONS, serious, "N", extractDate);
    }

    /** One table, partitioned by extract_date (as text: Spark infers a date partition). */
    private static void write(SparkSession spark, Path extract, String table, StructType schema, SaveMode mode,
                              Row... rows) {
        spark.createDataFrame(List.of(rows), schema).coalesce(1).write().mode(mode).partitionBy("extract_date")
                .parquet(extract.resolve(table).toString());
    }

    private static StructType strings(String... names) {
        StructType t = new StructType();
        for (String n : names) {
            t = t.add(n, DataTypes.StringType);
        }
        return t;
    }

    // ---- reading a nightly root ----

    /** Names under {@code root/runs}, sorted. */
    static List<String> runs(Path root) throws IOException {
        try (Stream<Path> s = Files.list(root.resolve("runs"))) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /** The run id {@code current} links to (its relative target is {@code runs/<id>}). */
    static String current(Path root) throws IOException {
        Path link = root.resolve("current");
        if (!Files.isSymbolicLink(link)) {
            throw new AssertionError(link + " is not a symbolic link");
        }
        Path target = Files.readSymbolicLink(link);
        if (target.isAbsolute() || target.getNameCount() != 2 || !target.getName(0).toString().equals("runs")) {
            throw new AssertionError("current links to " + target + ", not runs/<run_id>");
        }
        if (!Files.isDirectory(root.resolve(target), LinkOption.NOFOLLOW_LINKS)) {
            throw new AssertionError("current dangles: " + target);
        }
        return target.getFileName().toString();
    }

    static List<CSVRecord> csv(Path file) throws IOException {
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return new ArrayList<>(CSVFormat.RFC4180.builder().setHeader().setSkipHeaderRecord(true).get()
                    .parse(r).getRecords());
        }
    }

    static List<String> header(Path file) throws IOException {
        try (Stream<String> lines = Files.lines(file, StandardCharsets.UTF_8)) {
            return List.of(lines.findFirst().orElseThrow().split(","));
        }
    }
}
