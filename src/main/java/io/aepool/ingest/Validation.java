package io.aepool.ingest;

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
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

/**
 * How broken rules are handled, and the ledger of what was rejected. Each rule is either fatal (the run
 * stops with one message naming file, column, key, rule and how many rows) or quarantined (its rows go to
 * the rejects table with the rule and input file, and the run goes on). Default: structural rules fatal,
 * row-level rules quarantined; the conf may set any rule by id ({@link RuleIds}). Every input row is accounted for:
 * rows read = rows used + rows rejected, per file.
 *
 * <p>A rejected row quarantines what it would change: a reader declares the {@link QuarantineUnit} of its file
 * (arm counts: study and outcome; ADaM: study) and, once every rule has run, {@link #quarantineIncomplete} moves the
 * unit's other rows to the same ledger under {@link RuleIds#STUDY_INCOMPLETE}, pointing at the rejected row. So a
 * study is pooled whole or not at all.
 */
public final class Validation {

    public enum Action { FATAL, QUARANTINE }

    /** Columns that identify a subject: never copied into a message or the rejects table. */
    static final Set<String> SUBJECT_COLUMNS = Set.of("USUBJID", "SUBJID", "patient_id", "person_id", "PERSON_ID");

    public static final StructType REJECTS_SCHEMA = new StructType()
            .add("file", DataTypes.StringType).add("rule", DataTypes.StringType).add("description", DataTypes.StringType)
            .add("column", DataTypes.StringType).add("row_key", DataTypes.StringType).add("value", DataTypes.StringType);

    private final Action rowLevelDefault;
    private final Map<String, Action> perRule;
    /**
     * Hidden columns of the ledger's rows, kept for the job's private incremental state and never published: the
     * stage that rejected the row (read: type rules of a file just read; rule: rules across rows) and the registry
     * and patient it belongs to (null for tables without them).
     */
    public static final StructType PRIVATE_REJECTS_SCHEMA = new StructType(REJECTS_SCHEMA.fields())
            .add("__stage", DataTypes.StringType).add("__registry_id", DataTypes.StringType)
            .add("__patient_id", DataTypes.StringType);

    /**
     * What a rejected row quarantines with it: every other row of its unit (e.g. study and outcome), so no unit is
     * ever used with a piece missing. {@code columns} name the unit from the widest to the narrowest; a rejected row
     * whose narrower columns are empty (an arm row without an outcome) quarantines every row of the wider unit it
     * names (the study's rows for every outcome); one whose first column is empty cannot be attributed and
     * quarantines nothing else.
     *
     * @param name what the unit is, for messages ("study and outcome")
     */
    public record QuarantineUnit(String name, List<String> columns) {
        public QuarantineUnit {
            columns = List.copyOf(columns);
            if (columns.isEmpty()) {
                throw new IllegalArgumentException("a quarantine unit needs at least one column");
            }
        }
    }

    /** Arm-level counts: a rejected arm row quarantines its study and outcome (every arm of the trial). */
    public static final QuarantineUnit STUDY_OUTCOME = new QuarantineUnit("study and outcome", List.of("study_id", "outcome"));
    /** ADaM: a rejected ADSL or ADAE row quarantines its study's whole ADaM contribution (subjects and events). */
    public static final QuarantineUnit ADAM_STUDY = new QuarantineUnit("study (ADaM subjects and events)", List.of("STUDYID"));

    private final List<Dataset<Row>> rejects = new ArrayList<>();
    // file label -> its quarantine unit; unit -> rejected rows' unit values with their rule and key (the pointers)
    private final Map<String, QuarantineUnit> unitOfFile = new LinkedHashMap<>();
    private final Map<QuarantineUnit, List<Dataset<Row>>> offenders = new LinkedHashMap<>();
    private final Map<String, long[]> rows = new LinkedHashMap<>();
    // per file: rejected rows per rule
    private final Map<String, Map<String, Long>> rejectedByFileRule = new LinkedHashMap<>();

    public Validation(Action rowLevelDefault, Map<String, Action> perRule) {
        this.rowLevelDefault = rowLevelDefault;
        this.perRule = Map.copyOf(perRule);
    }

    /** Structural rules fatal, row-level rules quarantined. */
    public static Validation defaults() {
        return new Validation(Action.QUARANTINE, Map.of());
    }

