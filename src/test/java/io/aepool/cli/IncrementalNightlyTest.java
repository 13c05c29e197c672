package io.aepool.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.aepool.testing.SharedSpark;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Date;
import java.util.List;
import java.util.stream.Stream;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Incremental nightly aggregation: a nightly run resumes from the private state of the previous run and reads only
 * the extract partitions that arrived since, and its published tables equal those of a {@code --full} run over every
 * partition. The extract is the bundled synthetic registry sample (three registries, extracts 2026-08-31 and
 * 2026-11-24: follow-up grows, deaths are recorded, patients at risk up to the as-of date) plus two small extracts
 * whose rows only the whole history decides: a repeat of an earlier exposure row, an exposure of a patient without a
 * patients row and an event of a patient without exposure (both rejected when they arrive, valid once the missing
 * rows arrive in the next extract), and two patients whose person-time grows with the as-of date alone (followed up
 * without an observation end; one exposed from a date after the extract that delivered the episode, the other with
 * an infection dated after the extract that delivered it).
 */
@ExtendWith(SharedSpark.class)
class IncrementalNightlyTest {

    static final String E1 = "2026-08-31";
    static final String E2 = "2026-11-24";
    static final String E3 = "2026-12-15";
    static final String E4 = "2027-01-20";

    /** Published tables compared byte for byte (CSV files are sorted and rounded the same way in every run). */
    static final List<String> TABLES = List.of("registry_incidence.csv", "registry_rate_ratios.csv", "study_counts.csv",
            "analyses.csv", "forest.csv", "rejects.csv", "registry_attrition.csv");

    @TempDir
    Path dir;

    @Test
    void resumingFromTheStateGivesTheTablesOfAFullRecompute(SparkSession spark) throws Exception {
        Path conf = fixture(spark);
        Path incremental = dir.resolve("nightly");
        Path full = dir.resolve("full");

        // the history root: a full run at E1 (no state yet), then one resumed run per extract; the conf keeps at
        // most three segments, so the E4 run compacts the chain
        runNightly(conf, incremental, E1);
        assertEquals("full: every partition", aggregation(incremental));
        for (String[] step : new String[][] {{E2, E1}, {E3, E2}, {E4, E3}}) {
            runNightly(conf, incremental, step[0]);
            assertEquals("incremental: partitions after " + step[1], aggregation(incremental), "as of " + step[0]);
            if (step[0].equals(E3)) {
                // each night added a segment to the private state holding what it read: the third, E3's rows only
                List<Path> segments = segments(incremental);
                assertEquals(3, segments.size(), segments.toString());
                Dataset<Row> e3 = spark.read().parquet(dir.resolve("extract").resolve("exposures").toString())
                        .filter(col("extract_date").equalTo(Date.valueOf(E3)));
                Dataset<Row> seen = spark.read().parquet(segments.get(2).resolve("exposures_seen").toString());
                assertEquals(4, e3.count());
                assertEquals(e3.count(), seen.count());
                assertEquals(1, seen.select("extract_date").distinct().count());
            }
        }

        // a second root, recomputed from scratch as of E4
        runNightly(conf, full, E4, "--full");
        assertEquals("full: every partition", aggregation(full));

        // the E4 run compacted the chain into one segment: the one a full run writes, table for table
        Path compacted = segments(incremental).get(0);
        assertEquals(1, segments(incremental).size());
        Path recomputed = segments(full).get(0);
        for (String table : List.of("exposures_seen", "events_seen", "exposures", "events", "contributions", "rejects")) {
            Dataset<Row> x = spark.read().parquet(compacted.resolve(table).toString());
            Dataset<Row> y = spark.read().parquet(recomputed.resolve(table).toString()).select(
                    java.util.Arrays.stream(x.columns()).map(org.apache.spark.sql.functions::col)
                            .toArray(org.apache.spark.sql.Column[]::new));
            assertEquals(0, x.exceptAll(y).count(), table);
            assertEquals(0, y.exceptAll(x).count(), table);
            assertTrue(x.count() > 0, table);
        }

        Path a = incremental.resolve("current");
        Path b = full.resolve("current");
        for (String table : TABLES) {
            assertEquals(Files.readAllLines(b.resolve(table)), Files.readAllLines(a.resolve(table)), table);
        }
        ObjectMapper json = new ObjectMapper();
        JsonNode sa = json.readTree(a.resolve("summary.json").toFile());
        JsonNode sb = json.readTree(b.resolve("summary.json").toFile());
        assertEquals(sb.get("input_rows"), sa.get("input_rows"), "rows read, rejected and used per file");
        assertEquals(sb.get("rejected_rows_by_rule"), sa.get("rejected_rows_by_rule"));

        // the rows decided by the whole history: the repeat stays rejected, T-1's exposure and T-2's event became
        // valid, T-5's patients row stays rejected (and so its exposure: the only one of a patient not in the table)
        String rejects = Files.readString(a.resolve("rejects.csv"));
        assertTrue(rejects.contains("exposure episode repeats a row of an earlier extract"), rejects);
        assertEquals(1, rejects.lines().filter(l -> l.contains("exposure's patient is not in the patients table"))
                .count(), rejects);
        assertFalse(rejects.contains("event's patient has no exposure episode"), rejects);
        assertTrue(rejects.contains("observation_end is before observation_start"), rejects);

        // the state is private: beside the runs, never inside a published one
        assertTrue(Files.isDirectory(incremental.resolve(io.aepool.publish.PublishStage.STATE_DIR)));
        try (Stream<Path> published = Files.walk(incremental.resolve("runs"))) {
            assertTrue(published.noneMatch(p -> p.toString().contains("state") || p.toString().contains("exposures_seen")));
        }
    }

