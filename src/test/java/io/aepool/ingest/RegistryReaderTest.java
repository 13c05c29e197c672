package io.aepool.ingest;

import io.aepool.testing.SharedSpark;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A generic registry extract: exposures/, events/ and patients/ as Parquet partitioned by extract_date. The registry
 * as of a date is the union of the partitions up to it; repeated rows, unknown drug classes and impossible dates are
 * quarantined and accounted for; an unknown registry stops the run; a patient's newest row describes them; and no
 * patient identifier ever reaches a message or the rejects ledger.
 */
@ExtendWith(SharedSpark.class)
class RegistryReaderTest {

    static final String JAN = "2024-01-31";
    static final String FEB = "2024-02-29";
    static final Map<String, String> GROUPS = Map.of("JAK", "jak", "TNF", "tnf");
    /** Every patient id of the fixtures: none may appear in a message or a rejects row. */
    static final List<String> PATIENT_IDS = List.of("PX-0001", "PX-0002", "PX-0003", "PX-0004", "PX-0005", "PX-0009");

    static final StructType EXPOSURES = strings("registry_id", "patient_id", "drug", "drug_class", "start_date",
            "end_date", "extract_date");
    static final StructType EVENTS = strings("registry_id", "patient_id", "event_date", "term", "soc", "serious",
            "hospitalised", "extract_date");
    static final StructType PATIENTS = strings("registry_id", "patient_id", "birth_year", "observation_start",
            "observation_end", "death_date", "condition", "extract_date");

    @TempDir
    Path dir;
    private Dataset<Row> studies;

    static StructType strings(String... names) {
        StructType t = new StructType();
        for (String n : names) {
            t = t.add(n, DataTypes.StringType);
        }
        return t;
    }

    @BeforeEach
    void studies(SparkSession spark) {
        studies = spark.createDataFrame(List.of(RowFactory.create("R1", "registry"), RowFactory.create("T1", "rct")),
                strings("study_id", "design"));
    }

    /** Writes one table of the extract, partitioned by extract_date (as text: Spark infers a date partition). */
    static void write(SparkSession spark, Path extract, String table, StructType schema, Row... rows) {
        spark.createDataFrame(List.of(rows), schema).write().mode(SaveMode.Overwrite).partitionBy("extract_date")
                .parquet(extract.resolve(table).toString());
    }

    /**
     * Two monthly extracts. January: two valid episodes and one of a class outside the conf's groups. February:
     * January's first episode again, an episode ending before it starts and one new valid episode.
     */
    Path twoExtracts(SparkSession spark) {
        Path x = dir.resolve("extract");
        write(spark, x, "exposures", EXPOSURES,
                RowFactory.create("R1", "PX-0001", "tofacitinib", "JAK", "2023-06-01", "2023-12-31", JAN),
                RowFactory.create("R1", "PX-0002", "adalimumab", "TNF", "2023-07-01", "2023-09-30", JAN),
                RowFactory.create("R1", "PX-0003", "methotrexate", "MTX", "2023-07-01", "2023-08-31", JAN),
                RowFactory.create("R1", "PX-0001", "tofacitinib", "JAK", "2023-06-01", "2023-12-31", FEB),
                RowFactory.create("R1", "PX-0004", "baricitinib", "JAK", "2024-02-01", "2024-01-15", FEB),
                RowFactory.create("R1", "PX-0005", "baricitinib", "JAK", "2024-02-01", "2024-02-20", FEB));
        write(spark, x, "events", EVENTS,
                RowFactory.create("R1", "PX-0001", "2023-08-01", "Pneumonia", "Infections and infestations", "Y", "Y", JAN),
                // repeated in February
                RowFactory.create("R1", "PX-0001", "2023-08-01", "Pneumonia", "Infections and infestations", "Y", "Y", FEB),
                // a patient with no exposure episode
                RowFactory.create("R1", "PX-0009", "2024-02-10", "Pneumonia", "Infections and infestations", "Y", "N", FEB),
                // serious must be Y or N
                RowFactory.create("R1", "PX-0002", "2023-08-15", "Cellulitis", "Infections and infestations", "maybe", "N", FEB),
                RowFactory.create("R1", "PX-0005", "2024-02-15", "Herpes zoster", "Infections and infestations", "N", "N", FEB));
        write(spark, x, "patients", PATIENTS,
                RowFactory.create("R1", "PX-0001", "1970", "2020-01-01", JAN, null, "psoriasis", JAN),
                RowFactory.create("R1", "PX-0002", "1985", "2020-01-01", JAN, null, "eczema", JAN),
                // February: observation grows and a death is recorded
                RowFactory.create("R1", "PX-0001", "1970", "2020-01-01", FEB, "2024-02-20", "psoriasis", FEB),
                RowFactory.create("R1", "PX-0005", "1990", "2021-05-01", FEB, null, "psoriasis", FEB));
        return x;
    }

