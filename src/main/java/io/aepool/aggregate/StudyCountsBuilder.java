package io.aepool.aggregate;

import io.aepool.ingest.Rule;
import io.aepool.ingest.RuleIds;
import io.aepool.ingest.Validation;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;
import org.apache.spark.sql.types.DataTypes;

import java.util.ArrayList;
import java.util.List;

import static org.apache.spark.sql.functions.array_join;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_set;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.sort_array;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

/**
 * Arm-level counts to one comparison per study and outcome (the 2×2 table the statistics read),
 * joined with the study attributes. Multi-arm trials either combine all experimental arms against the
 * control (events and n summed, the Cochrane Handbook's first option, §23.3.4) or keep each experimental arm
 * as its own comparison against a share of the control: the control's participants, events and person-time are
 * split among the comparisons (the Handbook's option for splitting a shared group), so that no participant enters
 * a pool twice. {@code control_shared_by}, {@code n_ctl_arm} and {@code events_ctl_arm} record the split.
 * Rate data without arm sizes ({@code n} empty, events and person-years given) leave {@code n_exp}/{@code n_ctl}
 * empty (also when only one arm of a group lacks n); a shared control arm without n is split by its events (as
 * evenly as possible in integers) and its person-time (evenly: the share of participants is unknown).
 */
public final class StudyCountsBuilder {

    /** How multi-arm trials become comparisons; {@link #label()} is the {@code dose_arms} attribute of each. */
    public enum MultiArm {
        COMBINE("combined"), BY_DOSE("split");

        private final String label;