    /**
     * The washout and the clean window look back in time and censor_at_switch ends a group's time at a later start of
     * another group (latest_exposure, the default, lets an earlier exposure resume after a later one's window: the
     * test above): a patient's earlier rows matter to a later night, and a clean window of the recurrent
     * outcome that runs past a night's as-of date holds the patient's days until a later night recomputes them.
     * Resumed nights under a new-user design and a clean window still give the tables of a --full run, attrition
     * included.
     */
    @Test
    void underANewUserDesignAndAttributionResumedNightsGiveTheTablesOfAFullRun(SparkSession spark) throws Exception {
        Path conf = fixture(spark, """
                  attribution: censor_at_switch
                  new_user:
                    washout_period: 180
                    min_prior_observation: 30
                    first_exposure_only: false
                    remove_subjects_with_prior_outcome: true
                    prior_outcome_lookback: 365
                """, "    clean_window: 30\n");
        Path incremental = dir.resolve("nightly");
        Path full = dir.resolve("full");
        runNightly(conf, incremental, E1);
        for (String[] step : new String[][] {{E2, E1}, {E3, E2}, {E4, E3}}) {
            runNightly(conf, incremental, step[0]);
            assertEquals("incremental: partitions after " + step[1], aggregation(incremental), "as of " + step[0]);
        }
        runNightly(conf, full, E4, "--full");
        Path a = incremental.resolve("current");
        Path b = full.resolve("current");
        for (String table : TABLES) {
            assertEquals(Files.readAllLines(b.resolve(table)), Files.readAllLines(a.resolve(table)), table);
        }
        String attrition = Files.readString(a.resolve("registry_attrition.csv"));
        assertTrue(attrition.contains("new_user_after_washout") && attrition.contains("prior_outcome_removed"), attrition);
    }

    @Test
    void aFullRunOrAChangedEarlierPartitionRecomputesEverything(SparkSession spark) throws Exception {
        Path conf = fixture(spark);
        Path root = dir.resolve("nightly");
        runNightly(conf, root, E2);
        runNightly(conf, root, E3, "--full");
        assertEquals("full: every partition", aggregation(root), "--full ignores the state");

        // an earlier partition rewritten: the stored state no longer describes the history
        Path earlier = dir.resolve("extract").resolve("events").resolve("extract_date=" + E1);
        try (Stream<Path> files = Files.list(earlier)) {
            Path part = files.filter(p -> p.getFileName().toString().endsWith(".parquet")).findFirst().orElseThrow();
            Files.setLastModifiedTime(part, java.nio.file.attribute.FileTime.fromMillis(0));
        }
        runNightly(conf, root, E4);
        assertEquals("full: every partition", aggregation(root));
    }

