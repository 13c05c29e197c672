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

import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

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
        SubjectRules spec = subjectRules(spark, file, knownTreatments, period, lagged);
        validation.quarantineUnit(file, Validation.ADAM_STUDY);
        Dataset<Row> adsl = ValidatedTable.read(spark, file, spec.columns(), KEY, false, validation);
        Dataset<Row> checked = withKnownStudy(adsl, studies)
                .withColumn("__subject_rows", count(lit(1)).over(Window.partitionBy("STUDYID", "USUBJID")));
        return validation.check(checked, file, spec.all(), KEY).select(ValidatedTable.columns(adsl));
    }

    /**
     * The ADSL columns read and the rules checked on them, in the order they are checked (the first broken one is a
     * row's rule): {@code before}, then {@code unique} (a subject has one row: {@code __subject_rows} &gt; 1 breaks
     * it, the only rule across rows), then {@code after} (the period's rules).
     */
    private record SubjectRules(List<ColumnSpec> columns, List<Rule> before, Rule unique, List<Rule> after) {
        List<Rule> all() {
            List<Rule> all = new ArrayList<>(before);
            all.add(unique);
            all.addAll(after);
            return all;
        }

        /** The rules a row breaks or not on its own (every rule but uniqueness). */
        List<Rule> ofRow() {
            List<Rule> all = new ArrayList<>(before);
            all.addAll(after);
            return all;
        }
    }

    private static SubjectRules subjectRules(SparkSession spark, String file, Set<String> knownTreatments,
                                             OptionalInt period, boolean lagged) {
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
        Column safety = col("SAFFL").equalTo("Y");
        List<Rule> rules = new ArrayList<>(List.of(
                new Rule(RuleIds.SAFFL_Y_OR_N, "SAFFL", "SAFFL must be Y or N", col("SAFFL").isNotNull().and(col("SAFFL").isin("Y", "N").unary_$bang())),
                new Rule(RuleIds.ADSL_STUDY_KNOWN, "STUDYID", "study is not in the studies table", col("__known").isNull()),
                new Rule(RuleIds.TRT01A_GIVEN, "TRT01A", "actual treatment of a safety-population subject must be given", safety.and(col("TRT01A").isNull())),
                new Rule(RuleIds.TRT01A_LISTED, "TRT01A", "treatment is not listed under treatments.experimental or treatments.control in the conf",
                        safety.and(col("TRT01A").isin(knownTreatments.toArray()).unary_$bang())),
                new Rule(RuleIds.TRTEDT_NOT_BEFORE_TRTSDT, "TRTEDT", "treatment end date is before its start date", col("TRTEDT").lt(col("TRTSDT")))));
        Rule unique = new Rule(RuleIds.USUBJID_UNIQUE, "USUBJID", "subject appears more than once in the subject table", col("__subject_rows").gt(1));
        if (period.isPresent()) {
            // checked after uniqueness, as they always were: a row breaking one of these and the uniqueness rule is
            // the uniqueness rule's
            Column inPeriod = safety.and(col(start).isNotNull());
            List<Rule> after = new ArrayList<>();
            after.add(new Rule(RuleIds.PERIOD_END_NOT_BEFORE_START, end, "period end date is before its start date", col(end).lt(col(start))));
            if (period.getAsInt() > 1) {
                after.add(new Rule(RuleIds.PERIOD_TREATMENT_GIVEN, treatment, "actual treatment of a safety-population subject in the period must be given",
                        inPeriod.and(col(treatment).isNull())));
                after.add(new Rule(RuleIds.PERIOD_TREATMENT_LISTED, treatment, "period treatment is not listed under treatments in the conf",
                        inPeriod.and(col(treatment).isin(knownTreatments.toArray()).unary_$bang())));
            }
            return new SubjectRules(List.copyOf(columns), rules, unique, after);
        }
        return new SubjectRules(List.copyOf(columns), rules, unique, List.of());
    }

    /** ADSL rows with {@code __known}: the row's study as the study table has it, null when it is not there. */
    private static Dataset<Row> withKnownStudy(Dataset<Row> adsl, Dataset<Row> studies) {
        Dataset<Row> known = studies.select(col("study_id").as("__known"));
        return adsl.join(known, adsl.col("STUDYID").equalTo(known.col("__known")), "left");
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
     *
     * <p>The rules across rows (a subject has one ADSL row; an event's subject is a validated ADSL row) are checked
     * in one pass, not a join of every event with the subject table and a window over every subject: ADSL rows and
     * ADAE rows, reduced to their key and whether they break a rule of their own row, are grouped per subject once
     * (a hash aggregation, partial before the shuffle), which gives per subject its ADSL rows, how many of them break
     * a rule, its events and how many of those break a rule. Only the subjects with a problem leave that pass
     * (usually none); the rejected rows are then listed, each by its rule as {@link #readSubjects} and
     * {@link #readEvents} list them, in a second pass that joins each table with those few subjects, and only when
     * there is one. Rules set to fatal keep the checks of {@link #readSubjects} and {@link #readEvents} (the run
     * stops at the first, in the order they are checked).
     */
    public static Tables read(SparkSession spark, String adslFile, String adaeFile, Dataset<Row> studies,
                              Set<String> knownTreatments, Validation validation, OptionalInt period, boolean lagged) {
        SubjectRules spec = subjectRules(spark, adslFile, knownTreatments, period, lagged);
        List<Rule> eventRules = eventRules(lit(false));
        boolean anyFatal = false;
        for (Rule r : concat(spec.all(), eventRules)) {
            anyFatal |= validation.actionFor(r) != Validation.Action.QUARANTINE;
        }
        if (anyFatal) {
            Dataset<Row> subjects = readSubjects(spark, adslFile, studies, knownTreatments, validation, period, lagged)
                    .cache(); // the event check, the quarantine and the aggregation all read it
            Dataset<Row> events = readEvents(spark, adaeFile, subjects, validation);
            return quarantined(validation, adslFile, subjects, adaeFile, events);
        }
        validation.quarantineUnit(adslFile, Validation.ADAM_STUDY);
        Dataset<Row> adsl = ValidatedTable.read(spark, adslFile, spec.columns(), KEY, false, validation);
        validation.quarantineUnit(adaeFile, Validation.ADAM_STUDY);
        Dataset<Row> adae = ValidatedTable.read(spark, adaeFile, ADAE_COLUMNS, KEY, false, validation);
        Dataset<Row> adslChecked = withKnownStudy(adsl, studies);

        // per subject: ADSL rows (__s), those breaking a rule of their own row (__sbad), events (__e), those breaking
        // one (__ebad); a subject is validated when it has one ADSL row and that row breaks no rule
        Dataset<Row> subjectSide = adslChecked.select(col("STUDYID").as("__sid"), col("USUBJID").as("__uid"),
                lit(1L).as("__s"), when(anyBroken(spec.ofRow()), 1L).otherwise(0L).as("__sbad"), lit(0L).as("__e"),
                lit(0L).as("__ebad"));
        Dataset<Row> eventSide = adae.select(col("STUDYID").as("__sid"), col("USUBJID").as("__uid"), lit(0L).as("__s"),
                lit(0L).as("__sbad"), lit(1L).as("__e"),
                when(anyBroken(eventRules.subList(0, eventRules.size() - 1)), 1L).otherwise(0L).as("__ebad"));
        Column validated = col("__s").equalTo(1).and(col("__sbad").equalTo(0));
        Column duplicated = col("__s").gt(1);
        Column unknownWithEvents = validated.unary_$bang().and(col("__e").gt(col("__ebad")));
        // checkpointed: the problems' tallies and both second passes read it (one job computes it)
        Dataset<Row> problems = subjectSide.unionByName(eventSide).groupBy(col("__sid"), col("__uid"))
                .agg(sum("__s").as("__s"), sum("__sbad").as("__sbad"), sum("__e").as("__e"), sum("__ebad").as("__ebad"))
                .filter(duplicated.or(col("__sbad").gt(0)).or(col("__ebad").gt(0)).or(unknownWithEvents))
                .withColumn("__validated", validated).withColumn("__unknown", unknownWithEvents)
                .localCheckpoint();
        Row tally = problems.agg(count(lit(1)), sum(when(duplicated.or(col("__sbad").gt(0)), 1L).otherwise(0L)),
                sum(when(col("__ebad").gt(0).or(col("__unknown")), 1L).otherwise(0L)),
                sum(when(duplicated, 1L).otherwise(0L)), sum(when(col("__unknown"), 1L).otherwise(0L))).first();
        long subjectProblems = tally.isNullAt(1) ? 0 : tally.getLong(1);
        long eventProblems = tally.isNullAt(2) ? 0 : tally.getLong(2);
        long duplicates = tally.isNullAt(3) ? 0 : tally.getLong(3);
        long unknown = tally.isNullAt(4) ? 0 : tally.getLong(4);

        Dataset<Row> subjects = adsl;
        if (subjectProblems > 0) {
            // as readSubjects: every rule in its order, the rows per subject taken from the duplicated subjects only
            Dataset<Row> dup = small(problems.filter(duplicated).select(col("__sid").as("__dsid"),
                    col("__uid").as("__duid"), col("__s").as("__dup_rows")), duplicates);
            Dataset<Row> checked = adslChecked.join(dup, adslChecked.col("STUDYID").equalTo(dup.col("__dsid"))
                            .and(adslChecked.col("USUBJID").equalTo(dup.col("__duid"))), "left")
                    .withColumn("__subject_rows", coalesce(col("__dup_rows"), lit(1L)));
            subjects = validation.check(checked, adslFile, spec.all(), KEY).select(ValidatedTable.columns(adsl));
        }
        Dataset<Row> events = adae;
        if (eventProblems > 0) {
            // as readEvents: an event's subject is unknown when it is one of the subjects found unknown
            Dataset<Row> unknownSubjects = small(problems.filter(col("__unknown")).select(col("__sid").as("__usid"),
                    col("__uid").as("__uuid")), unknown);
            Dataset<Row> checked = adae.join(unknownSubjects, adae.col("STUDYID").equalTo(unknownSubjects.col("__usid"))
                    .and(adae.col("USUBJID").equalTo(unknownSubjects.col("__uuid"))), "left");
            events = validation.check(checked, adaeFile, eventRules(col("__uuid").isNotNull()), KEY)
                    .select(ValidatedTable.columns(adae));
        }
        return quarantined(validation, adslFile, subjects, adaeFile, events);
    }

    /** Both files' rejects are known only now: an event rejected in ADAE takes its study's subjects out too. */
    private static Tables quarantined(Validation validation, String adslFile, Dataset<Row> subjects, String adaeFile,
                                      Dataset<Row> events) {
        return new Tables(validation.quarantineIncomplete(subjects, adslFile, Validation.ADAM_STUDY, KEY),
                validation.quarantineIncomplete(events, adaeFile, Validation.ADAM_STUDY, KEY));
    }

    // a table of subjects with a problem, broadcast when it is small (it usually is: a few rows, or none)
    private static Dataset<Row> small(Dataset<Row> subjects, long rows) {
        return rows <= 1_000_000 ? broadcast(subjects) : subjects;
    }

    private static Column anyBroken(List<Rule> rules) {
        Column any = lit(false);
        for (Rule r : rules) {
            any = any.or(coalesce(r.broken(), lit(false)));
        }
        return any;
    }

    private static List<Rule> concat(List<Rule> a, List<Rule> b) {
        List<Rule> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
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
        return validation.check(checked, file, eventRules(col("__uid").isNull()), KEY).select(ValidatedTable.columns(adae));
    }

    /** The ADAE rules in the order they are checked; the last, an event's subject is known, broken by {@code unknownSubject}. */
    private static List<Rule> eventRules(Column unknownSubject) {
        return List.of(
                new Rule(RuleIds.AESER_Y_OR_N, "AESER", "AESER must be Y or N", col("AESER").isNotNull().and(col("AESER").isin("Y", "N").unary_$bang())),
                new Rule(RuleIds.TRTEMFL_Y_OR_N, "TRTEMFL", "TRTEMFL must be Y, N or empty",
                        col("TRTEMFL").isNotNull().and(col("TRTEMFL").isin("Y", "N").unary_$bang())),
                new Rule(RuleIds.EVENT_SUBJECT_KNOWN, "USUBJID", "subject of the event is not in the subject table", unknownSubject));
    }
}
