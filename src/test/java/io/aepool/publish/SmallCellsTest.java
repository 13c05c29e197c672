package io.aepool.publish;

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

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Small-cell suppression for shared outputs: registry counts from 1 to threshold − 1 read "<threshold", the values
 * of the same row they could be recovered from read "suppressed", zero and larger counts stay, and rows the rule
 * does not cover (trials) are untouched.
 */
@ExtendWith(SharedSpark.class)
class SmallCellsTest {

    static final StructType SCHEMA = new StructType().add("source", DataTypes.StringType)
            .add("patients", DataTypes.LongType).add("events", DataTypes.LongType)
            .add("person_years", DataTypes.DoubleType).add("rate", DataTypes.DoubleType);

    private static List<String> shown(Dataset<Row> table) {
        return table.orderBy("source").collectAsList().stream()
                .map(r -> r.getString(0) + " " + r.get(1) + " " + r.get(2) + " " + r.get(3) + " " + r.get(4)).toList();
    }

    @Test
    void countsFromOneToBelowTheThresholdAndWhatTheyRevealAreSuppressedOnCoveredRowsOnly(SparkSession spark) {
        Dataset<Row> table = spark.createDataFrame(List.of(
                RowFactory.create("registry-a", 120L, 0L, 300.0, 0.0),
                RowFactory.create("registry-b", 120L, 1L, 300.0, 0.333),
                RowFactory.create("registry-c", 120L, 4L, 300.0, 1.333),
                RowFactory.create("registry-d", 120L, 5L, 300.0, 1.667),
                RowFactory.create("registry-e", 3L, 10L, 30.0, 33.3),
                RowFactory.create("trial", 50L, 2L, 40.0, 5.0)), SCHEMA);
        Dataset<Row> shared = SmallCells.suppress(table, List.of("patients", "events"), List.of("rate"),
                col("source").startsWith("registry"), 5);
        assertEquals(List.of(
                "registry-a 120 0 300.0 0.0",               // zero discloses no one
                "registry-b 120 <5 300.0 suppressed",
                "registry-c 120 <5 300.0 suppressed",
                "registry-d 120 5 300.0 1.667",             // the threshold itself is shown
                "registry-e <5 10 30.0 suppressed",         // a small denominator is a small cell too
                "trial 50 2 40.0 5.0"), shown(shared));     // not covered by the rule
        // the exact table is unchanged for computation
        assertEquals(1L, table.filter(col("source").equalTo("registry-b")).first().<Long>getAs("events"));
    }

    @Test
    void theThresholdIsTheConfs(SparkSession spark) {
        Dataset<Row> table = spark.createDataFrame(List.of(RowFactory.create("registry", 100L, 9L, 10.0, 90.0)), SCHEMA);
        assertEquals(List.of("registry 100 <11 10.0 suppressed"),
                shown(SmallCells.suppress(table, List.of("patients", "events"), List.of("rate"), col("source").isNotNull(), 11)));
        assertEquals(List.of("registry 100 9 10.0 90.0"),
                shown(SmallCells.suppress(table, List.of("patients", "events"), List.of("rate"), col("source").isNotNull(), 5)));
    }

    @Test
    void aChangeDetailRevealsASmallCountWhenItHoldsAWholeNumberBelowTheThreshold() {
        assertEquals(true, SmallCells.revealsSmallCount("+2 exp, +3 ctl", 5));
        assertEquals(true, SmallCells.revealsSmallCount("1 exp, 12 ctl", 5));
        assertEquals(false, SmallCells.revealsSmallCount("+12 exp, +0 ctl", 5));
        assertEquals(false, SmallCells.revealsSmallCount("0.85 -> 1.2", 5), "decimals are estimates, not counts");
        assertEquals(false, SmallCells.revealsSmallCount(null, 5));
    }

    static final StructType STEPS = new StructType().add("registry_id", DataTypes.StringType)
            .add("exposure_group", DataTypes.StringType).add("step_order", DataTypes.IntegerType)
            .add("patients", DataTypes.LongType).add("person_years", DataTypes.DoubleType);

    @Test
    void anAttritionStepThatRemovesFewerPatientsThanTheThresholdIsWithheldSoNoSubtractionRevealsThem(SparkSession spark) {
        Dataset<Row> table = spark.createDataFrame(List.of(
                // jak: 500 → 498 (2 removed) → 498 → 430: the first step is withheld, walking back from the last
                RowFactory.create("R1", "jak", 1, 500L, 900.0), RowFactory.create("R1", "jak", 2, 498L, 899.0),
                RowFactory.create("R1", "jak", 3, 498L, 899.0), RowFactory.create("R1", "jak", 4, 430L, 800.0),
                // tnf: 40 → 3 → 3: primary suppression of the small counts; 40 stays (nothing shown to subtract)
                RowFactory.create("R1", "tnf", 1, 40L, 60.0), RowFactory.create("R1", "tnf", 2, 3L, 5.0),
                RowFactory.create("R1", "tnf", 3, 3L, 5.0),
                // ustek: 100 → 97 → 96 → 90: 96 is 6 above 90 (shown); 97 and then 100 lie within 4 of 96 (withheld)
                RowFactory.create("R1", "ustek", 1, 100L, 10.0), RowFactory.create("R1", "ustek", 2, 97L, 9.0),
                RowFactory.create("R1", "ustek", 3, 96L, 9.0), RowFactory.create("R1", "ustek", 4, 90L, 8.0)), STEPS);
        List<String> shown = SmallCells.suppressSteps(spark, table, List.of("registry_id", "exposure_group"),
                "step_order", "patients", List.of("person_years"), 5).collectAsList().stream()
                .map(r -> r.getString(1) + " " + r.getInt(2) + " " + r.getString(3) + " " + r.getString(4)).toList();
        assertEquals(List.of("jak 1 suppressed suppressed", "jak 2 498 899.0", "jak 3 498 899.0", "jak 4 430 800.0",
                "tnf 1 40 60.0", "tnf 2 <5 suppressed", "tnf 3 <5 suppressed",
                "ustek 1 suppressed suppressed", "ustek 2 suppressed suppressed", "ustek 3 96 9.0", "ustek 4 90 8.0"), shown);
    }
}