    /** Every rule fatal: the first broken rule stops the run. */
    public static Validation failFast() {
        return new Validation(Action.FATAL, Map.of());
    }

    public Action actionFor(Rule rule) {
        return perRule.getOrDefault(rule.id(), rule.rowLevel() ? rowLevelDefault : Action.FATAL);
    }

    /** Records how many rows a file has, before any rule. */
    void countRead(String file, long n) {
        rows.computeIfAbsent(file, f -> new long[2])[0] += n;
    }

    /**
     * Applies the rules: a fatal rule broken by any row throws; rows breaking a quarantined rule are moved to the
     * rejects ledger (with the first such rule) and left out of the returned table.
     */
    public Dataset<Row> check(Dataset<Row> table, String file, List<Rule> rules, List<String> keyColumns) {
        return check(table, Origin.file(file), rules, keyColumns, null, false);
    }

    /**
     * As {@link #check(Dataset, String, List, List)}, and the rows that pass come from the same materialised pass
     * (locally checkpointed with the rejected ones): for a table the caller would checkpoint anyway (registry extracts
     * read by several plans), which then neither recomputes the rules' joins and windows nor runs another job.
     */
    public Dataset<Row> checkMaterialised(Dataset<Row> table, String file, List<Rule> rules, List<String> keyColumns) {
        return check(table, Origin.file(file), rules, keyColumns, null, true);
    }

    /** As {@link #checkMaterialised(Dataset, String, List, List)} for rows of several files. */
    public Dataset<Row> checkMaterialised(Dataset<Row> table, Column fileColumn, String fileLabel, List<Rule> rules,
                                          List<String> keyColumns) {
        return check(table, new Origin(fileColumn, fileLabel, false), rules, keyColumns, null, true);
    }

    /**
     * As {@link #check(Dataset, String, List, List)} for a table whose rows come from several files:
     * {@code fileColumn} names each row's file (for the rejects and the accounting), {@code fileLabel} the table in
     * fatal messages.
     */
    public Dataset<Row> check(Dataset<Row> table, Column fileColumn, String fileLabel, List<Rule> rules,
                              List<String> keyColumns) {
        return check(table, new Origin(fileColumn, fileLabel, false), rules, keyColumns, null, false);
    }

    /**
     * As {@link #check(Dataset, String, List, List)} for a file just read: the same pass also counts its rows
     * (read = used + rejected), so reading a file costs one Spark job, not two.
     *
     * @throws InputException when the file has no rows
     */
    Dataset<Row> checkCountingRows(Dataset<Row> table, String file, List<Rule> rules, List<String> keyColumns,
                                   boolean mayBeEmpty, boolean keepAll) {
        long[] rowsRead = new long[1];
        Dataset<Row> kept = check(table, Origin.file(file), rules, keyColumns, rowsRead, keepAll);
        if (rowsRead[0] == 0 && !mayBeEmpty) {
            throw new InputException(file, "-", "-", "the file has no rows");
        }
        countRead(file, rowsRead[0]);
        return kept;
    }

    /**
     * Where a checked table's rows come from.
     *
     * @param column  each row's file, for the rejects and the accounting
     * @param label   the table in messages (the file, when there is one)
     * @param oneFile every row comes from the file {@code label} ({@code column} is its literal)
     */
    private record Origin(Column column, String label, boolean oneFile) {
        static Origin file(String file) {
            return new Origin(lit(file), file, true);
        }
    }

