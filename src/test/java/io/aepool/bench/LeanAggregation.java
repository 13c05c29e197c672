package io.aepool.bench;

import io.aepool.aggregate.OutcomeDefinition;
import io.aepool.aggregate.TreatmentArm;
import io.aepool.ingest.Validation;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.array_position;
import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.datediff;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.trim;
import static org.apache.spark.sql.functions.when;

/**
 * Prototype of the proposed ADaM stage (docs/benchmarks.md, "Subject-level aggregation"): the validation rules of
 * {@code AdamReader.readSubjects/readEvents} (with {@code ValidatedTable}'s type rules, all row-level: quarantined by
 * default) and {@code SubjectAggregator.aggregate} in one Spark job with one large shuffle. ADSL rows and ADAE rows
 * (each event already reduced to rule flags and per-outcome qualifying flags, partially aggregated per subject before
 * the shuffle) are unioned and grouped by (STUDYID, USUBJID); per subject, the rules that need other rows (duplicate
 * subject, event of an unknown subject) are decided; a second, small aggregation gives the arm table and the per-rule
 * counts of quarantined rows. No subject row reaches the driver: it collects the arm table and the rule counts only.
 * Result: the same arm table and the same rule counts as the job's stage (the bench checks the table).
 *
 * <p>Not in the prototype: the rejects table (built lazily, as now, by {@code adae LEFT ANTI JOIN} valid subjects,
 * only when a count is non-zero), the fatal path (when a fatal rule's count is non-zero, call {@code ValidatedTable.check}
 * as now for its message) and the ledger update (package-private in {@code io.aepool.ingest}).
 */
public final class LeanAggregation {

    static final double DAYS_PER_YEAR = 365.25;

    /** Rule counts of the last call (rule id to rows quarantined), for the bench to print. */
    static volatile Map<String, Long> lastRuleCounts = Map.of();
    static volatile long[] lastRowsRead = new long[2];
    /** Formatted physical plan of the last call's Spark job. */
    static volatile String lastPlan = "";
    static volatile String lastTree = "";

    private LeanAggregation() {
    }

