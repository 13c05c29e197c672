package io.aepool.aggregate;

import org.apache.spark.sql.Column;
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
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

/**
 * Subject-level ADaM to arm-level counts, entirely as DataFrame operations (no subject row reaches the
 * driver): per study × actual treatment × outcome, the safety population at risk, subjects with at least
 * one qualifying event, the number of qualifying events, and person-years on treatment (TRTSDT to TRTEDT,
 * inclusive; for first-event outcomes censored at the first qualifying event's ASTDT, so trials give
 * exposure-adjusted incidence rates comparable with registries).
 */
public final class SubjectAggregator {

    // Julian year, the usual denominator for person-years
    static final double DAYS_PER_YEAR = 365.25;

    private SubjectAggregator() {
    }

    /** @return arm table in {@link ArmTable} shape */
    public static Dataset<Row> aggregate(SparkSession spark, Dataset<Row> adsl, Dataset<Row> adae,
                                         List<TreatmentArm> treatments, List<OutcomeDefinition> outcomes,
                                         String origin) {
        Dataset<Row> safety = adsl.filter(col("SAFFL").equalTo("Y"))
                .select(col("STUDYID"), col("USUBJID"), col("TRT01A"), col("TRTSDT"), col("TRTEDT"));
        Dataset<Row> events = null;
        for (OutcomeDefinition o : outcomes) {
            Dataset<Row> one = adae.filter(o.matches()).select(col("STUDYID"), col("USUBJID"), col("ASTDT"),
                    lit(o.name()).as("outcome"));
            events = events == null ? one : events.unionByName(one);
        }
        // per subject and outcome: how many qualifying events, the first one's date, and whether any is undated
        Dataset<Row> perSubject = events.groupBy(col("STUDYID").as("__sid"), col("USUBJID").as("__uid"), col("outcome").as("__out"))
                .agg(count(lit(1)).as("__cnt"), min("ASTDT").as("__first"),
                        sum(when(col("ASTDT").isNull(), 1).otherwise(0)).as("__undated"));

        Dataset<Row> outcomeTable = spark.createDataFrame(
                outcomes.stream().map(o -> RowFactory.create(o.name(), o.firstEvent())).toList(),
                new StructType().add("outcome", DataTypes.StringType).add("__first_event", DataTypes.BooleanType));
        Dataset<Row> grid = safety.crossJoin(outcomeTable);
        // events count under the subject's actual treatment, and only for the safety population
        Dataset<Row> joined = grid.join(perSubject, grid.col("STUDYID").equalTo(perSubject.col("__sid"))
                .and(grid.col("USUBJID").equalTo(perSubject.col("__uid")))
                .and(grid.col("outcome").equalTo(perSubject.col("__out"))), "left");
        Column full = datediff(col("TRTEDT"), col("TRTSDT")).plus(1);
        Column hasEvent = coalesce(col("__cnt"), lit(0L)).gt(0);
        // exposure-adjusted incidence: a first-event outcome's time at risk ends at the first event (unknown if undated)
        Column censored = when(col("__undated").gt(0), lit(null).cast(DataTypes.IntegerType))
                .otherwise(datediff(least(col("TRTEDT"), greatest(col("__first"), col("TRTSDT"))), col("TRTSDT")).plus(1));
        Column days = when(col("__first_event").and(hasEvent), censored).otherwise(full);
        Dataset<Row> arms = joined.withColumn("__days", days).groupBy(col("STUDYID"), col("TRT01A"), col("outcome")).agg(
                countDistinct("USUBJID").as("n"),
                sum(when(hasEvent, 1L).otherwise(0L)).as("events"),
                sum(coalesce(col("__cnt"), lit(0L))).as("event_count"),
                // whole days summed exactly, divided once: the same bytes whatever the partitioning
                sum(col("__days")).divide(DAYS_PER_YEAR).as("__py"),
                sum(when(col("__days").isNull(), 1).otherwise(0)).as("__py_missing"));

        Dataset<Row> treatmentTable = spark.createDataFrame(
                treatments.stream().map(t -> RowFactory.create(t.treatment(), t.role(), t.doseMg())).toList(),
                new StructType().add("__t", DataTypes.StringType).add("role", DataTypes.StringType)
                        .add("dose_mg", DataTypes.DoubleType));
        Dataset<Row> withRole = arms.join(treatmentTable, arms.col("TRT01A").equalTo(treatmentTable.col("__t")), "inner");
        return withRole.select(
                col("STUDYID").as("study_id"),
                col("TRT01A").as("arm_id"),
                col("role"),
                col("TRT01A").as("treatment"),
                col("dose_mg"),
                col("outcome"),
                col("n"),
                col("events"),
                col("event_count"),
                when(col("__py_missing").equalTo(0), col("__py")).as("person_years"),
                lit(origin).as("origin"));
    }
}
