package io.aepool.aggregate;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.util.List;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.countDistinct;
import static org.apache.spark.sql.functions.datediff;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

/**
 * Subject-level ADaM to arm-level counts, entirely as DataFrame operations (no subject row reaches the
 * driver): per study × actual treatment × outcome, the safety population at risk, subjects with at least
 * one qualifying event, the number of qualifying events, and person-years on treatment.
 */
public final class SubjectAggregator {

    // Julian year, the usual denominator for person-years
    static final double DAYS_PER_YEAR = 365.25;

    private SubjectAggregator() {
    }

    /** @return arm table in {@link ArmTable#SCHEMA} */
    public static Dataset<Row> aggregate(SparkSession spark, Dataset<Row> adsl, Dataset<Row> adae,
                                         List<TreatmentArm> treatments, List<OutcomeDefinition> outcomes,
                                         String origin) {
        Dataset<Row> safety = adsl.filter(col("SAFFL").equalTo("Y"))
                .withColumn("__py", datediff(col("TRTEDT"), col("TRTSDT")).plus(1).divide(DAYS_PER_YEAR));
        Dataset<Row> arms = safety.groupBy("STUDYID", "TRT01A").agg(
                countDistinct("USUBJID").as("n"),
                sum("__py").as("__py"),
                sum(when(col("__py").isNull(), 1).otherwise(0)).as("__py_missing"));

        Dataset<Row> subjects = safety.select(col("STUDYID").as("__sid"), col("USUBJID").as("__uid"), col("TRT01A").as("__trt"));
        Dataset<Row> events = null;
        for (OutcomeDefinition o : outcomes) {
            Dataset<Row> one = adae.filter(o.matches()).select(col("STUDYID"), col("USUBJID"), lit(o.name()).as("outcome"));
            events = events == null ? one : events.unionByName(one);
        }
        // Events count under the subject's actual treatment, and only for the safety population.
        Dataset<Row> eventCounts = events
                .join(subjects, events.col("STUDYID").equalTo(subjects.col("__sid"))
                        .and(events.col("USUBJID").equalTo(subjects.col("__uid"))), "inner")
                .groupBy(col("__sid"), col("__trt"), col("outcome"))
                .agg(countDistinct("USUBJID").as("events"), count(lit(1)).as("event_count"));

        Dataset<Row> outcomeNames = spark.createDataFrame(
                outcomes.stream().map(o -> RowFactory.create(o.name())).toList(),
                new StructType().add("outcome", DataTypes.StringType));
        Dataset<Row> treatmentTable = spark.createDataFrame(
                treatments.stream().map(t -> RowFactory.create(t.treatment(), t.role(), t.doseMg())).toList(),
                new StructType().add("__t", DataTypes.StringType).add("role", DataTypes.StringType)
                        .add("dose_mg", DataTypes.DoubleType));

        Dataset<Row> grid = arms.crossJoin(outcomeNames)
                .join(treatmentTable, arms.col("TRT01A").equalTo(treatmentTable.col("__t")), "inner");
        Dataset<Row> joined = grid.join(eventCounts, grid.col("STUDYID").equalTo(eventCounts.col("__sid"))
                .and(grid.col("TRT01A").equalTo(eventCounts.col("__trt")))
                .and(grid.col("outcome").equalTo(eventCounts.col("outcome"))), "left");
        return joined.select(
                grid.col("STUDYID").as("study_id"),
                grid.col("TRT01A").as("arm_id"),
                col("role"),
                grid.col("TRT01A").as("treatment"),
                col("dose_mg"),
                grid.col("outcome"),
                col("n"),
                coalesce(col("events"), lit(0L)).as("events"),
                coalesce(col("event_count"), lit(0L)).as("event_count"),
                when(col("__py_missing").equalTo(0), col("__py")).as("person_years"),
                lit(origin).as("origin"));
    }
}
