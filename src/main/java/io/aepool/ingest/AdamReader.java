package io.aepool.ingest;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.DataTypes;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalInt;
import java.util.Set;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;

/**
 * CDISC ADaM subject (ADSL) and adverse-event (ADAE) tables, read as they are: only the columns the
 * job needs are selected, every other column is ignored. Error messages name STUDYID, never a subject.
 */
public final class AdamReader {

    public static final List<ColumnSpec> ADSL_COLUMNS = subjectTable(
            ColumnSpec.optional("TRT01A", DataTypes.StringType),
            ColumnSpec.optional("SAFFL", DataTypes.StringType),
            ColumnSpec.optional("TRTSDT", DataTypes.DateType),
            ColumnSpec.optional("TRTEDT", DataTypes.DateType));

    public static final List<ColumnSpec> ADAE_COLUMNS = subjectTable(
            ColumnSpec.optional("TRTA", DataTypes.StringType),
            ColumnSpec.optional("AEBODSYS", DataTypes.StringType),
            ColumnSpec.optional("AEDECOD", DataTypes.StringType),
            ColumnSpec.optional("AESER", DataTypes.StringType),
            ColumnSpec.optional("TRTEMFL", DataTypes.StringType),
            ColumnSpec.optional("ASTDT", DataTypes.DateType));

    /** Dates that stop the at-risk window's lag (death, end of study), read when the file has them. */
    public static final List<ColumnSpec> LAG_CAP_COLUMNS = List.of(
            ColumnSpec.optional("DTHDT", DataTypes.DateType),
            ColumnSpec.optional("EOSDT", DataTypes.DateType));

    // Subject identifiers never appear in messages: STUDYID is the only key named.
    private static final List<String> KEY = List.of("STUDYID");

    private AdamReader() {
    }

    /** An ADaM table's columns: STUDYID and USUBJID, required in both ADSL and ADAE, then the table's {@code own}. */
    private static List<ColumnSpec> subjectTable(ColumnSpec... own) {
        List<ColumnSpec> all = new ArrayList<>();
        all.add(ColumnSpec.required("STUDYID", DataTypes.StringType));
        all.add(ColumnSpec.required("USUBJID", DataTypes.StringType));
        all.addAll(List.of(own));
        return List.copyOf(all);
    }

    /**
     * @param treatmentRoles TRT01A value to role ("experimental" or "control"); a safety-population subject
     *                       whose actual treatment is not listed is an error
     */
    public static Dataset<Row> readSubjects(SparkSession spark, String file, Dataset<Row> studies,
                                            Set<String> knownTreatments, Validation validation) {
        return readSubjects(spark, file, studies, knownTreatments, validation, OptionalInt.empty(), false);
    }

    /**
     * @param period an ADaM period xx whose dates and actual treatment are read too (the conf's
     *               {@code adam_window: {period: randomised, period_number: xx}}): TRxxSDT and TRxxEDT must be columns
     *               of the file (values may be empty: such a subject is not in the period), TRTxxA too for xx &gt; 1,
     *               TR(xx+1)SDT is read when present
     * @param lagged the window has a lag after the last dose: DTHDT and EOSDT, which stop it, are read when present
     */
    public static Dataset<Row> readSubjects(SparkSession spark, String file, Dataset<Row> studies,
                                            Set<String> knownTreatments, Validation validation, OptionalInt period,
                                            boolean lagged) {
        List<ColumnSpec> columns = new ArrayList<>(ADSL_COLUMNS);
        if (lagged) {
            columns.addAll(LAG_CAP_COLUMNS);
        }
        String start = null;
        String end = null;
        String treatment = null;
        if (period.isPresent()) {
            int xx = period.getAsInt();
            start = "TR" + xx(xx) + "SDT";
            end = "TR" + xx(xx) + "EDT";
            treatment = "TRT" + xx(xx) + "A";
            List<String> needed = xx == 1 ? List.of(start, end) : List.of(start, end, treatment);
            Set<String> found = Set.of(ValidatedTable.load(spark, file).columns());
            for (String c : needed) {
                if (!found.contains(c)) {
                    throw new InputException(file, c, "all rows", "required column is missing for the ADaM window of period "
                            + xx + " (adam_window.period_number; columns found: " + String.join(", ", found.stream().sorted().toList()) + ")");
                }
            }
            columns.add(ColumnSpec.optional(start, DataTypes.DateType));
            columns.add(ColumnSpec.optional(end, DataTypes.DateType));
            if (xx > 1) {
                columns.add(ColumnSpec.optional(treatment, DataTypes.StringType));
            }
            if (xx < 99) {
                columns.add(ColumnSpec.optional("TR" + xx(xx + 1) + "SDT", DataTypes.DateType));
            }
        }
        validation.quarantineUnit(file, Validation.ADAM_STUDY);
        Dataset<Row> adsl = ValidatedTable.read(spark, file, columns, KEY, false, validation);
        Dataset<Row> known = studies.select(col("study_id").as("__known"));
        Dataset<Row> checked = adsl.join(known, adsl.col("STUDYID").equalTo(known.col("__known")), "left")
                .withColumn("__subject_rows", count(lit(1)).over(Window.partitionBy("STUDYID", "USUBJID")));
        Column safety = col("SAFFL").equalTo("Y");
        List<Rule> rules = new ArrayList<>(List.of(
                new Rule(RuleIds.SAFFL_Y_OR_N, "SAFFL", "SAFFL must be Y or N", col("SAFFL").isNotNull().and(col("SAFFL").isin("Y", "N").unary_$bang())),
                new Rule(RuleIds.ADSL_STUDY_KNOWN, "STUDYID", "study is not in the studies table", col("__known").isNull()),
                new Rule(RuleIds.TRT01A_GIVEN, "TRT01A", "actual treatment of a safety-population subject must be given", safety.and(col("TRT01A").isNull())),
                new Rule(RuleIds.TRT01A_LISTED, "TRT01A", "treatment is not listed under treatments.experimental or treatments.control in the conf",
                        safety.and(col("TRT01A").isin(knownTreatments.toArray()).unary_$bang())),
                new Rule(RuleIds.TRTEDT_NOT_BEFORE_TRTSDT, "TRTEDT", "treatment end date is before its start date", col("TRTEDT").lt(col("TRTSDT"))),
                new Rule(RuleIds.USUBJID_UNIQUE, "USUBJID", "subject appears more than once in the subject table", col("__subject_rows").gt(1))));
        if (period.isPresent()) {
            Column inPeriod = safety.and(col(start).isNotNull());
            rules.add(new Rule(RuleIds.PERIOD_END_NOT_BEFORE_START, end, "period end date is before its start date", col(end).lt(col(start))));
            if (period.getAsInt() > 1) {
                rules.add(new Rule(RuleIds.PERIOD_TREATMENT_GIVEN, treatment, "actual treatment of a safety-population subject in the period must be given",
                        inPeriod.and(col(treatment).isNull())));
                rules.add(new Rule(RuleIds.PERIOD_TREATMENT_LISTED, treatment, "period treatment is not listed under treatments in the conf",
                        inPeriod.and(col(treatment).isin(knownTreatments.toArray()).unary_$bang())));
            }
        }
        return validation.check(checked, file, rules, KEY).select(ValidatedTable.columns(adsl));
    }