    public static Dataset<Row> stage(SparkSession spark, String adslFile, String adaeFile, Dataset<Row> studies,
                                     List<TreatmentArm> treatments, List<OutcomeDefinition> outcomes, Validation validation) {
        // ---- ADSL, per row: typed columns (blank text is missing), the first broken rule (0 = none)
        Dataset<Row> adslRaw = spark.read().parquet(adslFile);
        Dataset<Row> known = broadcast(studies.select(col("study_id").as("__known")).distinct());
        Dataset<Row> adsl = adslRaw.select(text("STUDYID"), text("USUBJID"), text("TRT01A"), text("SAFFL"),
                        col("TRTSDT").try_cast(DataTypes.DateType).as("TRTSDT"), col("TRTEDT").try_cast(DataTypes.DateType).as("TRTEDT"),
                        col("TRTSDT").as("__rawsdt"), col("TRTEDT").as("__rawedt"))
                .join(known, col("STUDYID").equalTo(col("__known")), "left");
        Column safety = col("SAFFL").equalTo("Y");
        List<String> adslRules = List.of("studyid.must_not_be_empty", "usubjid.must_not_be_empty",
                "trtsdt.wrong_type", "trtedt.wrong_type",
                "saffl.y_or_n", "studyid.in_studies_table",
                "trt01a.given_for_safety_subject",
                "trt01a.listed_in_conf",
                "trtedt.not_before_trtsdt");
        Column adslRule = firstBroken(
                col("STUDYID").isNull(), col("USUBJID").isNull(),
                col("__rawsdt").isNotNull().and(col("TRTSDT").isNull()), col("__rawedt").isNotNull().and(col("TRTEDT").isNull()),
                col("SAFFL").isNotNull().and(col("SAFFL").isin("Y", "N").unary_$bang()),
                col("__known").isNull(),
                safety.and(col("TRT01A").isNull()),
                safety.and(col("TRT01A").isin(treatments.stream().map(TreatmentArm::treatment).toArray()).unary_$bang()),
                col("TRTEDT").lt(col("TRTSDT")));
        // ---- ADAE, per row: the first broken rule of its own (type rules, AESER, TRTEMFL) and, per outcome, whether it qualifies
        Dataset<Row> adaeRaw = spark.read().parquet(adaeFile);
        Dataset<Row> adae = adaeRaw.select(text("STUDYID"), text("USUBJID"), text("AEBODSYS"), text("AEDECOD"), text("AESER"),
                text("TRTEMFL"), col("ASTDT").try_cast(DataTypes.DateType).as("ASTDT"), col("ASTDT").as("__rawastdt"));
        List<String> adaeRules = List.of("studyid.must_not_be_empty", "usubjid.must_not_be_empty", "astdt.wrong_type",
                "aeser.y_or_n", "trtemfl.y_n_or_empty");
        Column adaeRule = firstBroken(col("STUDYID").isNull(), col("USUBJID").isNull(),
                col("__rawastdt").isNotNull().and(col("ASTDT").isNull()),
                col("AESER").isNotNull().and(col("AESER").isin("Y", "N").unary_$bang()),
                col("TRTEMFL").isNotNull().and(col("TRTEMFL").isin("Y", "N").unary_$bang()));

        // one row shape for both: ADSL rows carry subject attributes, ADAE rows rule and outcome flags
        // TRT01A as its 1-based index in the conf's list, SAFFL as 0/1: fixed-width aggregation buffers (hash, not sort, aggregation)
        Column arm = array_position(array(treatments.stream().map(t -> lit(t.treatment())).toArray(Column[]::new)), col("TRT01A"))
                .cast(DataTypes.IntegerType);
        List<Column> a = new ArrayList<>(List.of(col("STUDYID"), col("USUBJID"), adslRule.as("__rule"),
                lit(1).as("__adsl"), arm.as("TRT01A"), when(safety, 1).otherwise(0).as("SAFFL"), col("TRTSDT"), col("TRTEDT"),
                lit(0).as("__adae_rule")));
        List<Column> e = new ArrayList<>(List.of(col("STUDYID"), col("USUBJID"), lit(null).cast("int").as("__rule"),
                lit(0).as("__adsl"), lit(null).cast("int").as("TRT01A"), lit(null).cast("int").as("SAFFL"),
                lit(null).cast("date").as("TRTSDT"), lit(null).cast("date").as("TRTEDT"), adaeRule.as("__adae_rule")));
        for (int o = 0; o < outcomes.size(); o++) {
            a.add(lit(false).as("__q" + o));
            a.add(lit(null).cast("date").as("__d" + o));
            e.add(outcomes.get(o).matches().and(adaeRule.equalTo(0)).as("__q" + o));
            e.add(col("ASTDT").as("__d" + o));
        }
        Dataset<Row> rows = adsl.select(a.toArray(Column[]::new)).unionByName(adae.select(e.toArray(Column[]::new)));

        // ---- per subject (the one large shuffle; Spark aggregates each side partially before it)
        List<Column> perSubject = new ArrayList<>();
        Column typeOk = col("__adsl").equalTo(1).and(col("__rule").equalTo(0).or(col("__rule").geq(5)));
        Column rowOk = col("__adsl").equalTo(1).and(col("__rule").equalTo(0));
        perSubject.add(sum(when(typeOk, 1).otherwise(0)).as("__typeok_rows"));
        perSubject.add(sum(when(rowOk, 1).otherwise(0)).as("__ok_rows"));
        for (int r = 1; r <= adslRules.size(); r++) {
            perSubject.add(sum(when(col("__adsl").equalTo(1).and(col("__rule").equalTo(r)), 1).otherwise(0)).as("__adsl_r" + r));
        }
        for (int r = 1; r <= adaeRules.size(); r++) {
            perSubject.add(sum(when(col("__adsl").equalTo(0).and(col("__adae_rule").equalTo(r)), 1).otherwise(0)).as("__adae_r" + r));
        }
        perSubject.add(sum(when(col("__adsl").equalTo(0).and(col("__adae_rule").equalTo(0)), 1).otherwise(0)).as("__adae_ok"));
        perSubject.add(sum(col("__adsl")).as("__adsl_rows"));
        perSubject.add(sum(lit(1).minus(col("__adsl"))).as("__adae_rows"));
        // the attributes of the subject's one clean row (a subject with two clean rows is quarantined whole)
        for (String c : List.of("TRT01A", "SAFFL", "TRTSDT", "TRTEDT")) {
            perSubject.add(max(when(rowOk, col(c))).as(c));
        }
        for (int o = 0; o < outcomes.size(); o++) {
            Column q = col("__q" + o);
            perSubject.add(sum(when(q, 1L).otherwise(0L)).as("__cnt" + o));
            perSubject.add(min(when(q, col("__d" + o))).as("__first" + o));
            perSubject.add(sum(when(q.and(col("__d" + o).isNull()), 1).otherwise(0)).as("__undated" + o));
        }
        Dataset<Row> subjects = rows.groupBy(col("STUDYID"), col("USUBJID")).agg(perSubject.get(0),
                perSubject.subList(1, perSubject.size()).toArray(Column[]::new));

        // ---- per arm, with the rule counts (small)
        Column valid = col("__ok_rows").equalTo(1).and(col("__typeok_rows").equalTo(1));
        Column atRisk = valid.and(col("SAFFL").equalTo(1));
        List<Column> perArm = new ArrayList<>();
        perArm.add(sum(when(atRisk, 1L).otherwise(0L)).as("n"));
        for (int r = 1; r <= adslRules.size(); r++) {
            perArm.add(sum(col("__adsl_r" + r)).as("__adsl_r" + r));
        }
        // duplicates: every clean row of a subject with more than one row that passed the type rules
        perArm.add(sum(when(col("__typeok_rows").gt(1), col("__ok_rows")).otherwise(0)).as("__adsl_dup"));
        for (int r = 1; r <= adaeRules.size(); r++) {
            perArm.add(sum(col("__adae_r" + r)).as("__adae_r" + r));
        }
        perArm.add(sum(when(valid, 0).otherwise(col("__adae_ok"))).as("__adae_unknown"));
        perArm.add(sum(col("__adsl_rows")).as("__adsl_rows"));
        perArm.add(sum(col("__adae_rows")).as("__adae_rows"));
        Column full = datediff(col("TRTEDT"), col("TRTSDT")).plus(1);
        for (int o = 0; o < outcomes.size(); o++) {
            Column cnt = col("__cnt" + o);
            Column has = cnt.gt(0);
            Column censored = when(col("__undated" + o).gt(0), lit(null).cast(DataTypes.IntegerType))
                    .otherwise(datediff(least(col("TRTEDT"), greatest(col("__first" + o), col("TRTSDT"))), col("TRTSDT")).plus(1));
            Column days = when(atRisk, outcomes.get(o).firstEvent() ? when(has, censored).otherwise(full) : full);
            perArm.add(sum(when(atRisk.and(has), 1L).otherwise(0L)).as("events" + o));
            perArm.add(sum(when(atRisk, cnt).otherwise(0L)).as("event_count" + o));
            perArm.add(sum(days.divide(DAYS_PER_YEAR)).as("py" + o));
            perArm.add(sum(when(atRisk.and(days.isNull()), 1).otherwise(0)).as("py_missing" + o));
        }
        Dataset<Row> armsDs = subjects.groupBy(when(atRisk, col("STUDYID")).as("study_id"), when(atRisk, col("TRT01A")).as("trt"))
                .agg(perArm.get(0), perArm.subList(1, perArm.size()).toArray(Column[]::new));
        List<Row> arms = armsDs.collectAsList();
        lastPlan = armsDs.queryExecution().explainString(org.apache.spark.sql.execution.ExplainMode.fromString("formatted"));
        lastTree = AggregationBench.finalTree(armsDs);

        // ---- on the driver: rule counts (the ledger) and the arm table in ArmTable shape
        Map<String, Long> counts = new LinkedHashMap<>();
        long[] read = new long[2];
        for (Row r : arms) {
            for (int i = 1; i <= adslRules.size(); i++) {
                counts.merge("adsl " + adslRules.get(i - 1), r.<Long>getAs("__adsl_r" + i), Long::sum);
            }
            counts.merge("adsl usubjid.unique", r.<Long>getAs("__adsl_dup"), Long::sum);
            for (int i = 1; i <= adaeRules.size(); i++) {
                counts.merge("adae " + adaeRules.get(i - 1), r.<Long>getAs("__adae_r" + i), Long::sum);
            }
            counts.merge("adae usubjid.in_subject_table", r.<Long>getAs("__adae_unknown"), Long::sum);
            read[0] += r.<Long>getAs("__adsl_rows");
            read[1] += r.<Long>getAs("__adae_rows");
        }
        lastRuleCounts = counts;
        lastRowsRead = read;
        List<Row> out = new ArrayList<>();
        for (Row r : arms) {
            Integer ix = r.getAs("trt");
            TreatmentArm t = ix == null || ix < 1 ? null : treatments.get(ix - 1);
            if (t == null || r.<Long>getAs("n") == 0) {
                continue;
            }
            for (int o = 0; o < outcomes.size(); o++) {
                Object py = r.<Long>getAs("py_missing" + o) == 0 ? r.getAs("py" + o) : null;
                out.add(RowFactory.create(r.getAs("study_id"), t.treatment(), t.role(), t.treatment(), t.doseMg(),
                        outcomes.get(o).name(), r.getAs("n"), r.getAs("events" + o), r.getAs("event_count" + o), py, adslFile));
            }
        }
        return spark.createDataFrame(out, new StructType().add("study_id", DataTypes.StringType).add("arm_id", DataTypes.StringType)
                .add("role", DataTypes.StringType).add("treatment", DataTypes.StringType).add("dose_mg", DataTypes.DoubleType)
                .add("outcome", DataTypes.StringType).add("n", DataTypes.LongType).add("events", DataTypes.LongType)
                .add("event_count", DataTypes.LongType).add("person_years", DataTypes.DoubleType).add("origin", DataTypes.StringType));
    }

    /** Blank text is missing (as ValidatedTable reads it). */
    private static Column text(String name) {
        Column t = trim(col(name).cast(DataTypes.StringType));
        return when(t.equalTo(""), lit(null).cast(DataTypes.StringType)).otherwise(t).as(name);
    }

    /** 1-based index of the first broken rule, 0 when none is (a null test counts as not broken, as in Validation). */
    private static Column firstBroken(Column... broken) {
        Column c = lit(0);
        for (int i = broken.length; i >= 1; i--) {
            c = when(coalesce(broken[i - 1], lit(false)), lit(i)).otherwise(c);
        }
        return c;
    }
}
