package io.aepool.ingest;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

/**
 * Reads one input file (CSV with a header, or Parquet) against declared columns and rules.
 * Every declared column must be present; values are cast to the declared type and a value that does not
 * cast is a broken rule, never a silent null. The first broken rule stops the run with an
 * {@link InputException} naming file, column, key and rule.
 */
public final class ValidatedTable {

    private ValidatedTable() {
    }

    /**
     * @param keyColumns columns that identify a row in error messages
     * @param validation  what to do with rows that break a rule (and the ledger of rejected rows)
     * @param keepExtra    keep undeclared columns as strings (study attributes usable as subgroups)
     */
    public static Dataset<Row> read(SparkSession spark, String file, List<ColumnSpec> columns,
                                    List<String> keyColumns, boolean keepExtra, Validation validation) {
        return read(spark, file, columns, keyColumns, keepExtra, validation, UnaryOperator.identity());
    }

    /**
     * @param scope which rows of the file this run reads (e.g. extract partitions up to the as-of date); rows outside
     *              it are neither read nor counted
     */
    public static Dataset<Row> read(SparkSession spark, String file, List<ColumnSpec> columns, List<String> keyColumns,
                                    boolean keepExtra, Validation validation, UnaryOperator<Dataset<Row>> scope) {
        return read(spark, file, columns, keyColumns, keepExtra, validation, scope, false);
    }

    /**
     * @param mayBeEmpty the scope may hold no row (new extract partitions of an incremental run): not an error
     */
    public static Dataset<Row> read(SparkSession spark, String file, List<ColumnSpec> columns, List<String> keyColumns,
                                    boolean keepExtra, Validation validation, UnaryOperator<Dataset<Row>> scope,
                                    boolean mayBeEmpty) {
        return read(prepare(spark, file, columns, keepExtra, scope), keyColumns, validation, mayBeEmpty, false);
    }

    /**
     * A file as read, before any Spark job: its rows ({@code raw}, optional columns it lacks added as empty), the
     * type rules on them, and the typed columns a row that passes them is read as.
     */
    record Prepared(String file, Dataset<Row> raw, List<Rule> typeRules, List<Column> typed) {
        /** Every row read as typed, whether it passes the type rules or not (a value that does not cast is null). */
        Dataset<Row> typedRows() {
            return raw.select(typed.toArray(Column[]::new));
        }

        /** True where a row breaks a type rule. */
        Column typeBroken() {
            Column any = lit(false);
            for (Rule r : typeRules) {
                any = any.or(coalesce(r.broken(), lit(false)));
            }
            return any;
        }

        Prepared scoped(UnaryOperator<Dataset<Row>> scope) {
            return new Prepared(file, scope.apply(raw), typeRules, typed);
        }
    }

    /** @throws InputException when a required column is missing or the file cannot be opened */
    static Prepared prepare(SparkSession spark, String file, List<ColumnSpec> columns, boolean keepExtra,
                            UnaryOperator<Dataset<Row>> scope) {
        Dataset<Row> raw = scope.apply(load(spark, file));
        Set<String> present = Arrays.stream(raw.columns()).collect(Collectors.toSet());
        for (ColumnSpec c : columns) {
            if (!present.contains(c.name())) {
                if (c.nullable()) {
                    // an optional column may be left out of the file: it reads as empty
                    raw = raw.withColumn(c.name(), lit(null).cast(c.type()));
                    continue;
                }
                throw new InputException(file, c.name(), "all rows",
                        "required column is missing (columns found: " + String.join(", ", raw.columns()) + ")");
            }
        }
        List<Rule> typeRules = new ArrayList<>();
        List<Column> typed = new ArrayList<>();
        for (ColumnSpec c : columns) {
            Column rawCol = col(c.name());
            Column cast = rawCol.try_cast(c.type());
            if (c.type().equals(DataTypes.StringType)) {
                // blank text counts as missing
                cast = text(rawCol);
                typeRules.add(new Rule(Rule.requiredId(c.name()), c.name(), "must not be empty", lit(!c.nullable()).and(cast.isNull())));
            } else {
                typeRules.add(new Rule(Rule.wrongTypeId(c.name()), c.name(), "wrong type: value is not " + typeName(c), rawCol.isNotNull()
                        .and(rawCol.cast(DataTypes.StringType).notEqual("")).and(cast.isNull())));
                if (!c.nullable()) {
                    typeRules.add(new Rule(Rule.requiredId(c.name()), c.name(), "must not be empty", rawCol.isNull()
                            .or(rawCol.cast(DataTypes.StringType).equalTo(""))));
                }
            }
            typed.add(cast.as(c.name()));
        }
        Set<String> declared = columns.stream().map(ColumnSpec::name).collect(Collectors.toSet());
        if (keepExtra) {
            for (StructField f : raw.schema().fields()) {
                if (!declared.contains(f.name())) {
                    typed.add(col(f.name()).cast(DataTypes.StringType).as(f.name()));
                }
            }
        }
        return new Prepared(file, raw, List.copyOf(typeRules), List.copyOf(typed));
    }

