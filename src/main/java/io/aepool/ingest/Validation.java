package io.aepool.ingest;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
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
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

/**
 * How broken rules are handled, and the ledger of what was rejected. Each rule is either fatal (the run
 * stops with one message naming file, column, key, rule and how many rows) or quarantined (its rows go to
 * the rejects table with the rule and input file, and the run goes on). Default: structural rules fatal,
 * row-level rules quarantined; the conf may set any rule by id. Every input row is accounted for:
 * rows read = rows used + rows rejected, per file.
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

    private final List<Dataset<Row>> rejects = new ArrayList<>();
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
        return check(table, lit(file), file, rules, keyColumns);
    }

    /**
     * As {@link #check(Dataset, String, List, List)} for a table whose rows come from several files:
     * {@code fileColumn} names each row's file (for the rejects and the accounting), {@code fileLabel} the table in
     * fatal messages.
     */
    public Dataset<Row> check(Dataset<Row> table, Column fileColumn, String fileLabel, List<Rule> rules,
                              List<String> keyColumns) {
        return check(table, fileColumn, fileLabel, rules, keyColumns, null);
    }

    /**
     * As {@link #check(Dataset, String, List, List)} for a file just read: the same pass also counts its rows
     * (read = used + rejected), so reading a file costs one Spark job, not two.
     *
     * @throws InputException when the file has no rows
     */
    Dataset<Row> checkCountingRows(Dataset<Row> table, String file, List<Rule> rules, List<String> keyColumns,
                                   boolean mayBeEmpty) {
        long[] rowsRead = new long[1];
        Dataset<Row> kept = check(table, lit(file), file, rules, keyColumns, rowsRead);
        if (rowsRead[0] == 0 && !mayBeEmpty) {
            throw new InputException(file, "-", "-", "the file has no rows");
        }
        countRead(file, rowsRead[0]);
        return kept;
    }

    private Dataset<Row> check(Dataset<Row> table, Column fileColumn, String fileLabel, List<Rule> rules,
                               List<String> keyColumns, long[] rowsRead) {
        List<Rule> fatal = rules.stream().filter(r -> actionFor(r) == Action.FATAL).toList();
        List<Rule> quarantined = rules.stream().filter(r -> actionFor(r) == Action.QUARANTINE).toList();
        Column fatalBroken = lit(false);
        for (Rule r : fatal) {
            fatalBroken = fatalBroken.or(coalesce(r.broken(), lit(false)));
        }
        Column[] flags = new Column[quarantined.size()];
        Column[] ids = new Column[quarantined.size()];
        for (int i = 0; i < flags.length; i++) {
            Rule r = quarantined.get(i);
            flags[i] = when(r.broken(), lit(i));
            ids[i] = when(r.broken(), lit(r.id()));
        }
        Column violation = flags.length == 0 ? lit(null).cast(DataTypes.IntegerType) : coalesce(flags);
        Column ruleId = ids.length == 0 ? lit(null).cast(DataTypes.StringType) : coalesce(ids);
        Column value = lit(null).cast(DataTypes.StringType);
        Column description = lit(null).cast(DataTypes.StringType);
        Column column = lit(null).cast(DataTypes.StringType);
        for (int i = quarantined.size() - 1; i >= 0; i--) {
            Rule r = quarantined.get(i);
            Column shown = SUBJECT_COLUMNS.contains(r.column()) ? lit("(withheld: subject identifier)")
                    : col(r.column()).cast(DataTypes.StringType);
            value = when(violation.equalTo(i), shown).otherwise(value);
            description = when(violation.equalTo(i), lit(r.description())).otherwise(description);
            column = when(violation.equalTo(i), lit(r.column())).otherwise(column);
        }
        Column[] keyParts = keyColumns.stream()
                .map(k -> concat_ws("=", lit(k), coalesce(col(k).cast(DataTypes.StringType), lit(""))))
                .toArray(Column[]::new);
        List<String> present = List.of(table.columns());
        Column[] ledgerRow = {fileColumn.as("file"), ruleId.as("rule"), description.as("description"),
                column.as("column"), concat_ws(", ", keyParts).as("row_key"), value.as("value"),
                lit(rowsRead != null ? STAGE_READ : STAGE_RULE).as("__stage"), hidden(present, "registry_id"),
                hidden(present, "patient_id")};

        Dataset<Row> ledger = null;
        List<Row> tally;
        if (rowsRead != null) {
            // a file just read: one pass counts every row per file and rule (its plan is a scan; the rejected rows,
            // if any, are a second pass)
            List<Row> all = table.select(fatalBroken.as("__fatal"), fileColumn.as("__file"), ruleId.as("__rule"))
                    .groupBy("__fatal", "__file", "__rule").count().collectAsList();
            rowsRead[0] = all.stream().mapToLong(r -> r.getLong(3)).sum();
            tally = all.stream().filter(r -> r.getBoolean(0) || r.getString(2) != null).toList();
        } else {
            // rules across rows (joins, windows over every row): one pass keeps the rows that break a rule, and the
            // tally is taken from them. Tallied first and the rows taken after, the plan ran twice before the rows
            // kept ran it a third time.
            List<Column> withFatal = new ArrayList<>(List.of(fatalBroken.as("__fatal")));
            withFatal.addAll(List.of(ledgerRow));
            // checkpointed lazily: the tally's job computes the rows and keeps them (one job, not two)
            ledger = table.filter(fatalBroken.or(violation.isNotNull())).select(withFatal.toArray(Column[]::new))
                    .localCheckpoint(false);
            tally = ledger.groupBy("__fatal", "file", "rule").count().collectAsList();
        }
        if (tally.stream().anyMatch(r -> r.getBoolean(0))) {
            ValidatedTable.check(table, fileLabel, fatal, keyColumns); // names the first broken fatal rule and throws
        }
        if (quarantined.isEmpty()) {
            return table;
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
            rejects.add(ledger != null ? ledger.filter(col("rule").isNotNull()).drop("__fatal")
                    : table.filter(violation.isNotNull()).select(ledgerRow).localCheckpoint());
        }
        return table.filter(violation.isNull());
    }

    /** Ledger stage of rows rejected by the type rules of a file as read. */
    public static final String STAGE_READ = "read";
    /** Ledger stage of rows rejected by rules that look across rows (duplicates, membership). */
    public static final String STAGE_RULE = "rule";

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
        rows.forEach((file, n) -> out.put(file, Map.of("read", n[0], "rejected", n[1], "used", n[0] - n[1])));
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