    /**
     * @param rowsRead set to the rows of the file (a file just read), or null
     * @param keepAll  with one file: every row is checkpointed in the pass, the rows returned are read from it
     */
    private Dataset<Row> check(Dataset<Row> table, Origin origin, List<Rule> rules, List<String> keyColumns,
                               long[] rowsRead, boolean keepAll) {
        Column fileColumn = origin.column();
        String fileLabel = origin.label();
        List<Rule> fatal = rules.stream().filter(r -> actionFor(r) == Action.FATAL).toList();
        List<Rule> quarantined = rules.stream().filter(r -> actionFor(r) == Action.QUARANTINE).toList();
        Column fatalBroken = lit(false);
        for (Rule r : fatal) {
            fatalBroken = fatalBroken.or(coalesce(r.broken(), lit(false)));
        }
        Column[] flags = new Column[quarantined.size()];
        for (int i = 0; i < flags.length; i++) {
            flags[i] = when(quarantined.get(i).broken(), lit(i));
        }
        Column violation = flags.length == 0 ? lit(null).cast(DataTypes.IntegerType) : coalesce(flags);
        // The rules are evaluated once per row, into two small columns that the filter, the ledger and the metrics
        // read. (Metrics over the rules themselves evaluated every rule again for each metric, per row.)
        Dataset<Row> flaggedTable = flagged(table, fatalBroken, violation);
        fatalBroken = col(KEEP_PREFIX + "fatal_flag");
        violation = col(KEEP_PREFIX + "violation_flag");
        Dataset<Row> source = flaggedTable;
        if (origin.oneFile()) {
            List<Column> metrics = new ArrayList<>();
            metrics.add(sum(when(fatalBroken, 1).otherwise(0)).as("fatal"));
            for (int i = 0; i < quarantined.size(); i++) {
                metrics.add(sum(when(violation.equalTo(i), 1).otherwise(0)).as("rule_" + i));
            }
            source = flaggedTable.observe(TALLY, count(lit(1)).as("rows"), metrics.toArray(Column[]::new));
        }
        Column ruleId = lit(null).cast(DataTypes.StringType);
        Column value = lit(null).cast(DataTypes.StringType);
        Column description = lit(null).cast(DataTypes.StringType);
        Column column = lit(null).cast(DataTypes.StringType);
        for (int i = quarantined.size() - 1; i >= 0; i--) {
            Rule r = quarantined.get(i);
            Column shown = SUBJECT_COLUMNS.contains(r.column()) ? lit("(withheld: subject identifier)")
                    : col(r.column()).cast(DataTypes.StringType);
            ruleId = when(violation.equalTo(i), lit(r.id())).otherwise(ruleId);
            value = when(violation.equalTo(i), shown).otherwise(value);
            description = when(violation.equalTo(i), lit(r.description())).otherwise(description);
            column = when(violation.equalTo(i), lit(r.column())).otherwise(column);
        }
        List<String> present = List.of(table.columns());
        List<Column> ledgerColumns = new ArrayList<>(List.of(fileColumn.as("file"), ruleId.as("rule"),
                description.as("description"), column.as("column"), keyText(keyColumns).as("row_key"),
                value.as("value"), lit(rowsRead != null ? STAGE_READ : STAGE_RULE).as("__stage"),
                hidden(present, "registry_id"), hidden(present, "patient_id")));
        QuarantineUnit unit = unitOfFile.get(fileLabel);
        if (unit != null) {
            // the rejected row's unit, as the typed table will read it (text trimmed, blank is empty)
            for (int i = 0; i < unit.columns().size(); i++) {
                ledgerColumns.add(unitValue(unit.columns().get(i)).as(UNIT_PREFIX + i));
            }
        }
        Column[] ledgerRow = ledgerColumns.toArray(Column[]::new);

        Dataset<Row> ledger = null;
        Dataset<Row> passed = null; // the rows that pass, when read from the materialised pass (keepAll)
        List<Row> tally = null;
        List<Column> withFatal = new ArrayList<>(List.of(fatalBroken.as("__fatal")));
        withFatal.addAll(List.of(ledgerRow));
        // A file's rows (one file): one job, the pass that keeps the rows breaking a rule (checkpointed, usually
        // none) also counts every row per rule, as metrics observed on the rows flowing through it (no aggregation job
        // and its shuffle). Rows of several files: the tally is taken from the rows kept, on the driver (tables of
        // this kind are arm-level: few rows, fewer rejected).
        Dataset<Row> kept;
        if (keepAll) {
            // every row with its ledger columns (prefixed: no clash with the table's) and its first broken rule
            List<Column> all = new ArrayList<>(List.of(ValidatedTable.columns(table)));
            List<Column> ledgerNames = new ArrayList<>();
            List<String> names = new ArrayList<>(List.of("__fatal", "file", "rule", "description", "column",
                    "row_key", "value", "__stage", "__registry_id", "__patient_id"));
            for (int j = 0; j < ledgerRow.length - 9; j++) {
                names.add(UNIT_PREFIX + j); // the unit's columns follow the nine of every ledger row
            }
            for (int i = 0; i < withFatal.size(); i++) {
                all.add(withFatal.get(i).as(KEEP_PREFIX + names.get(i)));
                ledgerNames.add(col(KEEP_PREFIX + names.get(i)).as(names.get(i)));
            }
            all.add(violation.as(KEEP_PREFIX + "violation"));
            kept = source.select(all.toArray(Column[]::new));
            Dataset<Row> everyRow = kept.localCheckpoint(true);
            ledger = everyRow.filter(col(KEEP_PREFIX + "__fatal").or(col(KEEP_PREFIX + "violation").isNotNull()))
                    .select(ledgerNames.toArray(Column[]::new));
            passed = everyRow.filter(col(KEEP_PREFIX + "violation").isNull()).select(ValidatedTable.columns(table));
        } else {
            kept = source.filter(fatalBroken.or(violation.isNotNull())).select(withFatal.toArray(Column[]::new));
            // several files: checkpointed lazily, the tally's collect below computes and keeps the rows (one job)
            ledger = kept.localCheckpoint(origin.oneFile());
        }
        if (origin.oneFile()) {
            scala.Option<Row> observed = kept.queryExecution().observedMetrics().get(TALLY);
            if (observed.isDefined()) {
                Row m = observed.get();
                if (rowsRead != null) {
                    rowsRead[0] = m.getLong(0);
                }
                tally = new ArrayList<>();
                long fatalRows = m.isNullAt(1) ? 0 : m.getLong(1);
                if (fatalRows > 0) {
                    tally.add(RowFactory.create(true, fileLabel, null, fatalRows));
                }
                for (int i = 0; i < quarantined.size(); i++) {
                    long n = m.isNullAt(2 + i) ? 0 : m.getLong(2 + i);
                    if (n > 0) {
                        tally.add(RowFactory.create(false, fileLabel, quarantined.get(i).id(), n));
                    }
                }
            } else if (rowsRead != null) {
                // the metrics did not come back (not expected): the rows counted by a pass of their own, the rules
                // tallied from the rows kept (below)
                rowsRead[0] = table.count();
            }
        }
        if (tally == null) {
            Map<List<Object>, Long> counts = new LinkedHashMap<>();
            for (Row r : ledger.select("__fatal", "file", "rule").collectAsList()) {
                counts.merge(java.util.Arrays.asList(r.getBoolean(0), r.getString(1), r.getString(2)), 1L, Long::sum);
            }
            List<Row> fromLedger = new ArrayList<>();
            counts.forEach((k, n) -> fromLedger.add(RowFactory.create(k.get(0), k.get(1), k.get(2), n)));
            tally = fromLedger;
        }
        if (tally.stream().anyMatch(r -> r.getBoolean(0))) {
            ValidatedTable.check(table, fileLabel, fatal, keyColumns); // names the first broken fatal rule and throws
        }
        if (quarantined.isEmpty()) {
            return passed != null ? passed : table;
        }
        long total = 0;
        for (Row r : tally) {
            if (r.getString(2) != null) {
                tallyRejected(r.getString(1), r.getString(2), r.getLong(3));
                total += r.getLong(3);
            }
        }
        if (total > 0) {
            // materialised now, once: left lazy, the rejects table re-ran the whole validation plan (joins and
            // windows over every row) for each format it is published in
            Dataset<Row> rejected = ledger.filter(col("rule").isNotNull()).drop("__fatal");
            rejects.add(rejected.select(columns(PRIVATE_REJECTS_SCHEMA)));
            if (unit != null) {
                recordOffenders(unit, rejected);
            }
        }
        return passed != null ? passed
                : flaggedTable.filter(violation.isNull()).select(ValidatedTable.columns(table));
    }

