package io.aepool.ingest;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.DataTypes;

import java.util.ArrayList;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.function.UnaryOperator;

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
        return checkSubjects(ValidatedTable.read(spark, file, spec.columns(), KEY, false, validation), file, studies,
                spec, validation);
    }

    /** ADSL rows that passed the type rules, checked against the subject rules (uniqueness over these rows). */
    private static Dataset<Row> checkSubjects(Dataset<Row> adsl, String file, Dataset<Row> studies, SubjectRules spec,
                                              Validation validation) {
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
     * a rule, its events and how many of those break a rule. It names the studies with a rejected row (usually none).
     * Only the rows of those studies, of studies rejected in an earlier ADaM pair and of rows without a study are then
     * checked rule by rule, as {@link #readRuleByRule} checks every row, and quarantined; every other study's rows are
     * used as read.
     * Rules set to fatal, or a file the pass cannot read, take {@link #readRuleByRule} (the run stops at the first
     * broken rule, in the order they are checked; a bad file is named).
     */
    public static Tables read(SparkSession spark, String adslFile, String adaeFile, Dataset<Row> studies,
                              Set<String> knownTreatments, Validation validation, OptionalInt period, boolean lagged) {
        SubjectRules spec = subjectRules(spark, adslFile, knownTreatments, period, lagged);
        validation.quarantineUnit(adslFile, Validation.ADAM_STUDY);
        validation.quarantineUnit(adaeFile, Validation.ADAM_STUDY);
        ValidatedTable.Prepared adsl = ValidatedTable.prepare(spark, adslFile, spec.columns(), false,
                UnaryOperator.identity());
        ValidatedTable.Prepared adae = ValidatedTable.prepare(spark, adaeFile, ADAE_COLUMNS, false,
                UnaryOperator.identity());
        List<Rule> eventRules = eventRules(lit(false));
        boolean anyFatal = false;
        for (List<Rule> rules : List.of(adsl.typeRules(), spec.all(), adae.typeRules(), eventRules)) {
            for (Rule r : rules) {
                anyFatal |= validation.actionFor(r) != Validation.Action.QUARANTINE;
            }
        }
        if (anyFatal) {
            return readRuleByRule(spark, adslFile, adaeFile, studies, knownTreatments, validation, period, lagged);
        }
        Problems problems;
        try {
            problems = problems(adsl, adae, studies, spec, eventRules);
        } catch (InputException e) {
            throw e;
        } catch (Exception e) {
            // a file Spark cannot read: the rule-by-rule path reads each file on its own and names the one at fault
            return readRuleByRule(spark, adslFile, adaeFile, studies, knownTreatments, validation, period, lagged);
        }
        for (String file : List.of(adslFile, adaeFile)) {
            if (problems.rowsRead().get(file) == 0) {
                throw new InputException(file, "-", "-", "the file has no rows");
            }
        }
        // the studies with a rejected row: in this pair, or in an earlier ADaM pair (its rows here go out whole too)
        java.util.SortedSet<String> offending = validation.rejectedUnits(Validation.ADAM_STUDY);
        offending.addAll(problems.studies());
        // the studies used whole: every type-valid row of a study with no rejected row in either file
        Column used = col("STUDYID").isNotNull();
        if (!offending.isEmpty()) {
            used = used.and(col("STUDYID").isin(offending.toArray()).unary_$bang());
        }
        Dataset<Row> subjects = adsl.typedRows().filter(used);
        Dataset<Row> events = adae.typedRows().filter(used);
        if (!problems.any() && offending.isEmpty()) {
            problems.rowsRead().forEach(validation::countRead);
            return new Tables(subjects, events);
        }
        // the rows of those studies (and of rows with no study), checked rule by rule: each file read once more,
        // its rows in scope kept by that pass (few), every later check reading them from there
        Column inScope = ValidatedTable.text(col("STUDYID")).isNull();
        if (!offending.isEmpty()) {
            inScope = inScope.or(ValidatedTable.text(col("STUDYID")).isin(offending.toArray()));
        }
        Column scope = inScope;
        Map<String, Long> before = validation.rowsRead();
        Dataset<Row> adslIn = ValidatedTable.read(adsl.scoped(t -> t.filter(scope)), KEY, validation, true, true);
        Dataset<Row> subjectsIn = checkSubjects(adslIn, adslFile, studies, spec, validation);
        Dataset<Row> adaeIn = ValidatedTable.read(adae.scoped(t -> t.filter(scope)), KEY, validation, true, true);
        Dataset<Row> eventsIn = checkEvents(adaeIn, adaeFile, subjectsIn, validation);
        Map<String, Long> inScopeRead = validation.rowsRead();
        for (String file : List.of(adslFile, adaeFile)) {
            long scoped = inScopeRead.getOrDefault(file, 0L) - before.getOrDefault(file, 0L);
            validation.countRead(file, problems.rowsRead().get(file) - scoped);
        }
        Tables inScopeTables = quarantined(validation, adslFile, subjectsIn, adaeFile, eventsIn);
        // each study in scope has a rejected row, so nothing is left of it; the union keeps the tables exact if not
        return new Tables(subjects.unionByName(inScopeTables.subjects()), events.unionByName(inScopeTables.events()));
    }

    /**
     * What the pass over both files found: the rows each file has, the studies with a rejected row (a study whose
     * row breaks a type rule, a subject with a problem), and whether any row is rejected at all (one may have no
     * study: blank STUDYID).
     */
    private record Problems(Map<String, Long> rowsRead, List<String> studies, boolean any) {
    }

    /**
     * One pass over ADSL and ADAE, grouped per subject (a hash aggregation, partial before the shuffle): every row
     * reduced to its study, its subject and whether it breaks a type rule or a rule of its own row. Per subject: its
     * ADSL rows, those breaking a rule, its events, those breaking one; rows breaking a type rule are grouped per study
     * apart (no subject). A subject is validated when it has one ADSL row and that row breaks no rule; a subject with
     * a problem (more than one ADSL row, a row breaking a rule, events passing their own rules but no validated
     * subject) has a rejected row in its study. Only those groups leave the pass (usually none); the rows of each file
     * are counted by metrics observed on the way.
     */
    private static Problems problems(ValidatedTable.Prepared adsl, ValidatedTable.Prepared adae, Dataset<Row> studies,
                                     SubjectRules spec, List<Rule> eventRules) {
        Dataset<Row> adslRows = withKnownStudy(typedWithFlag(adsl), studies);
        Dataset<Row> adaeRows = typedWithFlag(adae);
        Column typeBad = col("__type_bad");
        Column subjectSide = when(typeBad, lit(null).cast(DataTypes.StringType)).otherwise(col("USUBJID"));
        Dataset<Row> fromAdsl = adslRows.select(col("STUDYID").as("__sid"), subjectSide.as("__uid"),
                when(typeBad, 0L).otherwise(1L).as("__s"),
                when(typeBad.unary_$bang().and(anyBroken(spec.ofRow())), 1L).otherwise(0L).as("__sbad"),
                lit(0L).as("__e"), lit(0L).as("__ebad"), when(typeBad, 1L).otherwise(0L).as("__tbad"),
                lit(1L).as("__adsl_rows"), lit(0L).as("__adae_rows"));
        Dataset<Row> fromAdae = adaeRows.select(col("STUDYID").as("__sid"), subjectSide.as("__uid"), lit(0L).as("__s"),
                lit(0L).as("__sbad"), when(typeBad, 0L).otherwise(1L).as("__e"),
                when(typeBad.unary_$bang().and(anyBroken(eventRules.subList(0, eventRules.size() - 1))), 1L)
                        .otherwise(0L).as("__ebad"),
                when(typeBad, 1L).otherwise(0L).as("__tbad"), lit(0L).as("__adsl_rows"), lit(1L).as("__adae_rows"));
        Dataset<Row> perSubject = fromAdsl.unionByName(fromAdae).groupBy(col("__sid"), col("__uid")).agg(
                        sum("__s").as("__s"), sum("__sbad").as("__sbad"), sum("__e").as("__e"),
                        sum("__ebad").as("__ebad"), sum("__tbad").as("__tbad"), sum("__adsl_rows").as("__adsl_rows"),
                        sum("__adae_rows").as("__adae_rows"))
                .observe(ROWS, sum("__adsl_rows"), sum("__adae_rows"));
        Column validated = col("__s").equalTo(1).and(col("__sbad").equalTo(0));
        Dataset<Row> found = perSubject.filter(col("__tbad").gt(0).or(col("__s").gt(1)).or(col("__sbad").gt(0))
                        .or(col("__ebad").gt(0)).or(validated.unary_$bang().and(col("__e").gt(col("__ebad")))))
                .select(col("__sid")).distinct(); // one row per study: a study unknown to the studies table marks every subject
        List<Row> rows = found.collectAsList();
        scala.Option<Row> metrics = found.queryExecution().observedMetrics().get(ROWS);
        long adslRead;
        long adaeRead;
        if (metrics.isDefined() && !metrics.get().isNullAt(0)) {
            adslRead = metrics.get().getLong(0);
            adaeRead = metrics.get().getLong(1);
        } else { // no metrics (not expected) or no row at all
            adslRead = adsl.raw().count();
            adaeRead = adae.raw().count();
        }
        java.util.TreeSet<String> offending = new java.util.TreeSet<>();
        for (Row r : rows) {
            if (!r.isNullAt(0)) {
                offending.add(r.getString(0));
            }
        }
        Map<String, Long> read = new LinkedHashMap<>();
        read.put(adsl.file(), adslRead);
        read.put(adae.file(), adaeRead);
        return new Problems(read, List.copyOf(offending), !rows.isEmpty());
    }

    /** The name of the metrics that count both files' rows in {@link #problems}. */
    private static final String ROWS = "aepool_adam_rows";

    /** A file's rows as typed, with {@code __type_bad}: whether the row breaks a type rule. */
    private static Dataset<Row> typedWithFlag(ValidatedTable.Prepared file) {
        List<Column> all = new ArrayList<>(file.typed());
        all.add(file.typeBroken().as("__type_bad"));
        return file.raw().select(all.toArray(Column[]::new));
    }

    /**
     * The same tables and rejects as {@link #read}, each rule checked on its own: a window over every ADSL row for
     * uniqueness, a join of every event with the validated subjects for membership. The path for rules set to fatal
     * (the run stops at the first broken one, in the order they are checked), and {@link #read}'s specification in
     * the tests.
     */
    static Tables readRuleByRule(SparkSession spark, String adslFile, String adaeFile, Dataset<Row> studies,
                                 Set<String> knownTreatments, Validation validation, OptionalInt period, boolean lagged) {
        Dataset<Row> subjects = readSubjects(spark, adslFile, studies, knownTreatments, validation, period, lagged)
                .cache(); // the event check, the quarantine and the aggregation all read it
        Dataset<Row> events = readEvents(spark, adaeFile, subjects, validation);
        return quarantined(validation, adslFile, subjects, adaeFile, events);
    }

    /** Both files' rejects are known only now: an event rejected in ADAE takes its study's subjects out too. */
    private static Tables quarantined(Validation validation, String adslFile, Dataset<Row> subjects, String adaeFile,
                                      Dataset<Row> events) {
        return new Tables(validation.quarantineIncomplete(subjects, adslFile, Validation.ADAM_STUDY, KEY),
                validation.quarantineIncomplete(events, adaeFile, Validation.ADAM_STUDY, KEY));
    }

    private static Column anyBroken(List<Rule> rules) {
        Column any = lit(false);
        for (Rule r : rules) {
            any = any.or(coalesce(r.broken(), lit(false)));
        }
        return any;
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
        return checkEvents(ValidatedTable.read(spark, file, ADAE_COLUMNS, KEY, false, validation), file, subjects,
                validation);
    }

    /** ADAE rows that passed the type rules, checked against the event rules ({@code subjects}: the validated ones). */
    private static Dataset<Row> checkEvents(Dataset<Row> adae, String file, Dataset<Row> subjects, Validation validation) {
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
