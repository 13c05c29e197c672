package io.aepool.aggregate;

import io.aepool.ingest.InputException;
import io.aepool.testing.SharedSpark;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Arms become one comparison per study and outcome; multi-arm trials combine or stay apart by dose. */
@ExtendWith(SharedSpark.class)
class StudyCountsBuilderTest {

    static final StructType ARMS = new StructType().add("study_id", DataTypes.StringType).add("arm_id", DataTypes.StringType)
            .add("role", DataTypes.StringType).add("treatment", DataTypes.StringType).add("dose_mg", DataTypes.DoubleType)
            .add("outcome", DataTypes.StringType).add("n", DataTypes.LongType).add("events", DataTypes.LongType)
            .add("event_count", DataTypes.LongType).add("person_years", DataTypes.DoubleType).add("origin", DataTypes.StringType);
    static final StructType STUDIES = new StructType().add("study_id", DataTypes.StringType)
            .add("condition", DataTypes.StringType).add("year", DataTypes.IntegerType);

    private static Dataset<Row> studies(SparkSession spark) {
        return spark.createDataFrame(List.of(RowFactory.create("S1", "psoriasis", 2015),
                RowFactory.create("S2", "vitiligo", 2023)), STUDIES);
    }

    private static Dataset<Row> threeArmTrial(SparkSession spark) {
        return spark.createDataFrame(List.of(
                RowFactory.create("S1", "D5", "experimental", "drug", 5.0, "si", 100L, 2L, 3L, 30.0, "a.csv"),
                RowFactory.create("S1", "D10", "experimental", "drug", 10.0, "si", 110L, 4L, 4L, 33.0, "a.csv"),
                RowFactory.create("S1", "PBO", "control", "placebo", null, "si", 105L, 1L, 1L, 31.0, "a.csv")), ARMS);
    }

    @Test
    void combiningSumsEveryExperimentalArmAgainstTheControl(SparkSession spark) {
        List<Row> rows = StudyCountsBuilder.build(threeArmTrial(spark), studies(spark), StudyCountsBuilder.MultiArm.COMBINE)
                .collectAsList();
        assertEquals(1, rows.size());
        Row r = rows.get(0);
        assertEquals("S1", r.getString(r.fieldIndex("comparison_id")));
        assertEquals("D10+D5", r.getString(r.fieldIndex("experimental_arms")));
        assertEquals(6L, r.getLong(r.fieldIndex("events_exp")));
        assertEquals(210L, r.getLong(r.fieldIndex("n_exp")));
        assertEquals(1L, r.getLong(r.fieldIndex("events_ctl")));
        assertEquals(105L, r.getLong(r.fieldIndex("n_ctl")));
        assertEquals(63.0, r.getDouble(r.fieldIndex("person_years_exp")), 1e-12);
        assertEquals("psoriasis", r.getString(r.fieldIndex("condition")));
    }

    @Test
    void rateDataWithoutArmSizesSplitsASharedControlByEventsAndPersonTime(SparkSession spark) {
        Dataset<Row> arms = spark.createDataFrame(List.of(
                RowFactory.create("S1", "D5", "experimental", "drug", 5.0, "si", null, 2L, null, 30.0, "a.csv"),
                RowFactory.create("S1", "D10", "experimental", "drug", 10.0, "si", null, 4L, null, 33.0, "a.csv"),
                RowFactory.create("S1", "PBO", "control", "placebo", null, "si", null, 5L, null, 31.0, "a.csv")), ARMS);
        List<Row> split = StudyCountsBuilder.build(arms, studies(spark), StudyCountsBuilder.MultiArm.BY_DOSE)
                .orderBy("comparison_id").collectAsList();
        assertEquals(2, split.size());
        for (Row r : split) {
            assertTrue(r.isNullAt(r.fieldIndex("n_exp")) && r.isNullAt(r.fieldIndex("n_ctl")), "no arm sizes: " + r);
            assertEquals(15.5, r.getDouble(r.fieldIndex("person_years_ctl")), 1e-12, "person-time split evenly");
        }
        // events split as evenly as possible in integers (5 = 3 + 2), the remainder to the lowest dose (S1:D5) first
        assertEquals(2L, split.get(0).getLong(split.get(0).fieldIndex("events_ctl")));
        assertEquals("S1:D10", split.get(0).getString(split.get(0).fieldIndex("comparison_id")));
        assertEquals(3L, split.get(1).getLong(split.get(1).fieldIndex("events_ctl")));
        // one arm without n leaves the group's size unknown: no partial sum passes for it
        Dataset<Row> mixed = spark.createDataFrame(List.of(
                RowFactory.create("S1", "D5", "experimental", "drug", 5.0, "si", 100L, 2L, null, 30.0, "a.csv"),
                RowFactory.create("S1", "D10", "experimental", "drug", 10.0, "si", null, 4L, null, 33.0, "a.csv"),
                RowFactory.create("S1", "PBO", "control", "placebo", null, "si", 90L, 5L, null, 31.0, "a.csv")), ARMS);
        Row combined = StudyCountsBuilder.build(mixed, studies(spark), StudyCountsBuilder.MultiArm.COMBINE).first();
        assertTrue(combined.isNullAt(combined.fieldIndex("n_exp")));
        assertEquals(90L, combined.getLong(combined.fieldIndex("n_ctl")));
        assertEquals(63.0, combined.getDouble(combined.fieldIndex("person_years_exp")), 1e-12);
    }