    /** The name of the metrics a rule pass observes. */
    private static final String TALLY = "aepool_rule_tally";

    /** The table with two columns more: whether a fatal rule is broken, and the first quarantined rule broken. */
    private static Dataset<Row> flagged(Dataset<Row> table, Column fatalBroken, Column violation) {
        List<Column> all = new ArrayList<>(List.of(ValidatedTable.columns(table)));
        all.add(fatalBroken.as(KEEP_PREFIX + "fatal_flag"));
        all.add(violation.as(KEEP_PREFIX + "violation_flag"));
        return table.select(all.toArray(Column[]::new));
    }
    private static final String KEEP_PREFIX = "__ledger_";

    /** Ledger stage of rows rejected by the type rules of a file as read. */
    public static final String STAGE_READ = "read";
    /** Ledger stage of rows rejected by rules that look across rows (duplicates, membership). */
    public static final String STAGE_RULE = "rule";

    private static final String UNIT_PREFIX = "__unit_";

    private static Column unitValue(String column) {
        Column text = org.apache.spark.sql.functions.trim(col(column).cast(DataTypes.StringType));
        return when(text.equalTo(""), lit(null).cast(DataTypes.StringType)).otherwise(text);
    }

    /**
     * Declares what a rejected row of {@code file} quarantines with it (call before the file is read, so its type
     * rules count too); {@link #quarantineIncomplete} then takes the unit's other rows out.
     */
    public void quarantineUnit(String file, QuarantineUnit unit) {
        unitOfFile.put(file, unit);
    }