    /** The segments of the (single) extract's private state under a history root, oldest first. */
    private static List<Path> segments(Path root) throws IOException {
        try (Stream<Path> extracts = Files.list(root.resolve(io.aepool.publish.PublishStage.STATE_DIR))) {
            Path state = extracts.findFirst().orElseThrow();
            try (Stream<Path> files = Files.list(state)) {
                return files.filter(p -> p.getFileName().toString().startsWith("s-")).sorted().toList();
            }
        }
    }

    private static void runNightly(Path conf, Path root, String asOf, String... more) {
        int code = NightlyRunTest.nightly(conf, root, asOf, more);
        assertTrue(code == Main.DONE || code == Main.FLAGGED_CHANGE, "run as of " + asOf + " exited " + code);
    }

    private static String aggregation(Path root) throws IOException {
        JsonNode s = new ObjectMapper().readTree(root.resolve("current").resolve("summary.json").toFile());
        JsonNode use = s.get("registry_aggregation");
        assertEquals(1, use.size(), use.toString());
        return use.elements().next().asText();
    }

    /** The registry sample copied under the temp dir, two tricky extracts appended, and a registry-only conf. */
    private Path fixture(SparkSession spark) throws IOException {
        return fixture(spark, "", "");
    }

    /**
     * @param registryConf   more keys of the conf's registry block (indented by two spaces)
     * @param recurrentConf  more keys of the recurrent outcome (indented by four spaces)
     */
    private Path fixture(SparkSession spark, String registryConf, String recurrentConf) throws IOException {
        Path sample = Path.of("sample-data", "registry");
        Path x = dir.resolve("extract");
        try (Stream<Path> all = Files.walk(sample)) {
            for (Path p : all.toList()) {
                Path target = x.resolve(sample.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
        Dataset<Row> exposures = spark.read().parquet(x.resolve("exposures").toString());
        Dataset<Row> patients = spark.read().parquet(x.resolve("patients").toString());
        Dataset<Row> events = spark.read().parquet(x.resolve("events").toString());
        Row exposure = exposures.filter(col("drug_class").equalTo("JAK inhibitor"))
                .orderBy("registry_id", "patient_id", "start_date").first();
        Row patient = patients.filter(col("registry_id").equalTo(exposure.getAs("registry_id")))
                .orderBy("patient_id", "extract_date").first();
        Row event = events.orderBy("registry_id", "patient_id", "event_date").first();
        Row infection = events.filter(col("soc").equalTo("Infections and infestations"))
                .orderBy("registry_id", "patient_id", "event_date").first();

        // E3: a repeat of an earlier exposure row; T-1 exposed without a patients row; T-2 with an event, no exposure
        append(exposures.schema(), x, "exposures", spark,
                with(exposures.schema(), exposure, "extract_date", Date.valueOf(E3)),
                with(exposures.schema(), exposure, "patient_id", "T-1", "extract_date", Date.valueOf(E3)));
        append(events.schema(), x, "events", spark,
                with(events.schema(), event, "registry_id", exposure.getAs("registry_id"), "patient_id", "T-2",
                        "event_date", Date.valueOf("2026-12-01"), "extract_date", Date.valueOf(E3)));
        // and two patients followed up to the as-of date (no observation end): T-3 exposed until after E4, T-4 from
        // a start after E3; their person-time grows with the as-of date without a new row
        Object[] open = {"observation_start", Date.valueOf("2026-01-01"), "observation_end", null, "death_date", null,
                "extract_date", Date.valueOf(E3)};
        append(patients.schema(), x, "patients", spark,
                with(patients.schema(), patient, "patient_id", "T-2", "extract_date", Date.valueOf(E3)),
                with(with(patients.schema(), patient, open), patients.schema(), "patient_id", "T-3"),
                with(with(patients.schema(), patient, open), patients.schema(), "patient_id", "T-4"));
        append(exposures.schema(), x, "exposures", spark,
                with(exposures.schema(), exposure, "patient_id", "T-3", "start_date", Date.valueOf("2026-10-01"),
                        "end_date", Date.valueOf("2027-06-30"), "extract_date", Date.valueOf(E3)),
                with(exposures.schema(), exposure, "patient_id", "T-4", "start_date", Date.valueOf("2027-01-01"),
                        "end_date", Date.valueOf("2027-03-31"), "extract_date", Date.valueOf(E3)));
        // T-3's infection dated after E3 (delivered with E3): outside its time as of E3, inside it as of E4
        append(events.schema(), x, "events", spark,
                with(events.schema(), infection, "registry_id", exposure.getAs("registry_id"), "patient_id", "T-3",
                        "event_date", Date.valueOf("2027-01-10"), "extract_date", Date.valueOf(E3)));
        // T-5's patients row breaks a rule of the patients table (observation ends before it starts): rejected for
        // good, even once T-5 gets new rows (its exposure in E4 is then rejected as of a patient not in the table)
        append(patients.schema(), x, "patients", spark,
                with(with(patients.schema(), patient, "observation_start", Date.valueOf("2026-06-01"), "observation_end",
                        Date.valueOf("2026-05-01"), "extract_date", Date.valueOf(E3)), patients.schema(),
                        "patient_id", "T-5"));
        // E4: the missing rows arrive: T-1's patients row and an exposure of T-2 covering its event
        append(patients.schema(), x, "patients", spark,
                with(patients.schema(), patient, "patient_id", "T-1", "extract_date", Date.valueOf(E4)));
        append(exposures.schema(), x, "exposures", spark,
                with(exposures.schema(), exposure, "patient_id", "T-2", "start_date", Date.valueOf("2026-11-01"),
                        "end_date", Date.valueOf("2026-12-31"), "extract_date", Date.valueOf(E4)),
                with(exposures.schema(), exposure, "patient_id", "T-5", "start_date", Date.valueOf("2026-12-20"),
                        "end_date", Date.valueOf("2027-01-10"), "extract_date", Date.valueOf(E4)));

        Files.copy(sample.resolve("studies.csv"), dir.resolve("studies.csv"));
        Path conf = dir.resolve("job.yaml");
        Files.writeString(conf, """
                inputs:
                  studies: [studies.csv]
                  registries:
                    - extract: extract
                registry:
                  exposure_groups:
                    - {group: jak, role: experimental, drug_classes: [JAK inhibitor]}
                    - {group: biologic, role: comparator, drug_classes: [biologic]}
                    - {group: conventional, role: comparator, drug_classes: [conventional systemic]}
                  pooled_comparator: biologic
                  risk_window_days: 30
                  strata: [condition, age_band, sex]
                  small_cell_threshold: 5
                %soutcomes:
                  - name: serious_infection
                    socs: [Infections and infestations]
                  - name: any_infection
                    serious: false
                    first_event: false
                    socs: [Infections and infestations]
                %snightly:
                  state_segments: 3
                pools:
                  - name: registries
                analysis:
                  measures: [IRR]
                  methods: [MH, DL]
                  leave_one_out: false
                """.formatted(registryConf, recurrentConf));
        return conf;
    }

    private static Row with(Row row, StructType schema, Object... changes) {
        return with(schema, row, changes);
    }

    /** {@code row} with some fields replaced (name, value pairs). */
    private static Row with(StructType schema, Row row, Object... changes) {
        Object[] values = new Object[schema.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = row.get(i);
        }
        for (int i = 0; i < changes.length; i += 2) {
            values[schema.fieldIndex((String) changes[i])] = changes[i + 1];
        }
        return RowFactory.create(values);
    }

    private static void append(StructType schema, Path extract, String table, SparkSession spark, Row... rows) {
        spark.createDataFrame(List.of(rows), schema).coalesce(1).write().mode(SaveMode.Append).partitionBy("extract_date")
                .parquet(extract.resolve(table).toString());
    }
}