    @Test
    void byDoseKeepsEachExperimentalArmAgainstItsShareOfTheSharedControl(SparkSession spark) {
        List<Row> rows = StudyCountsBuilder.build(threeArmTrial(spark), studies(spark), StudyCountsBuilder.MultiArm.BY_DOSE)
                .orderBy("comparison_id").collectAsList();
        assertEquals(2, rows.size());
        Row d10 = rows.get(0);
        Row d5 = rows.get(1);
        assertEquals("S1:D10", d10.getString(d10.fieldIndex("comparison_id")));
        assertEquals(4L, d10.getLong(d10.fieldIndex("events_exp")));
        assertEquals("S1:D5", d5.getString(d5.fieldIndex("comparison_id")));
        assertEquals("S1", d5.getString(d5.fieldIndex("study_id")));
        // placebo 1/105 split over two doses: 105 = 53 + 52 and 1 = 1 + 0, the remainder to the lower dose first
        assertEquals(53L, d5.getLong(d5.fieldIndex("n_ctl")));
        assertEquals(1L, d5.getLong(d5.fieldIndex("events_ctl")));
        assertEquals(52L, d10.getLong(d10.fieldIndex("n_ctl")));
        assertEquals(0L, d10.getLong(d10.fieldIndex("events_ctl")));
        // person-time goes with the participants: 31 years × 53/105 and × 52/105
        assertEquals(31.0 * 53 / 105, d5.getDouble(d5.fieldIndex("person_years_ctl")), 1e-12);
        assertEquals(31.0 * 52 / 105, d10.getDouble(d10.fieldIndex("person_years_ctl")), 1e-12);
        for (Row r : rows) {
            assertEquals(2, r.getInt(r.fieldIndex("control_shared_by")));
            assertEquals(105L, r.getLong(r.fieldIndex("n_ctl_arm")));
            assertEquals(1L, r.getLong(r.fieldIndex("events_ctl_arm")));
        }
    }

    @Test
    void aFourArmTrialSplitsItsControlAsAHandComputationDoes(SparkSession spark) {
        // three doses listed out of dose order; placebo 100 participants, 5 events, 7 events counted, 50 years
        Dataset<Row> arms = spark.createDataFrame(List.of(
                RowFactory.create("S1", "HI", "experimental", "drug", 30.0, "si", 98L, 3L, 3L, 49.0, "a.csv"),
                RowFactory.create("S1", "LO", "experimental", "drug", 7.5, "si", 101L, 1L, 1L, 50.5, "a.csv"),
                RowFactory.create("S1", "MID", "experimental", "drug", 15.0, "si", 99L, 2L, 2L, 49.5, "a.csv"),
                RowFactory.create("S1", "PBO", "control", "placebo", null, "si", 100L, 5L, 7L, 50.0, "a.csv")), ARMS);
        List<Row> rows = StudyCountsBuilder.build(arms, studies(spark), StudyCountsBuilder.MultiArm.BY_DOSE)
                .orderBy("comparison_id").collectAsList();
        // by hand: 100 = 34 + 33 + 33, 5 = 2 + 2 + 1, 7 = 3 + 2 + 2, in dose order LO, MID, HI
        long[][] expected = {{33, 1, 2}, {34, 2, 3}, {33, 2, 2}}; // HI, LO, MID (comparison id order): n, events, count
        for (int i = 0; i < 3; i++) {
            Row r = rows.get(i);
            String id = r.getString(r.fieldIndex("comparison_id"));
            assertEquals(expected[i][0], r.getLong(r.fieldIndex("n_ctl")), id);
            assertEquals(expected[i][1], r.getLong(r.fieldIndex("events_ctl")), id);
            assertEquals(expected[i][2], r.getLong(r.fieldIndex("event_count_ctl")), id);
            assertEquals(50.0 * expected[i][0] / 100, r.getDouble(r.fieldIndex("person_years_ctl")), 1e-12, id);
            assertEquals(3, r.getInt(r.fieldIndex("control_shared_by")), id);
        }
        assertEquals(List.of("S1:HI", "S1:LO", "S1:MID"), rows.stream().map(r -> r.getString(r.fieldIndex("comparison_id"))).toList());
    }