    private void recordOffenders(QuarantineUnit unit, Dataset<Row> rejected) {
        List<Column> kept = new ArrayList<>();
        for (int i = 0; i < unit.columns().size(); i++) {
            kept.add(col(UNIT_PREFIX + i));
        }
        kept.add(concat_ws(" at ", col("rule"), col("row_key")).as("__pointer"));
        offenders.computeIfAbsent(unit, u -> new ArrayList<>()).add(rejected.select(kept.toArray(Column[]::new)));
    }

    /** Every row rejected so far that quarantines {@code unit} (its unit columns and pointer), or null when none. */
    private Dataset<Row> offendersOf(QuarantineUnit unit) {
        List<Dataset<Row>> rows = offenders.get(unit);
        if (rows == null || rows.isEmpty()) {
            return null;
        }
        Dataset<Row> all = rows.get(0);
        for (int i = 1; i < rows.size(); i++) {
            all = all.unionByName(rows.get(i));
        }
        return all;
    }

    /**
     * The first unit column's values (e.g. the STUDYIDs) of the rows rejected so far that quarantine {@code unit}:
     * empty without a job when there is none. A reader that skips the row-by-row checks for clean units uses it so
     * that a unit rejected in an earlier file is still taken out whole from a later one.
     */
    public java.util.SortedSet<String> rejectedUnits(QuarantineUnit unit) {
        java.util.SortedSet<String> values = new java.util.TreeSet<>();
        Dataset<Row> all = offendersOf(unit);
        if (all == null) {
            return values;
        }
        for (Row r : all.select(col(UNIT_PREFIX + 0)).filter(col(UNIT_PREFIX + 0).isNotNull()).distinct()
                .collectAsList()) {
            values.add(r.getString(0));
        }
        return values;
    }

