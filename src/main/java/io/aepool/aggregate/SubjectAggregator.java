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
import java.util.Set;
import java.util.stream.IntStream;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.array_position;
import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.coalesce;
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
 * one qualifying event, the number of qualifying events, and person-years at risk, all counted over one
 * {@link AtRiskWindow} (default: TRTSDT to TRTEDT, both ends included). An event counts only when its ASTDT lies in
 * the subject's window, and time runs over exactly the window's days; for first-event outcomes it stops at the first
 * qualifying event inside the window, so trials give exposure-adjusted incidence rates comparable with registries.
 * An undated qualifying event (no ASTDT) cannot be placed inside or outside the window: it counts (as before the
 * window), and for a first-event outcome leaves its arm's person-time unknown (null, never understated: the censoring
 * date is unknown); a recurrent-events outcome keeps the subject's whole window.
 * <p>
 * The plan: the safety population at risk (its window's start and end computed per row, its treatment as its index
 * in the conf's treatment list, so every aggregation buffer is fixed-width: hash, not sort, aggregation) and the
 * qualifying events (each outcome's filter pushed to the scan) meet in one join on (STUDYID, USUBJID) (sort-merge at
 * scale: it spills, a shuffled hash join's table of subjects cannot): each event must see its subject's window.
 * The per-subject hash aggregation runs on the join's partitioning (no further exchange), then per arm (a small
 * second shuffle), then a broadcast join with the treatment list. No {@code countDistinct}: the validated
 * subject table has one row per subject. docs/benchmarks.md has the plan and its cost at 1e6-1e8 events.
 */
public final class SubjectAggregator {

    // Julian year, the usual denominator for person-years
    static final double DAYS_PER_YEAR = 365.25;

    private SubjectAggregator() {
    }

    /** {@link #aggregate(SparkSession, Dataset, Dataset, List, List, AtRiskWindow, String)} over the default window. */
    public static Dataset<Row> aggregate(SparkSession spark, Dataset<Row> adsl, Dataset<Row> adae,
                                         List<TreatmentArm> treatments, List<OutcomeDefinition> outcomes,
                                         String origin) {
        return aggregate(spark, adsl, adae, treatments, outcomes, AtRiskWindow.DEFAULT, origin);
    }

    /**
     * @param adsl   subjects: STUDYID, USUBJID, SAFFL and the window's columns ({@link AtRiskWindow#adslColumns()};
     *               the lag caps DTHDT, EOSDT and the next period's start may be absent)
     * @param adae   events: STUDYID, USUBJID, ASTDT and the outcome columns
     * @param window the days over which events and person-time are both counted
     * @return arm table in {@link ArmTable} shape
     */
    public static Dataset<Row> aggregate(SparkSession spark, Dataset<Row> adsl, Dataset<Row> adae,
                                         List<TreatmentArm> treatments, List<OutcomeDefinition> outcomes,
                                         AtRiskWindow window, String origin) {
        Set<String> present = Set.of(adsl.columns());
        for (String c : List.of(window.startColumn(), window.endColumn(), window.treatmentColumn())) {
            if (!present.contains(c)) {
                throw new IllegalArgumentException("the ADaM window " + window.describe() + " needs ADSL column " + c);
            }
        }
        // the lag's caps are optional: absent reads as not given
        for (String c : window.adslColumns()) {
            if (!present.contains(c)) {
                adsl = adsl.withColumn(c, lit(null).cast(DataTypes.DateType));
            }
        }
        Column arm = array_position(array(treatments.stream().map(t -> lit(t.treatment())).toArray(Column[]::new)),
                col(window.treatmentColumn())).cast(DataTypes.IntegerType);
        // one row per subject at risk in the window, treatments outside the conf's list dropped
        Dataset<Row> atRisk = adsl.filter(window.atRisk())
                .select(col("STUDYID"), col("USUBJID"), arm.as("__arm"), window.start().as("__start"),
                        window.end().as("__end"))
                .filter(col("__arm").gt(0));

        Column anyOutcome = lit(false);
        List<Column> event = new ArrayList<>(List.of(col("STUDYID").as("__sid"), col("USUBJID").as("__uid"),
                col("ASTDT").as("__astdt")));
        for (int i = 0; i < outcomes.size(); i++) {
            Column m = outcomes.get(i).matches();
            anyOutcome = anyOutcome.or(m);
            event.add(m.as("__m" + i));
        }
        // events of subjects outside the safety population or the window's population drop out in the join
        Dataset<Row> events = adae.filter(anyOutcome).select(event.toArray(Column[]::new));
        // a join Spark may sort and spill: the shuffled hash join it was (the subjects its hash table, which cannot
        // spill) ran out of memory building that table on local[2] with 1 GiB (issue 19: at 1e8 events on main, at
        // 1e7 in a reshaped ADaM stage); unmatched subjects come out of the left outer join too
        Dataset<Row> rows = atRisk.join(events, atRisk.col("STUDYID").equalTo(events.col("__sid"))
                .and(atRisk.col("USUBJID").equalTo(events.col("__uid"))), "left");

        // an event counts when dated inside [start, end]; a missing bound (no TRTSDT/TRTEDT given) does not exclude
        Column inWindow = col("__start").isNull().or(col("__astdt").geq(col("__start")))
                .and(col("__end").isNull().or(col("__astdt").leq(col("__end"))));
        List<Column> perSubject = new ArrayList<>(List.of(max("__arm").as("__arm"), max("__start").as("__start"),
                max("__end").as("__end")));
        // per subject and outcome: how many qualifying events, the first one's date, and whether any is undated
        for (int i = 0; i < outcomes.size(); i++) {
            Column m = coalesce(col("__m" + i), lit(false));
            Column undated = m.and(col("__astdt").isNull());
            Column counted = m.and(undated.or(inWindow));
            perSubject.add(sum(when(counted, 1L).otherwise(0L)).as("__cnt" + i));
            perSubject.add(min(when(counted, col("__astdt"))).as("__first" + i));
            perSubject.add(sum(when(undated, 1).otherwise(0)).as("__undated" + i));
        }
        Dataset<Row> subjects = rows.groupBy(col("STUDYID"), col("USUBJID"))
                .agg(perSubject.get(0), perSubject.subList(1, perSubject.size()).toArray(Column[]::new));

        Column full = datediff(col("__end"), col("__start")).plus(1);
        List<Column> perArm = new ArrayList<>(List.of(count(lit(1)).as("n")));
        for (int i = 0; i < outcomes.size(); i++) {
            Column hasEvent = col("__cnt" + i).gt(0);
            // exposure-adjusted incidence: a first-event outcome's time at risk ends at the first event (unknown if undated)
            Column censored = when(col("__undated" + i).gt(0), lit(null).cast(DataTypes.IntegerType))
                    .otherwise(datediff(least(col("__end"), greatest(col("__first" + i), col("__start"))), col("__start")).plus(1));
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