    static List<String> episodes(Dataset<Row> exposures) {
        List<String> out = new ArrayList<>();
        for (Row r : exposures.collectAsList()) {
            out.add(r.getString(r.fieldIndex("patient_id")) + " " + r.getString(r.fieldIndex("exposure_group")) + " "
                    + r.getDate(r.fieldIndex("start_date")) + ".." + r.getDate(r.fieldIndex("end_date")));
        }
        out.sort(null);
        return out;
    }

    static List<String> rejectedRules(Validation v, SparkSession spark) {
        List<String> out = new ArrayList<>();
        for (Row r : v.rejects(spark).collectAsList()) {
            out.add(r.getString(r.fieldIndex("rule")) + " @ " + r.getString(r.fieldIndex("row_key")));
        }
        out.sort(null);
        return out;
    }

    @Test
    void theExposuresHaveTheExtractShapeWithGroupsFromTheConf(SparkSession spark) {
        RegistryExtract x = RegistryReader.read(spark, twoExtracts(spark).toString(), null, GROUPS, studies,
                Validation.defaults());
        assertEquals(List.of("registry_id", "patient_id", "drug", "exposure_group", "start_date", "end_date"),
                Arrays.asList(x.exposures().columns()));
        assertEquals(List.of("registry_id", "patient_id", "event_date", "term", "soc", "serious", "hospitalised",
                "concept_id"), Arrays.asList(x.events().columns()));
        assertEquals(List.of("PX-0001 jak 2023-06-01..2023-12-31", "PX-0002 tnf 2023-07-01..2023-09-30",
                "PX-0005 jak 2024-02-01..2024-02-20"), episodes(x.exposures()));
    }

    @Test
    void asOfADateOnlyThePartitionsUpToItAreRead(SparkSession spark) {
        String x = twoExtracts(spark).toString();
        Validation v = Validation.defaults();
        RegistryExtract mid = RegistryReader.read(spark, x, LocalDate.of(2024, 2, 15), GROUPS, studies, v);
        // January alone: the methotrexate episode is quarantined, nothing repeats yet
        assertEquals(List.of("PX-0001 jak 2023-06-01..2023-12-31", "PX-0002 tnf 2023-07-01..2023-09-30"),
                episodes(mid.exposures()));
        assertEquals(Map.of("read", 3L, "rejected", 1L, "used", 2L),
                v.accounting().get(Path.of(x).resolve("exposures").toString()));
        // the as-of date is inclusive: on February's extract date both are read
        RegistryExtract end = RegistryReader.read(spark, x, LocalDate.of(2024, 2, 29), GROUPS, studies,
                Validation.defaults());
        assertEquals(3, end.exposures().count());
    }