        MultiArm(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    /** Name of the study attribute that says how a comparison treated multi-arm trials. */
    public static final String DOSE_ARMS = "dose_arms";

    private StudyCountsBuilder() {
    }

    public static Dataset<Row> build(Dataset<Row> arms, Dataset<Row> studies, MultiArm mode) {
        return build(arms, studies, mode, Validation.failFast());
    }

    /**
     * @param validation a study left without an experimental or a control arm (for an outcome) has its remaining
     *                   arms rejected or stops the run, as the validation says for those rules
     */
    public static Dataset<Row> build(Dataset<Row> arms, Dataset<Row> studies, MultiArm mode, Validation validation) {
        arms = completeStudies(arms, validation);
        Column exp = col("role").equalTo("experimental");
        Column ctl = col("role").equalTo("control");

        // control keys are renamed so the join below is not an ambiguous self-join of `arms`
        Dataset<Row> control = arms.filter(ctl).groupBy(col("study_id").as("ctl_study_id"), col("outcome").as("ctl_outcome")).agg(
                sum("events").as("__events_ctl"), nullIfAnyNullCount("n").as("__n_ctl"),
                sum("event_count").as("__event_count_ctl"), nullIfAnyNull("person_years").as("__person_years_ctl"));
        List<String> expKeys = new ArrayList<>(List.of("study_id", "outcome"));
        if (mode == MultiArm.BY_DOSE) {
            expKeys.add("arm_id");
        }
        Dataset<Row> experimental = arms.filter(exp).groupBy(expKeys.stream().map(org.apache.spark.sql.functions::col)
                .toArray(Column[]::new)).agg(
                array_join(sort_array(collect_set("arm_id")), "+").as("experimental_arms"),
                min("dose_mg").as("__dose"),
                sum("events").as("events_exp"), nullIfAnyNullCount("n").as("n_exp"),
                sum("event_count").as("event_count_exp"), nullIfAnyNull("person_years").as("person_years_exp"));
        // the comparisons sharing one control arm, in dose order (lowest first; arms without a dose last, then by id)
        WindowSpec sharing = Window.partitionBy("study_id", "outcome");
        experimental = experimental
                .withColumn("control_shared_by", count(lit(1)).over(sharing).cast(DataTypes.IntegerType))
                .withColumn("__rank", row_number().over(sharing.orderBy(col("__dose").asc_nulls_last(),
                        col("experimental_arms"))).minus(1));
        Column comparisonId = mode == MultiArm.BY_DOSE
                ? concat_ws(":", experimental.col("study_id"), experimental.col("experimental_arms"))
                : experimental.col("study_id");
        Column k = col("control_shared_by");
        Column rank = col("__rank");
        Dataset<Row> pairs = experimental.join(control, experimental.col("study_id").equalTo(control.col("ctl_study_id"))
                .and(experimental.col("outcome").equalTo(control.col("ctl_outcome"))), "inner")
                .select(experimental.col("outcome"), comparisonId.as("comparison_id"),
                        experimental.col("study_id"), lit(mode.label()).as(DOSE_ARMS), col("experimental_arms"),
                        col("events_exp"), col("n_exp"),
                        share(col("__events_ctl"), k, rank).as("events_ctl"), share(col("__n_ctl"), k, rank).as("n_ctl"),
                        col("event_count_exp"), share(col("__event_count_ctl"), k, rank).as("event_count_ctl"),
                        col("person_years_exp"),
                        // person-time goes with participants: the share of the arm's time its share of participants had;
                        // without arm sizes (rate data) an even split
                        when(col("__n_ctl").gt(0), col("__person_years_ctl").multiply(share(col("__n_ctl"), k, rank))
                                .divide(col("__n_ctl"))).otherwise(col("__person_years_ctl").divide(k)).as("person_years_ctl"),
                        k, col("__events_ctl").as("events_ctl_arm"), col("__n_ctl").as("n_ctl_arm"));

        List<Column> out = new ArrayList<>();
        for (String c : pairs.columns()) {
            out.add(col(c));
        }
        for (String c : studies.columns()) {
            if (!c.equals("study_id")) {
                out.add(col(c));
            }
        }
        Dataset<Row> attributes = studies.withColumnRenamed("study_id", "attr_study_id");
        return pairs.join(attributes, pairs.col("study_id").equalTo(attributes.col("attr_study_id")), "inner")
                .select(out.toArray(Column[]::new))
                .orderBy("outcome", "comparison_id");
    }

    /**
     * One comparison's share of a control arm shared by {@code k} comparisons (Cochrane Handbook §23.3.4: split the
     * shared group so that no participant is counted twice): the whole count divided as evenly as possible in
     * integers, the remainder going one each to the first comparisons in dose order. {@code k} = 1 leaves it whole.
     */
    static Column share(Column total, Column k, Column rank) {
        Column remainder = total.mod(k);
        return total.minus(remainder).divide(k).cast(DataTypes.LongType)
                .plus(when(rank.lt(remainder), 1L).otherwise(0L));
    }

    /** The same rule on the driver, for documentation and tests: shares of {@code total} over {@code k} comparisons. */
    public static long[] shares(long total, int k) {
        long[] out = new long[k];
        for (int i = 0; i < k; i++) {
            out[i] = total / k + (i < total % k ? 1 : 0);
        }
        return out;
    }

    /**
     * Participants of a group of arms are known only when every arm's are: rate data may give events and person-years
     * without arm sizes, and a partial sum would pass for the group's size.
     */
    private static Column nullIfAnyNullCount(String column) {
        return when(sum(when(col(column).isNull(), 1).otherwise(0)).equalTo(0), sum(col(column)));
    }

    /**
     * Person-time of a group of arms is known only when every arm's is. Summed as decimals: exact, so the result does
     * not depend on the order Spark adds the arms in (a double sum can differ in its last digits between runs).
     */
    private static Column nullIfAnyNull(String column) {
        return when(sum(when(col(column).isNull(), 1).otherwise(0)).equalTo(0),
                sum(col(column).cast(DataTypes.createDecimalType(38, 18))).cast(DataTypes.DoubleType));
    }

    /** Checks that every study has both roles (per outcome) and comes from one file; returns the complete ones. */
    public static Dataset<Row> completeStudies(Dataset<Row> arms, Validation validation) {
        WindowSpec study = Window.partitionBy("study_id", "outcome");
        Dataset<Row> flagged = arms
                .withColumn("__exp_arms", sum(when(col("role").equalTo("experimental"), 1).otherwise(0)).over(study))
                .withColumn("__ctl_arms", sum(when(col("role").equalTo("control"), 1).otherwise(0)).over(study))
                .withColumn("__origin_first", min("origin").over(Window.partitionBy("study_id")))
                .withColumn("__origin_last", max("origin").over(Window.partitionBy("study_id")));
        // materialised by the check's pass: the complete studies are read from it (the windows are not run again)
        Dataset<Row> complete = validation.checkMaterialised(flagged, col("origin"), "arm-level inputs (the file is the key's origin)",
                List.of(
                        new Rule(RuleIds.HAS_EXPERIMENTAL_ARM, "role", "study has no experimental arm for this outcome", col("__exp_arms").equalTo(0)),
                        new Rule(RuleIds.HAS_CONTROL_ARM, "role", "study has no control arm for this outcome", col("__ctl_arms").equalTo(0)),
                        Rule.structural(RuleIds.ONE_INPUT_FILE, "__origin_last", "study comes from more than one input file",
                                col("__origin_first").notEqual(col("__origin_last")))),
                List.of("study_id", "outcome", "origin"));
        return complete.drop("__exp_arms", "__ctl_arms", "__origin_first", "__origin_last");
    }
}
