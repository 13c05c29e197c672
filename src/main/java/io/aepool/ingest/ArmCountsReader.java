package io.aepool.ingest;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.DataTypes;

import java.util.List;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;

/** Arm-level counts as published: one row per study, arm and outcome. */
public final class ArmCountsReader {

    public static final List<ColumnSpec> COLUMNS = List.of(
            ColumnSpec.required("study_id", DataTypes.StringType),
            ColumnSpec.required("arm_id", DataTypes.StringType),
            ColumnSpec.required("role", DataTypes.StringType),
            ColumnSpec.required("treatment", DataTypes.StringType),
            ColumnSpec.optional("dose_mg", DataTypes.DoubleType),
            ColumnSpec.required("outcome", DataTypes.StringType),
            // may be empty when person_years is given: published rate data (events per person-years) without arm sizes
            ColumnSpec.optional("n", DataTypes.LongType),
            ColumnSpec.required("events", DataTypes.LongType),
            ColumnSpec.optional("person_years", DataTypes.DoubleType));

    static final List<String> KEY = List.of("study_id", "arm_id", "outcome");

    private ArmCountsReader() {
    }

    /**
     * Reads and validates; {@code studies} is the validated study table every study_id must appear in. A rejected arm
     * row quarantines its study and outcome ({@link Validation#STUDY_OUTCOME}): the other arms of the trial go to the
     * rejects as {@code study_incomplete}, pointing at it, so no trial is pooled with an arm missing.
     */
    public static Dataset<Row> read(SparkSession spark, String file, Dataset<Row> studies, Validation validation) {
        validation.quarantineUnit(file, Validation.STUDY_OUTCOME);
        Dataset<Row> arms = ValidatedTable.read(spark, file, COLUMNS, KEY, false, validation);
        Dataset<Row> known = studies.select(col("study_id").as("__known"));
        Dataset<Row> checked = arms
                .join(known, arms.col("study_id").equalTo(known.col("__known")), "left")
                .withColumn("__dupes", count(lit(1)).over(Window.partitionBy("study_id", "arm_id", "outcome")));
        // materialised: the quarantine of incomplete studies and the aggregation read the rows from the check's pass
        checked = validation.checkMaterialised(checked, file, List.of(
                new Rule(RuleIds.ROLE_KNOWN, "role", "role must be experimental or control",
                        col("role").isin("experimental", "control").unary_$bang()),
                // the rule of required columns (n.must_not_be_empty): only rate data may leave n out
                new Rule("n.must_not_be_empty", "n", "must not be empty (person_years is empty too: give n, person_years or both)",
                        col("n").isNull().and(col("person_years").isNull())),
                new Rule(RuleIds.N_POSITIVE, "n", "n must be > 0", col("n").leq(0)),
                new Rule(RuleIds.EVENTS_NOT_NEGATIVE, "events", "events must be >= 0", col("events").lt(0)),
                new Rule(RuleIds.EVENTS_NOT_ABOVE_N, "events", "events must not exceed n", col("events").gt(col("n"))),
                new Rule(RuleIds.PERSON_YEARS_POSITIVE, "person_years", "person_years must be > 0 when given", col("person_years").leq(0)),
                new Rule(RuleIds.DOSE_NOT_NEGATIVE, "dose_mg", "dose_mg must be >= 0 when given", col("dose_mg").lt(0)),
                new Rule(RuleIds.ARM_STUDY_KNOWN, "study_id", "study is not in the studies table", col("__known").isNull()),
                new Rule(RuleIds.ARM_DUPLICATE_KEY, "arm_id", "study_id, arm_id, outcome must be unique", col("__dupes").gt(1))), KEY)
                .select(ValidatedTable.columns(arms));
        return validation.quarantineIncomplete(checked, file, Validation.STUDY_OUTCOME, KEY);
    }
}