    @Test
    void aResumedReadTakesOnlyTheNewPartitionsAndDoesNotReadAnUndatedTableAgain(SparkSession spark) {
        Path x = dir.resolve("extract");
        write(spark, x, "exposures", EXPOSURES,
                RowFactory.create("R1", "PX-0001", "tofacitinib", "JAK", "2023-06-01", "2023-12-31", JAN),
                RowFactory.create("R1", "PX-0005", "baricitinib", "JAK", "2024-02-01", "2024-02-20", FEB));
        // events delivered as one undated table
        spark.createDataFrame(List.of(RowFactory.create("R1", "PX-0001", "2023-08-01", "Pneumonia",
                        "Infections and infestations", "Y", "Y")),
                strings("registry_id", "patient_id", "event_date", "term", "soc", "serious", "hospitalised"))
                .write().parquet(x.resolve("events").toString());
        Validation first = Validation.defaults();
        RegistryReader.Result january = RegistryReader.read(spark, x.toString(), LocalDate.parse(JAN), GROUPS, studies,
                first, null);
        Map<String, Dataset<Row>> kept = january.segment();
        RegistryHistory history = new RegistryHistory(LocalDate.parse(JAN), kept.get("exposures_seen"),
                kept.get("events_seen"), null, kept.get("exposures"), kept.get("events"),
                spark.createDataFrame(List.of(), strings("registry_id", "patient_id")), kept.get("rejects"),
                first.rowsRead());

        Validation resumed = Validation.defaults();
        RegistryReader.Result february = RegistryReader.read(spark, x.toString(), LocalDate.parse(FEB), GROUPS, studies,
                resumed, history);
        // February's episode alone is new; the undated events were all read in January: not again, not as repeats
        assertEquals(1, february.segment().get("exposures_seen").count());
        assertEquals(0, february.segment().get("events_seen").count());
        assertEquals(List.of("PX-0005"), february.segment().get("touched").collectAsList().stream()
                .map(r -> r.getString(r.fieldIndex("patient_id"))).toList());
        assertEquals(Map.of("read", 1L, "rejected", 0L, "used", 1L),
                resumed.accounting().get(x.resolve("events").toString()));
        assertEquals(Map.of("read", 2L, "rejected", 0L, "used", 2L),
                resumed.accounting().get(x.resolve("exposures").toString()));
        assertEquals(List.of(), rejectedRules(resumed, spark));
    }

    @Test
    void repeatedRowsUnknownClassesAndImpossibleDatesAreQuarantinedAndAccountedFor(SparkSession spark) {
        String x = twoExtracts(spark).toString();
        Validation v = Validation.defaults();
        RegistryExtract extract = RegistryReader.read(spark, x, null, GROUPS, studies, v);
        extract.events().count();
        String janKey = "registry_id=R1, extract_date=" + JAN;
        String febKey = "registry_id=R1, extract_date=" + FEB;
        assertEquals(List.of(
                "drug_class.in_exposure_groups @ " + janKey,
                "end_date.not_before_start_date @ " + febKey,
                "event.not_repeated @ " + febKey,
                "exposure.not_repeated @ " + febKey,
                "patient_id.has_exposure_episode @ " + febKey,
                "serious.y_or_n @ " + febKey),
                rejectedRules(v, spark));
        // 6 episodes read: methotrexate, the repeat and the reversed dates rejected
        assertEquals(Map.of("read", 6L, "rejected", 3L, "used", 3L),
                v.accounting().get(Path.of(x).resolve("exposures").toString()));
        // 5 events read: the repeat, the unexposed patient's and the bad serious flag rejected
        assertEquals(Map.of("read", 5L, "rejected", 3L, "used", 2L),
                v.accounting().get(Path.of(x).resolve("events").toString()));
        assertEquals(2, extract.events().count());
        // the rejects carry the offending value (the repeated episode's start, the unknown class)
        List<Row> rejects = v.rejects(spark).collectAsList();
        assertTrue(rejects.stream().anyMatch(r -> "MTX".equals(r.getString(r.fieldIndex("value")))));
        assertTrue(rejects.stream().anyMatch(r -> r.getString(r.fieldIndex("rule")).equals("exposure.not_repeated")
                && "2023-06-01".equals(r.getString(r.fieldIndex("value")))));
    }