    /**
     * Takes out of {@code table} (rows of {@code file} that passed every rule) the rows whose unit holds a row
     * rejected so far in any file of the same unit: they go to the ledger under {@link RuleIds#STUDY_INCOMPLETE},
     * the message naming the unit and the value pointing at the rejected row's rule and key. So a unit is used whole
     * or not at all ("a rejected row quarantines what it would change"). The action follows the rule that caused it:
     * a fatal rule has already stopped the run.
     *
     * @param keyColumns columns that identify a row of {@code table} in the ledger
     */
    public Dataset<Row> quarantineIncomplete(Dataset<Row> table, String file, QuarantineUnit unit,
                                             List<String> keyColumns) {
        Dataset<Row> all = offendersOf(unit);
        if (all == null) {
            return table;
        }
        int width = unit.columns().size();
        // per named unit (the first p columns given, the rest empty): one pointer (the first in order) and how many
        Dataset<Row> marked = table;
        List<Column> pointers = new ArrayList<>();
        for (int p = width; p >= 1; p--) {
            Column named = lit(true);
            for (int i = 0; i < width; i++) {
                named = named.and(i < p ? col(UNIT_PREFIX + i).isNotNull() : col(UNIT_PREFIX + i).isNull());
            }
            Column[] groupBy = new Column[p];
            for (int i = 0; i < p; i++) {
                groupBy[i] = col(UNIT_PREFIX + i).as("__u" + p + "_" + i);
            }
            Dataset<Row> byUnit = all.filter(named).groupBy(groupBy).agg(
                    org.apache.spark.sql.functions.min("__pointer").as("__first" + p),
                    org.apache.spark.sql.functions.count(lit(1)).as("__count" + p));
            Column on = lit(true);
            for (int i = 0; i < p; i++) {
                on = on.and(marked.col(unit.columns().get(i)).equalTo(byUnit.col("__u" + p + "_" + i)));
            }
            marked = marked.join(byUnit, on, "left");
            for (int i = 0; i < p; i++) {
                marked = marked.drop("__u" + p + "_" + i);
            }
            pointers.add(when(col("__first" + p).isNotNull(), when(col("__count" + p).gt(1),
                    org.apache.spark.sql.functions.concat(col("__first" + p), lit(" (and "),
                            col("__count" + p).minus(1).cast(DataTypes.StringType), lit(" more rejected rows)")))
                    .otherwise(col("__first" + p))));
        }
        marked = marked.withColumn("__pointer", coalesce(pointers.toArray(Column[]::new)));
        List<String> present = List.of(table.columns());
        Dataset<Row> ledger = marked.filter(col("__pointer").isNotNull()).select(lit(file).as("file"),
                lit(RuleIds.STUDY_INCOMPLETE).as("rule"),
                org.apache.spark.sql.functions.concat(lit(unit.name() + " quarantined whole (all in or all out): "),
                        keyText(unit.columns()), lit(" has a rejected row (see value)")).as("description"),
                lit(String.join(", ", unit.columns())).as("column"), keyText(keyColumns).as("row_key"),
                col("__pointer").as("value"), lit(STAGE_RULE).as("__stage"), hidden(present, "registry_id"),
                hidden(present, "patient_id"));
        // counted as the checkpoint's one job computes the rows (not by a count job and its shuffle after it)
        Dataset<Row> observed = ledger.observe(TALLY, count(lit(1)).as("rows"));
        ledger = observed.localCheckpoint(true);
        scala.Option<Row> metrics = observed.queryExecution().observedMetrics().get(TALLY);
        long n = metrics.isDefined() ? metrics.get().getLong(0) : ledger.count();
        if (n == 0) {
            return table;
        }
        tallyRejected(file, RuleIds.STUDY_INCOMPLETE, n);
        rejects.add(ledger);
        return marked.filter(col("__pointer").isNull()).select(ValidatedTable.columns(table));
    }

    /** A row's key as the ledger writes it: {@code col=value, col=value} (an empty value as nothing after '='). */
    private static Column keyText(List<String> columns) {
        return concat_ws(", ", columns.stream()
                .map(k -> concat_ws("=", lit(k), coalesce(col(k).cast(DataTypes.StringType), lit(""))))
                .toArray(Column[]::new));
    }

    private static Column hidden(List<String> present, String column) {
        return (present.contains(column) ? col(column).cast(DataTypes.StringType) : lit(null).cast(DataTypes.StringType))
                .as("__" + column);
    }

    private void tallyRejected(String file, String rule, long n) {
        rejectedByFileRule.computeIfAbsent(file, f -> new LinkedHashMap<>()).merge(rule, n, Long::sum);
        rows.computeIfAbsent(file, f -> new long[2])[1] += n;
    }

    /** All quarantined rows of the run (empty table with {@link #REJECTS_SCHEMA} when none). */
    public Dataset<Row> rejects(SparkSession spark) {
        return privateRejects(spark).select(columns(REJECTS_SCHEMA));
    }

    /**
     * The rejects ledger as published (rejects.csv): every quarantined row, sorted by file, rule, row key and value.
     * Collected and sorted on the driver in Spark's order (the CSV is written from collected rows anyway): the Parquet
     * and CSV writes read the rows held there, and the files are byte-identical whatever the partitioning upstream.
     */
    public Dataset<Row> ledger(SparkSession spark) {
        Dataset<Row> all = rejects(spark);
        // a ledger of up to this many rows is collected and sorted on the driver, in the order the Spark sort gives
        // (ascending, nulls first, text by code point): its Parquet and CSV writes then read the rows held there,
        // instead of each running the shuffle and the sort again (three Spark jobs on the sample)
        // (the CSV is written from the collected rows in any case)
        List<Row> sorted = new ArrayList<>(all.collectAsList());
        java.util.Comparator<Row> order = (a, b) -> 0;
        for (String c : List.of("file", "rule", "row_key", "value")) {
            int i = REJECTS_SCHEMA.fieldIndex(c);
            order = order.thenComparing((a, b) -> compareCodePoints(a.getString(i), b.getString(i)));
        }
        sorted.sort(order);
        if (sorted.size() <= LOCAL_LEDGER_ROWS) {
            return spark.createDataFrame(sorted, REJECTS_SCHEMA);
        }
        // a long ledger goes back to Spark in ordered slices (a local relation is shipped whole in every write task)
        int slices = (sorted.size() + LOCAL_LEDGER_ROWS - 1) / LOCAL_LEDGER_ROWS;
        return spark.createDataFrame(org.apache.spark.api.java.JavaSparkContext.fromSparkContext(spark.sparkContext())
                .parallelize(sorted, slices), REJECTS_SCHEMA);
    }