    /** A validated ADSL/ADAE pair: the subjects and events of the studies used whole. */
    public record Tables(Dataset<Row> subjects, Dataset<Row> events) {
    }

    /**
     * Reads and validates an ADSL/ADAE pair, then quarantines by study ({@link Validation#ADAM_STUDY}): a rejected
     * subject or event row would change an arm's n, person-time or events, so its study's whole ADaM contribution
     * (every subject and event row, for every outcome) goes to the rejects as {@code study_incomplete}, pointing at
     * that row; the study is used whole or not at all. Events of a rejected subject are rejected by their own rule
     * ({@code usubjid.in_subject_table}). docs/validation.md states it per rule.
     */
    public static Tables read(SparkSession spark, String adslFile, String adaeFile, Dataset<Row> studies,
                              Set<String> knownTreatments, Validation validation, OptionalInt period, boolean lagged) {
        // cached: the event check, the quarantine and the aggregation all read it
        Dataset<Row> subjects = readSubjects(spark, adslFile, studies, knownTreatments, validation, period, lagged)
                .cache();
        Dataset<Row> events = readEvents(spark, adaeFile, subjects, validation);
        // both files' rejects are known only now: an event rejected in ADAE takes its study's subjects out too
        return new Tables(validation.quarantineIncomplete(subjects, adslFile, Validation.ADAM_STUDY, KEY),
                validation.quarantineIncomplete(events, adaeFile, Validation.ADAM_STUDY, KEY));
    }

    private static String xx(int period) {
        if (period < 1 || period > 99) {
            throw new IllegalArgumentException("ADaM period must be between 1 and 99 (got " + period + ")");
        }
        return String.format(Locale.ROOT, "%02d", period);
    }

    /** Adverse events; {@code subjects} is the validated subject table every event's subject must be in. */
    public static Dataset<Row> readEvents(SparkSession spark, String file, Dataset<Row> subjects, Validation validation) {
        validation.quarantineUnit(file, Validation.ADAM_STUDY);
        Dataset<Row> adae = ValidatedTable.read(spark, file, ADAE_COLUMNS, KEY, false, validation);
        Dataset<Row> known = subjects.select(col("STUDYID").as("__sid"), col("USUBJID").as("__uid"));
        Dataset<Row> checked = adae.join(known, adae.col("STUDYID").equalTo(known.col("__sid"))
                .and(adae.col("USUBJID").equalTo(known.col("__uid"))), "left");
        return validation.check(checked, file, List.of(
                new Rule(RuleIds.AESER_Y_OR_N, "AESER", "AESER must be Y or N", col("AESER").isNotNull().and(col("AESER").isin("Y", "N").unary_$bang())),
                new Rule(RuleIds.TRTEMFL_Y_OR_N, "TRTEMFL", "TRTEMFL must be Y, N or empty",
                        col("TRTEMFL").isNotNull().and(col("TRTEMFL").isin("Y", "N").unary_$bang())),
                new Rule(RuleIds.EVENT_SUBJECT_KNOWN, "USUBJID", "subject of the event is not in the subject table", col("__uid").isNull())), KEY)
                .select(ValidatedTable.columns(adae));
    }
}
