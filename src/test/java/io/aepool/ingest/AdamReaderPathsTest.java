package io.aepool.ingest;

import io.aepool.aggregate.TreatmentArm;
import io.aepool.bench.AggregationBench;
import io.aepool.bench.ScaledAdam;
import io.aepool.testing.Files2;
import io.aepool.testing.SharedSpark;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Date;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link AdamReader#read} checks the rules across rows (one ADSL row per subject, every event's subject a validated
 * ADSL row) in one per-subject aggregation and lists rejected rows in second passes; {@link AdamReader#readRuleByRule}
 * checks each rule on its own (a window over ADSL, a join of every event with the subjects). Both must give the same
 * subjects and events, the same rejects row for row (rule, key, value, pointer) and the same accounting, including
 * where the order of the rules decides a row's rule.
 */
@ExtendWith(SharedSpark.class)
class AdamReaderPathsTest {

    @TempDir
    Path dir;

    private static final StructType ADSL = new StructType().add("STUDYID", DataTypes.StringType)
            .add("USUBJID", DataTypes.StringType).add("TRT01A", DataTypes.StringType).add("SAFFL", DataTypes.StringType)
            .add("TRTSDT", DataTypes.DateType).add("TRTEDT", DataTypes.DateType)
            .add("TR01SDT", DataTypes.DateType).add("TR01EDT", DataTypes.DateType);
    private static final StructType ADAE = new StructType().add("STUDYID", DataTypes.StringType)
            .add("USUBJID", DataTypes.StringType).add("TRTA", DataTypes.StringType).add("AEBODSYS", DataTypes.StringType)
            .add("AEDECOD", DataTypes.StringType).add("AESER", DataTypes.StringType).add("TRTEMFL", DataTypes.StringType)
            .add("ASTDT", DataTypes.DateType);

    private static final Date JAN = Date.valueOf("2020-01-01");
    private static final Date JUN = Date.valueOf("2020-06-30");

    private static Row subject(String study, String id, String saffl, Date start, Date end, Date periodEnd) {
        return RowFactory.create(study, id, "Drug", saffl, start, end, JAN, periodEnd);
    }

    private static Row ok(String study, String id) {
        return subject(study, id, "Y", JAN, JUN, JUN);
    }

    private static Row event(String study, String id, String aeser) {
        return RowFactory.create(study, id, "Drug", "Infections and infestations", "Pneumonia", aeser, "Y",
                Date.valueOf("2020-02-01"));
    }

    @Test
    void ruleOrderAcrossRowsIsTheSameInBothPaths(SparkSession spark) {
        String studies = Files2.studies(dir, "T1", "T2", "T3", "T4", "T5", "T6");
        String adsl = dir.resolve("adsl.parquet").toString();
        String adae = dir.resolve("adae.parquet").toString();
        spark.createDataFrame(List.of(
                ok("T1", "T1-001"),
                subject("T1", "T1-002", "X", JAN, JUN, JUN),   // SAFFL first, then ...
                ok("T1", "T1-002"),                            // ... the other row of that subject: usubjid.unique
                ok("T2", "T2-001"),
                ok("T2", "T2-002"), ok("T2", "T2-002"),        // both rows usubjid.unique, its event unknown
                ok("T3", "T3-001"),
                subject("T4", "T4-001", "Y", JUN, JAN, JUN),   // TRTEDT before TRTSDT, its event unknown
                ok("T5", "T5-001"),
                subject("T6", "T6-001", "Y", JAN, JUN, Date.valueOf("2019-12-31")), // the period's end before start
                subject("T6", "T6-001", "Y", JAN, JUN, JUN)),  // a duplicate: uniqueness is checked before the period
                ADSL).write().parquet(adsl);
        spark.createDataFrame(List.of(
                event("T1", "T1-001", "Y"),
                event("T2", "T2-002", "Y"),
                event("T3", "T3-999", "U"),                    // AESER first, though its subject is unknown too
                event("T3", "T3-001", "Y"),
                event("T4", "T4-001", "Y"),
                event("T5", "T5-001", "Y"),
                event("T5", "T5-001", "N")), ADAE).write().parquet(adae);

        for (OptionalInt period : List.of(OptionalInt.empty(), OptionalInt.of(1))) {
            Outcome byRule = run(spark, studies, adsl, adae, period, Set.of("Drug"), true);
            Outcome reshaped = run(spark, studies, adsl, adae, period, Set.of("Drug"), false);
            assertEquals(byRule, reshaped, "period " + period);
            // only T5 is used whole; with the period, T6's duplicate is usubjid.unique either way
            assertEquals(List.of("T5|T5-001"), reshaped.subjects());
            assertTrue(reshaped.rejects().stream().anyMatch(r -> r.contains("usubjid.in_subject_table")), reshaped.rejects().toString());
            // T1-002's second row, both of T2-002 and both of T6-001 (the period rule would take one of these if first)
            assertEquals(5L, reshaped.rejectedByRule().get("usubjid.unique"));
        }
    }

    @Test
    void scaledDataWithEveryKindOfBadRowGivesTheSameTablesAndRejects(SparkSession spark) throws Exception {
        ScaledAdam.write(spark, dir, 2_000, 12, 5L);
        String adsl = dir.resolve("adsl.parquet").toString();
        String adae = dir.resolve("adae.parquet").toString();
        String studies = dir.resolve("studies.csv").toString();
        Set<String> treatments = AggregationBench.treatments().stream().map(TreatmentArm::treatment)
                .collect(Collectors.toSet());
        Outcome byRule = run(spark, studies, adsl, adae, OptionalInt.empty(), treatments, true);
        Outcome reshaped = run(spark, studies, adsl, adae, OptionalInt.empty(), treatments, false);
        assertEquals(byRule, reshaped);
        assertTrue(reshaped.rejectedByRule().size() >= 10, reshaped.rejectedByRule().toString());
    }

    @Test
    void aStudyWithARejectedRowInAnEarlierPairIsTakenOutWholeFromALaterPair(SparkSession spark) {
        String studies = Files2.studies(dir, "T1", "T2");
        String adslA = dir.resolve("a/adsl.parquet").toString();
        String adaeA = dir.resolve("a/adae.parquet").toString();
        String adslB = dir.resolve("b/adsl.parquet").toString();
        String adaeB = dir.resolve("b/adae.parquet").toString();
        spark.createDataFrame(List.of(ok("T1", "T1-001"), subject("T1", "T1-002", "X", JAN, JUN, JUN)), ADSL)
                .write().parquet(adslA);
        spark.createDataFrame(List.of(event("T1", "T1-001", "Y")), ADAE).write().parquet(adaeA);
        // the second pair's T1 rows are clean on their own: the study is used whole or not at all
        spark.createDataFrame(List.of(ok("T1", "T1-101"), ok("T2", "T2-001")), ADSL).write().parquet(adslB);
        spark.createDataFrame(List.of(event("T1", "T1-101", "Y"), event("T2", "T2-001", "Y")), ADAE)
                .write().parquet(adaeB);

        List<String[]> pairs = List.of(new String[] {adslA, adaeA}, new String[] {adslB, adaeB});
        Outcome byRule = run(spark, studies, pairs, OptionalInt.empty(), Set.of("Drug"), true);
        Outcome reshaped = run(spark, studies, pairs, OptionalInt.empty(), Set.of("Drug"), false);
        assertEquals(byRule, reshaped);
        assertEquals(List.of("T2|T2-001"), reshaped.subjects(), "no T1 row of either pair is used");
        assertEquals(List.of("T2|T2-001|Y|2020-02-01"), reshaped.events());
        // pair A: T1-001 and its event; pair B: T1-101 and its event
        assertEquals(4L, reshaped.rejectedByRule().get("study_incomplete"));
        assertTrue(reshaped.rejects().stream().anyMatch(r -> r.startsWith("/b/adsl.parquet|study_incomplete")
                && r.contains("saffl.y_or_n")), reshaped.rejects().toString());
    }

    @Test
    void aFileSparkCannotReadOrAnEmptyFileIsNamed(SparkSession spark) throws Exception {
        String studies = Files2.studies(dir, "T1");
        String adsl = dir.resolve("adsl.parquet").toString();
        String adae = dir.resolve("adae.parquet").toString();
        spark.createDataFrame(List.of(ok("T1", "T1-001")), ADSL).write().parquet(adsl);
        spark.createDataFrame(List.of(event("T1", "T1-001", "Y")), ADAE).write().parquet(adae);
        // a part file cut short: the footer is gone
        Path part;
        try (var files = java.nio.file.Files.list(Path.of(adae))) {
            part = files.filter(f -> f.toString().endsWith(".parquet")).findFirst().orElseThrow();
        }
        byte[] bytes = java.nio.file.Files.readAllBytes(part);
        java.nio.file.Files.write(part, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        InputException corrupt = org.junit.jupiter.api.Assertions.assertThrows(InputException.class,
                () -> AdamReader.read(spark, adsl, adae, StudiesReader.read(spark, studies, Validation.defaults()),
                        Set.of("Drug"), Validation.defaults(), OptionalInt.empty(), false));
        assertEquals(adae, corrupt.file());

        String emptyAdsl = dir.resolve("empty-adsl.parquet").toString();
        String goodAdae = dir.resolve("good-adae.parquet").toString();
        spark.createDataFrame(List.<Row>of(), ADSL).write().parquet(emptyAdsl);
        spark.createDataFrame(List.of(event("T1", "T1-001", "Y")), ADAE).write().parquet(goodAdae);
        InputException empty = org.junit.jupiter.api.Assertions.assertThrows(InputException.class,
                () -> AdamReader.read(spark, emptyAdsl, goodAdae, StudiesReader.read(spark, studies, Validation.defaults()),
                        Set.of("Drug"), Validation.defaults(), OptionalInt.empty(), false));
        assertEquals(emptyAdsl, empty.file());
        assertEquals("the file has no rows", empty.rule());
    }

    /** Subjects, events (as key strings), the rejects (every column but the file's directory) and the tallies. */
    private record Outcome(List<String> subjects, List<String> events, List<String> rejects,
                           TreeMap<String, Long> rejectedByRule, String accounting) {
    }

    private Outcome run(SparkSession spark, String studiesFile, String adsl, String adae, OptionalInt period,
                        Set<String> treatments, boolean ruleByRule) {
        return run(spark, studiesFile, List.<String[]>of(new String[] {adsl, adae}), period, treatments, ruleByRule);
    }

    /** Reads ADSL/ADAE pairs in order with one validation, as IngestStage does; subjects and events of every pair. */
    private Outcome run(SparkSession spark, String studiesFile, List<String[]> pairs, OptionalInt period,
                        Set<String> treatments, boolean ruleByRule) {
        Validation v = Validation.defaults();
        Dataset<Row> studies = StudiesReader.read(spark, studiesFile, v);
        List<String> subjects = new ArrayList<>();
        List<String> events = new ArrayList<>();
        for (String[] pair : pairs) {
            AdamReader.Tables t = ruleByRule
                    ? AdamReader.readRuleByRule(spark, pair[0], pair[1], studies, treatments, v, period, false)
                    : AdamReader.read(spark, pair[0], pair[1], studies, treatments, v, period, false);
            subjects.addAll(keys(t.subjects().select("STUDYID", "USUBJID")));
            events.addAll(keys(t.events().select("STUDYID", "USUBJID", "AESER", "ASTDT")));
        }
        subjects.sort(null);
        events.sort(null);
        List<String> rejects = new ArrayList<>();
        for (Row r : v.rejects(spark).collectAsList()) {
            rejects.add(r.mkString("|").replace(dir.toString(), ""));
        }
        rejects.sort(null);
        return new Outcome(subjects, events, rejects, new TreeMap<>(v.rejectedByRule()),
                new TreeMap<>(v.accounting()).toString().replace(dir.toString(), ""));
    }

    private static List<String> keys(Dataset<Row> rows) {
        List<String> out = new ArrayList<>();
        for (Row r : rows.collectAsList()) {
            out.add(r.mkString("|"));
        }
        out.sort(null);
        return out;
    }
}