    /** Rows of the ledger written as one local relation; longer ledgers are handed to Spark in slices of this many. */
    static final int LOCAL_LEDGER_ROWS = 100_000;

    /** Spark's ascending order of text with nulls first: by Unicode code point (UTF-8 binary collation). */
    static int compareCodePoints(String a, String b) {
        if (a == null || b == null) {
            return a == null ? (b == null ? 0 : -1) : 1;
        }
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int x = a.codePointAt(i);
            int y = b.codePointAt(j);
            if (x != y) {
                return Integer.compare(x, y);
            }
            i += Character.charCount(x);
            j += Character.charCount(y);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    }

    /**
     * The quarantined rows of the given files with the hidden columns of {@link #PRIVATE_REJECTS_SCHEMA} (patient
     * identifiers included): for the job's private state only, never for an output or a log.
     */
    public Dataset<Row> privateRejects(SparkSession spark, Set<String> files) {
        return privateRejects(spark).filter(col("file").isin(files.toArray()));
    }

    private Dataset<Row> privateRejects(SparkSession spark) {
        Dataset<Row> all = spark.createDataFrame(List.of(), PRIVATE_REJECTS_SCHEMA);
        for (Dataset<Row> r : rejects) {
            all = all.unionByName(r);
        }
        return all;
    }

    /**
     * Replaces the ledger of {@code files} by {@code privateRejects} (rows of {@link #PRIVATE_REJECTS_SCHEMA}) and
     * their rows read by {@code rowsRead}: an incremental run states the whole history of a registry's files (rows
     * read in earlier runs and their rejects, plus this run's), as a run reading everything would.
     */
    public void restate(Set<String> files, Dataset<Row> privateRejects, Map<String, Long> rowsRead) {
        for (int i = 0; i < rejects.size(); i++) {
            rejects.set(i, rejects.get(i).filter(col("file").isin(files.toArray()).unary_$bang()));
        }
        for (String f : files) {
            rejectedByFileRule.remove(f);
            rows.remove(f);
        }
        rowsRead.forEach(this::countRead);
        for (Row r : privateRejects.groupBy("file", "rule").count().collectAsList()) {
            tallyRejected(r.getString(0), r.getString(1), r.getLong(2));
        }
        rejects.add(privateRejects.select(columns(PRIVATE_REJECTS_SCHEMA)));
    }

    private static Column[] columns(StructType schema) {
        return java.util.Arrays.stream(schema.fieldNames()).map(org.apache.spark.sql.functions::col).toArray(Column[]::new);
    }

    /** Rows read per file (before any rule). */
    public Map<String, Long> rowsRead() {
        Map<String, Long> out = new LinkedHashMap<>();
        rows.forEach((file, n) -> out.put(file, n[0]));
        return out;
    }

    /** Per input file: rows read, rejected and used (read − rejected). */
    public Map<String, Map<String, Long>> accounting() {
        Map<String, Map<String, Long>> out = new LinkedHashMap<>();
        rows.forEach((file, n) -> {
            // a fixed key order, so summary.json is the same bytes for the same run (Map.of's order is not fixed)
            Map<String, Long> entry = new LinkedHashMap<>();
            entry.put("read", n[0]);
            entry.put("rejected", n[1]);
            entry.put("used", n[0] - n[1]);
            out.put(file, entry);
        });
        return out;
    }

    public Map<String, Long> rejectedByRule() {
        Map<String, Long> out = new LinkedHashMap<>();
        rejectedByFileRule.values().forEach(m -> m.forEach((rule, n) -> out.merge(rule, n, Long::sum)));
        return out;
    }

    /** Parses a conf value: fatal or quarantine. */
    public static Action parseAction(String value) {
        return switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "fatal" -> Action.FATAL;
            case "quarantine" -> Action.QUARANTINE;
            default -> throw new IllegalArgumentException("'" + value + "' must be fatal or quarantine");
        };
    }
}