    @Test
    void anEpisodeOfAPatientMissingFromThePatientsTableIsQuarantinedWithoutNamingThePatient(SparkSession spark) {
        Path x = dir.resolve("unlisted");
        write(spark, x, "exposures", EXPOSURES,
                RowFactory.create("R1", "PX-0001", "tofacitinib", "JAK", "2023-06-01", "2023-12-31", JAN),
                RowFactory.create("R1", "PX-0007", "tofacitinib", "JAK", "2023-06-01", "2023-12-31", JAN));
        write(spark, x, "events", EVENTS,
                RowFactory.create("R1", "PX-0001", "2023-08-01", "Pneumonia", "Infections and infestations", "Y", "Y", JAN));
        write(spark, x, "patients", PATIENTS,
                RowFactory.create("R1", "PX-0001", "1970", "2020-01-01", JAN, null, "psoriasis", JAN));
        Validation v = Validation.defaults();
        RegistryExtract extract = RegistryReader.read(spark, x.toString(), null, GROUPS, studies, v);
        // without a patients row there is no follow-up to bound its time: the episode is rejected, not silently lost
        assertEquals(List.of("PX-0001 jak 2023-06-01..2023-12-31"), episodes(extract.exposures()));
        assertEquals(List.of("patient_id.in_patients_table @ registry_id=R1, extract_date=" + JAN),
                rejectedRules(v, spark));
        Row reject = v.rejects(spark).collectAsList().get(0);
        assertEquals("(withheld: subject identifier)", reject.getString(reject.fieldIndex("value")));
    }

    @Test
    void aRegistryMissingFromTheStudiesTableStopsTheRun(SparkSession spark) {
        Path x = dir.resolve("unknown");
        write(spark, x, "exposures", EXPOSURES,
                RowFactory.create("R1", "PX-0001", "tofacitinib", "JAK", "2023-06-01", "2023-12-31", JAN),
                RowFactory.create("R9", "PX-0002", "tofacitinib", "JAK", "2023-06-01", "2023-12-31", JAN));
        write(spark, x, "events", EVENTS,
                RowFactory.create("R1", "PX-0001", "2023-08-01", "Pneumonia", null, null, null, JAN));
        InputException e = assertThrows(InputException.class, () -> RegistryReader.read(spark, x.toString(), null,
                GROUPS, studies, Validation.defaults()));
        assertEquals(x.resolve("exposures").toString(), e.file());
        assertEquals("registry_id", e.column());
        assertEquals("row key registry_id=R9, extract_date=" + JAN, e.key());
        assertTrue(e.rule().startsWith("registry is not in the studies table with design registry"), e.rule());
        assertNoPatientId(e.getMessage());
    }

    @Test
    void aRegistryMustHaveDesignRegistry(SparkSession spark) {
        Path x = dir.resolve("trial");
        write(spark, x, "exposures", EXPOSURES,
                RowFactory.create("T1", "PX-0001", "tofacitinib", "JAK", "2023-06-01", "2023-12-31", JAN));
        write(spark, x, "events", EVENTS,
                RowFactory.create("T1", "PX-0001", "2023-08-01", "Pneumonia", null, null, null, JAN));
        InputException e = assertThrows(InputException.class, () -> RegistryReader.read(spark, x.toString(), null,
                GROUPS, studies, Validation.defaults()));
        assertEquals("registry_id", e.column());
    }

    @Test
    void aRegistryListedTwiceInTheStudiesTableDoesNotDuplicateItsRows(SparkSession spark) {
        Dataset<Row> twice = studies.unionByName(studies);
        Validation v = Validation.defaults();
        RegistryExtract x = RegistryReader.read(spark, twoExtracts(spark).toString(), null, GROUPS, twice, v);
        assertEquals(3, x.exposures().count());
        assertEquals(Map.of("read", 6L, "rejected", 3L, "used", 3L),
                v.accounting().get(dir.resolve("extract").resolve("exposures").toString()));
    }