    /**
     * The type pass over a prepared file: one job reads it, counts its rows and checks the types.
     *
     * @param materialise every row is kept by that job and the rows returned are read from it (a scoped, small read
     *                    that several later checks read)
     */
    static Dataset<Row> read(Prepared file, List<String> keyColumns, Validation validation, boolean mayBeEmpty,
                             boolean materialise) {
        Dataset<Row> checked;
        try {
            checked = validation.checkCountingRows(file.raw(), file.file(), file.typeRules(), keyColumns, mayBeEmpty,
                    materialise);
        } catch (InputException e) {
            throw e;
        } catch (Exception e) { // Spark's checked SparkException included: a bad file is bad input, not a crash
            throw new InputException(file.file(), "-", "-", "cannot read the file (corrupt or truncated?): " + firstLine(e));
        }
        return checked.select(file.typed().toArray(Column[]::new));
    }

    /** Evaluates all rules in one pass; throws on the first row that breaks one. */
    public static void check(Dataset<Row> table, String file, List<Rule> rules, List<String> keyColumns) {
        if (rules.isEmpty()) {
            return;
        }
        Column[] flags = new Column[rules.size()];
        for (int i = 0; i < rules.size(); i++) {
            flags[i] = when(rules.get(i).broken(), lit(i));
        }
        Column violation = coalesce(flags);
        List<Column> shown = new ArrayList<>();
        for (String k : keyColumns) {
            shown.add(col(k).cast(DataTypes.StringType).as("__key_" + k));
        }
        for (int i = 0; i < rules.size(); i++) {
            shown.add(col(rules.get(i).column()).cast(DataTypes.StringType).as("__val_" + i));
        }
        shown.add(violation.as("__violation"));
        Dataset<Row> broken = table.select(shown.toArray(Column[]::new)).filter(col("__violation").isNotNull());
        List<Row> first = broken.limit(1).collectAsList();
        if (first.isEmpty()) {
            return;
        }
        Row row = first.get(0);
        int ruleIndex = row.getInt(row.fieldIndex("__violation"));
        Rule rule = rules.get(ruleIndex);
        long count = broken.count();
        StringBuilder key = new StringBuilder("row key ");
        for (int i = 0; i < keyColumns.size(); i++) {
            key.append(i == 0 ? "" : ", ").append(keyColumns.get(i)).append('=').append(row.getString(i));
        }
        if (keyColumns.isEmpty()) {
            key.append("(none)");
        }
        String value = Validation.SUBJECT_COLUMNS.contains(rule.column()) ? "(withheld: subject identifier)"
                : row.getString(row.fieldIndex("__val_" + ruleIndex));
        throw new InputException(file, rule.column(), key.toString(),
                rule.description() + " (value: " + (value == null ? "empty" : "'" + value + "'") + "); "
                        + count + (count == 1 ? " row breaks" : " rows break") + " this rule");
    }

    /** The columns of a table, as Columns (to project a checked table back to its own shape). */
    static Column[] columns(Dataset<Row> table) {
        return Arrays.stream(table.columns()).map(org.apache.spark.sql.functions::col).toArray(Column[]::new);
    }

    static Dataset<Row> load(SparkSession spark, String file) {
        Path path = Path.of(file);
        if (!Files.exists(path)) {
            throw new InputException(file, "-", "-", "file not found");
        }
        String lower = file.toLowerCase(Locale.ROOT);
        try {
            // the schema is read here on the driver (the CSV header, a Parquet footer), as Spark would read it: left
            // to Spark, it is a Spark job per file (a header line taken, footers read in parallel tasks), ~10 of a
            // small run's jobs
            if (lower.endsWith(".csv")) {
                DataFrameReader csv = spark.read().option("header", "true").option("inferSchema", "false")
                        .option("mode", "FAILFAST");
                StructType header = DriverSchemas.csvHeader(spark, path);
                return header == null ? csv.csv(file) : csv.schema(header).csv(file);
            }
            StructType footer = DriverSchemas.parquetSchema(spark, path);
            return footer == null ? spark.read().parquet(file) : spark.read().schema(footer).parquet(file);
        } catch (Exception e) {
            throw new InputException(file, "-", "-", "cannot read the file (corrupt, truncated or not Parquet?): " + firstLine(e));
        }
    }

    private static String firstLine(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String m = String.valueOf(root.getMessage());
        int nl = m.indexOf('\n');
        return (nl > 0 ? m.substring(0, nl) : m);
    }

    /** A text column as read: trimmed of spaces, blank read as empty (null). */
    static Column text(Column raw) {
        return when(functionsTrim(raw).equalTo(""), lit(null).cast(DataTypes.StringType)).otherwise(functionsTrim(raw));
    }

    private static Column functionsTrim(Column c) {
        return org.apache.spark.sql.functions.trim(c.cast(DataTypes.StringType));
    }

    private static String typeName(ColumnSpec c) {
        if (c.type().equals(DataTypes.LongType) || c.type().equals(DataTypes.IntegerType)) {
            return "an integer";
        }
        if (c.type().equals(DataTypes.DoubleType)) {
            return "a number";
        }
        if (c.type().equals(DataTypes.DateType)) {
            return "a date (yyyy-MM-dd)";
        }
        return c.type().simpleString();
    }
}
