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
    void byDoseKeepsEachExperimentalArmAgainstTheSharedControl(SparkSession spark) {
        List<Row> rows = StudyCountsBuilder.build(threeArmTrial(spark), studies(spark), StudyCountsBuilder.MultiArm.BY_DOSE)
                .orderBy("comparison_id").collectAsList();
        assertEquals(2, rows.size());
        assertEquals("S1:D10", rows.get(0).getString(rows.get(0).fieldIndex("comparison_id")));
        assertEquals(4L, rows.get(0).getLong(rows.get(0).fieldIndex("events_exp")));
        assertEquals("S1:D5", rows.get(1).getString(rows.get(1).fieldIndex("comparison_id")));
        assertEquals(105L, rows.get(1).getLong(rows.get(1).fieldIndex("n_ctl")));
        assertEquals("S1", rows.get(1).getString(rows.get(1).fieldIndex("study_id")));
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