    @Test
    void thePatientsNewestRowWins(SparkSession spark) {
        String x = twoExtracts(spark).toString();
        RegistryExtract all = RegistryReader.read(spark, x, null, GROUPS, studies, Validation.defaults());
        Row p1 = all.patients().filter("patient_id = 'PX-0001'").collectAsList().get(0);
        assertEquals(1, all.patients().filter("patient_id = 'PX-0001'").count());
        assertEquals(LocalDate.of(2024, 2, 20), p1.getDate(p1.fieldIndex("death_date")).toLocalDate());
        assertEquals(LocalDate.of(2024, 2, 29), p1.getDate(p1.fieldIndex("observation_end")).toLocalDate());
        assertEquals(1970, p1.getInt(p1.fieldIndex("birth_year")));
        // columns beyond the declared ones are kept as text strata
        assertEquals("psoriasis", p1.getString(p1.fieldIndex("condition")));
        assertEquals(3, all.patients().count());
        assertFalse(Arrays.asList(all.patients().columns()).contains("extract_date"));
        // the observation periods come from the newest rows too
        assertEquals(3, all.observation().count());

        // as of January the January row describes the patient: alive, observed to January's extract date
        RegistryExtract jan = RegistryReader.read(spark, x, LocalDate.of(2024, 1, 31), GROUPS, studies,
                Validation.defaults());
        Row p1Jan = jan.patients().filter("patient_id = 'PX-0001'").collectAsList().get(0);
        assertNull(p1Jan.getDate(p1Jan.fieldIndex("death_date")));
        assertEquals(LocalDate.of(2024, 1, 31), p1Jan.getDate(p1Jan.fieldIndex("observation_end")).toLocalDate());
        assertEquals(2, jan.patients().count());
    }

    @Test
    void noPatientIdReachesTheRejectsLedger(SparkSession spark) {
        Validation v = Validation.defaults();
        RegistryExtract x = RegistryReader.read(spark, twoExtracts(spark).toString(), null, GROUPS, studies, v);
        x.events().count();
        List<Row> rejects = v.rejects(spark).collectAsList();
        assertEquals(6, rejects.size());
        for (Row r : rejects) {
            for (int i = 0; i < r.length(); i++) {
                assertNoPatientId(String.valueOf(r.get(i)));
            }
        }
        Row unexposed = rejects.stream().filter(r -> "patient_id".equals(r.getString(r.fieldIndex("column"))))
                .findFirst().orElseThrow();
        assertEquals("(withheld: subject identifier)", unexposed.getString(unexposed.fieldIndex("value")));
    }

    @Test
    void noPatientIdReachesAFatalMessage(SparkSession spark) {
        // every rule fatal: the event of a patient without exposure stops the run, naming the rule but not the patient
        Path x = dir.resolve("orphan");
        write(spark, x, "exposures", EXPOSURES,
                RowFactory.create("R1", "PX-0001", "tofacitinib", "JAK", "2023-06-01", "2023-12-31", JAN));
        write(spark, x, "events", EVENTS,
                RowFactory.create("R1", "PX-0009", "2023-08-01", "Pneumonia", null, null, null, JAN));
        InputException e = assertThrows(InputException.class, () -> RegistryReader.read(spark, x.toString(), null,
                GROUPS, studies, Validation.failFast()));
        assertEquals("patient_id", e.column());
        assertEquals(x.resolve("events").toString(), e.file());
        assertTrue(e.getMessage().contains("(withheld: subject identifier)"), e.getMessage());
        assertNoPatientId(e.getMessage());
    }

    static void assertNoPatientId(String text) {
        for (String id : PATIENT_IDS) {
            assertFalse(text != null && text.contains(id), "patient id " + id + " in: " + text);
        }
        assertFalse(text != null && text.contains("PX-"), "a patient id in: " + text);
    }
}
