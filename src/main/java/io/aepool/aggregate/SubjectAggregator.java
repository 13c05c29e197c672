package io.aepool.aggregate;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.array_position;
import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.struct;
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
 * <p>
 * The plan is two hash aggregations: the safety population and the qualifying events (each outcome's filter
 * pushed to the scan) are unioned as rows of one shape and grouped per subject in one shuffle (TRT01A travels as
 * its index in the conf's treatment list, so every buffer is fixed-width: hash, not sort, aggregation), then per
 * arm (a small second shuffle), and joined with the broadcast treatment list. No join of subject rows, no
 * {@code countDistinct}: the validated subject table has one row per subject. docs/benchmarks.md has the plan
 * and its cost at 1e6-1e8 events.
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
        Column arm = array_position(array(treatments.stream().map(t -> lit(t.treatment())).toArray(Column[]::new)),
                col("TRT01A")).cast(DataTypes.IntegerType);
        List<Column> subject = new ArrayList<>(List.of(col("STUDYID"), col("USUBJID"), arm.as("__arm"), col("TRTSDT"),
                col("TRTEDT"), lit(1).as("__at_risk")));
        List<Column> event = new ArrayList<>(List.of(col("STUDYID"), col("USUBJID"), lit(null).cast("int").as("__arm"),
                lit(null).cast("date").as("TRTSDT"), lit(null).cast("date").as("TRTEDT"), lit(0).as("__at_risk")));
        Column anyOutcome = lit(false);
        List<Column> perSubject = new ArrayList<>(List.of(max("__arm").as("__arm"), max("TRTSDT").as("TRTSDT"),
                max("TRTEDT").as("TRTEDT"), sum("__at_risk").as("__at_risk")));
        // per subject and outcome: how many qualifying events, the first one's date, and whether any is undated
        for (int i = 0; i < outcomes.size(); i++) {
            Column m = outcomes.get(i).matches();
            anyOutcome = anyOutcome.or(m);
            subject.add(lit(0L).as("__cnt" + i));
            subject.add(lit(null).cast("date").as("__d" + i));
            subject.add(lit(0).as("__undated" + i));
            event.add(when(m, 1L).otherwise(0L).as("__cnt" + i));
            event.add(when(m, col("ASTDT")).as("__d" + i));
            event.add(when(m.and(col("ASTDT").isNull()), 1).otherwise(0).as("__undated" + i));
            perSubject.add(sum("__cnt" + i).as("__cnt" + i));
            perSubject.add(min("__d" + i).as("__first" + i));
            perSubject.add(sum("__undated" + i).as("__undated" + i));
        }
        Dataset<Row> rows = adsl.filter(col("SAFFL").equalTo("Y")).select(subject.toArray(Column[]::new))
                .unionByName(adae.filter(anyOutcome).select(event.toArray(Column[]::new)));
        // one row per subject at risk: events count under the subject's actual treatment and only for the safety
        // population (events of other subjects drop out here), treatments outside the conf's list too
        Dataset<Row> subjects = rows.groupBy(col("STUDYID"), col("USUBJID"))
                .agg(perSubject.get(0), perSubject.subList(1, perSubject.size()).toArray(Column[]::new))
                .filter(col("__at_risk").gt(0).and(col("__arm").gt(0)));

        Column full = datediff(col("TRTEDT"), col("TRTSDT")).plus(1);
        List<Column> perArm = new ArrayList<>(List.of(count(lit(1)).as("n")));
        for (int i = 0; i < outcomes.size(); i++) {
            Column hasEvent = col("__cnt" + i).gt(0);
            // exposure-adjusted incidence: a first-event outcome's time at risk ends at the first event (unknown if undated)
            Column censored = when(col("__undated" + i).gt(0), lit(null).cast(DataTypes.IntegerType))
                    .otherwise(datediff(least(col("TRTEDT"), greatest(col("__first" + i), col("TRTSDT"))), col("TRTSDT")).plus(1));
            Column days = outcomes.get(i).firstEvent() ? when(hasEvent, censored).otherwise(full) : full;
            perArm.add(sum(when(hasEvent, 1L).otherwise(0L)).as("events" + i));
            perArm.add(sum(col("__cnt" + i)).as("event_count" + i));
            // whole days summed exactly, divided once: the same bytes whatever the partitioning
            perArm.add(sum(days).as("__days" + i));
            perArm.add(sum(when(days.isNull(), 1).otherwise(0)).as("__py_missing" + i));
        }
        Dataset<Row> arms = subjects.groupBy(col("STUDYID"), col("__arm"))
                .agg(perArm.get(0), perArm.subList(1, perArm.size()).toArray(Column[]::new));

        Dataset<Row> treatmentTable = spark.createDataFrame(IntStream.range(0, treatments.size())
                        .mapToObj(i -> RowFactory.create(i + 1, treatments.get(i).treatment(), treatments.get(i).role(),
                                treatments.get(i).doseMg())).toList(),
                new StructType().add("__t", DataTypes.IntegerType).add("treatment", DataTypes.StringType)
                        .add("role", DataTypes.StringType).add("dose_mg", DataTypes.DoubleType));
        Dataset<Row> withRole = arms.join(broadcast(treatmentTable), arms.col("__arm").equalTo(treatmentTable.col("__t")),
                "inner");
        // one row per arm and outcome
        List<Column> perOutcome = new ArrayList<>();
        for (int i = 0; i < outcomes.size(); i++) {
            perOutcome.add(struct(lit(outcomes.get(i).name()).as("outcome"), col("events" + i).as("events"),
                    col("event_count" + i).as("event_count"),
                    when(col("__py_missing" + i).equalTo(0), col("__days" + i).divide(DAYS_PER_YEAR)).as("person_years")));
        }
        return withRole.select(col("STUDYID"), col("treatment"), col("role"), col("dose_mg"), col("n"),
                explode(array(perOutcome.toArray(Column[]::new))).as("__o")).select(
                col("STUDYID").as("study_id"),
                col("treatment").as("arm_id"),
                col("role"),
                col("treatment"),
                col("dose_mg"),
                col("__o.outcome").as("outcome"),
                col("n"),
                col("__o.events").as("events"),
                col("__o.event_count").as("event_count"),
                col("__o.person_years").as("person_years"),
                lit(origin).as("origin"));
    }
}