    @Test
    void theSharesOfASplitControlAddUpToTheWholeArm() {
        for (long total = 0; total < 40; total++) {
            for (int k = 1; k < 7; k++) {
                long[] shares = StudyCountsBuilder.shares(total, k);
                assertEquals(total, java.util.Arrays.stream(shares).sum(), total + " over " + k);
                long max = java.util.Arrays.stream(shares).max().orElseThrow();
                long min = java.util.Arrays.stream(shares).min().orElseThrow();
                assertTrue(max - min <= 1, "as even as possible: " + java.util.Arrays.toString(shares));
                for (int i = 1; i < k; i++) {
                    assertTrue(shares[i - 1] >= shares[i], "remainder to the first comparisons");
                }
            }
        }
    }

    @Test
    void everyMultiArmTrialOfTheSampleCountsItsControlOnceWhenSplit(SparkSession spark) {
        Dataset<Row> studies = io.aepool.ingest.StudiesReader.readAll(spark,
                List.of("sample-data/published/studies.csv"), io.aepool.ingest.Validation.failFast());
        Dataset<Row> arms = ArmTable.fromPublished(io.aepool.ingest.ArmCountsReader.read(spark,
                "sample-data/published/arm_counts.csv", studies, io.aepool.ingest.Validation.failFast()), "arm_counts.csv");
        List<Row> control = arms.filter("role = 'control'").groupBy("study_id", "outcome")
                .agg(org.apache.spark.sql.functions.sum("n").as("n"), org.apache.spark.sql.functions.sum("events").as("events"))
                .orderBy("study_id", "outcome").collectAsList();
        List<Row> split = StudyCountsBuilder.build(arms, studies, StudyCountsBuilder.MultiArm.BY_DOSE)
                .groupBy("study_id", "outcome")
                .agg(org.apache.spark.sql.functions.sum("n_ctl").as("n"), org.apache.spark.sql.functions.sum("events_ctl").as("events"),
                        org.apache.spark.sql.functions.count("*").as("comparisons"))
                .orderBy("study_id", "outcome").collectAsList();
        assertEquals(control.size(), split.size());
        assertTrue(split.stream().anyMatch(r -> r.getLong(r.fieldIndex("comparisons")) == 3), "a four-arm trial is in the sample");
        for (int i = 0; i < control.size(); i++) {
            String key = control.get(i).getString(0);
            assertEquals(key, split.get(i).getString(0));
            assertEquals(control.get(i).getLong(2), split.get(i).getLong(2), key + ": control participants");
            assertEquals(control.get(i).getLong(3), split.get(i).getLong(3), key + ": control events");
        }
    }

    @Test
    void personYearsOfCombinedArmsAreUnknownWhenAnyArmLacksThem(SparkSession spark) {
        Dataset<Row> arms = spark.createDataFrame(List.of(
                RowFactory.create("S1", "D5", "experimental", "drug", 5.0, "si", 100L, 2L, null, null, "a.csv"),
                RowFactory.create("S1", "D10", "experimental", "drug", 10.0, "si", 110L, 4L, null, 33.0, "a.csv"),
                RowFactory.create("S1", "PBO", "control", "placebo", null, "si", 105L, 1L, null, 31.0, "a.csv")), ARMS);
        Row r = StudyCountsBuilder.build(arms, studies(spark), StudyCountsBuilder.MultiArm.COMBINE).first();
        assertTrue(r.isNullAt(r.fieldIndex("person_years_exp")));
        assertEquals(31.0, r.getDouble(r.fieldIndex("person_years_ctl")), 0);
    }

    @Test
    void aStudyWithoutAControlArmIsRejectedWithItsFile(SparkSession spark) {
        Dataset<Row> arms = spark.createDataFrame(List.of(
                RowFactory.create("S2", "D5", "experimental", "drug", 5.0, "si", 100L, 2L, null, null, "b.csv")), ARMS);
        InputException e = assertThrows(InputException.class,
                () -> StudyCountsBuilder.build(arms, studies(spark), StudyCountsBuilder.MultiArm.COMBINE));
        assertEquals("row key study_id=S2, outcome=si, origin=b.csv", e.key());
        assertTrue(e.rule().startsWith("study has no control arm for this outcome"), e.rule());
    }
}
