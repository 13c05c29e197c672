package io.aepool.compute;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Results tables (aggregates: a row per analysis, study or test, never per subject) collected once and held on the
 * driver, sorted there (large ones are handed back to Spark in ordered slices when written). Their Parquet and CSV writes, small-cell views and summaries then read the rows without
 * re-running the plan that computed them, and a sort costs no shuffle and no single-task Spark sort.
 */
public final class DriverTables {

    private DriverTables() {
    }

    /** The table's rows on the driver, ascending on {@code columns} (nulls first), as a local Dataset. */
    public static Dataset<Row> sorted(SparkSession spark, Dataset<Row> table, List<String> columns) {
        return sorted(spark, new ArrayList<>(table.collectAsList()), table.schema(), columns);
    }

    /** Rows already on the driver, sorted in place (ascending on {@code columns}, nulls first), as a local Dataset. */
    public static Dataset<Row> sorted(SparkSession spark, List<Row> rows, StructType schema, List<String> columns) {
        rows.sort(ascendingNullsFirst(schema, columns));
        return of(spark, rows, schema, VALUES_PER_SLICE);
    }

    /**
     * Values per task when a table held on the driver is written: each task carries its share of the rows, and a
     * cluster refuses a task larger than {@code spark.rpc.message.maxSize} (128 MiB by default). Two million values
     * are a few tens of MiB.
     */
    static final long VALUES_PER_SLICE = 2_000_000L;

    /**
     * The rows as a Dataset in their order. A local relation is written in {@code defaultParallelism} slices; it is
     * kept (later reads stay on the driver) unless its slices would exceed {@code valuesPerSlice}, and then the rows
     * go to Spark in as many ordered slices as the bound needs.
     */
    static Dataset<Row> of(SparkSession spark, List<Row> rows, StructType schema, long valuesPerSlice) {
        long values = (long) rows.size() * Math.max(1, schema.size());
        int localSlices = Math.max(1, spark.sparkContext().defaultParallelism());
        if (values <= valuesPerSlice * localSlices) {
            return spark.createDataFrame(rows, schema);
        }
        int slices = (int) ((values + valuesPerSlice - 1) / valuesPerSlice);
        return spark.createDataFrame(JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(rows, slices),
                schema);
    }

    /**
     * Rows already on the driver, sorted in place on every column, left to right: a total order, so files are
     * byte-identical run after run.
     */
    public static Dataset<Row> sortedOnAllColumns(SparkSession spark, List<Row> rows, StructType schema) {
        return sorted(spark, rows, schema, Arrays.asList(schema.fieldNames()));
    }

    /**
     * Spark's ascending order with nulls first, for the column types of results tables: text by code point (Spark's
     * default UTF-8 binary collation), numbers by value with NaN last and -0.0 equal to 0.0, false before true, dates
     * and decimals by value. Other types (binary, arrays, structs) are refused.
     */
    public static Comparator<Row> ascendingNullsFirst(StructType schema, List<String> columns) {
        Comparator<Row> order = (a, b) -> 0;
        for (String column : columns) {
            int i = schema.fieldIndex(column);
            order = order.thenComparing((a, b) -> compareValues(a.get(i), b.get(i), column));
        }
        return order;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static int compareValues(Object a, Object b, String column) {
        if (a == null || b == null) {
            return a == null ? (b == null ? 0 : -1) : 1;
        }
        if (a instanceof String x && b instanceof String y) {
            return compareCodePoints(x, y);
        }
        if (a instanceof Double x && b instanceof Double y) {
            return x.doubleValue() == y.doubleValue() ? 0 : Double.compare(x, y);
        }
        if (a instanceof Float x && b instanceof Float y) {
            return x.floatValue() == y.floatValue() ? 0 : Float.compare(x, y);
        }
        if (a instanceof Comparable x && a.getClass() == b.getClass()) {
            return x.compareTo(b);
        }
        throw new IllegalArgumentException("column " + column + ": cannot order values of type "
                + a.getClass().getSimpleName() + " and " + b.getClass().getSimpleName());
    }

    // String.compareTo orders UTF-16 units, which differs from code point (and Spark's UTF-8 byte) order only
    // between supplementary characters and U+E000..U+FFFF
    private static int compareCodePoints(String x, String y) {
        int n = Math.min(x.length(), y.length());
        for (int i = 0; i < n; i++) {
            char cx = x.charAt(i);
            char cy = y.charAt(i);
            if (cx != cy) {
                // the first differing units: a surrogate (half of a supplementary character) sorts after every BMP unit
                boolean sx = Character.isSurrogate(cx);
                boolean sy = Character.isSurrogate(cy);
                return sx == sy ? Character.compare(cx, cy) : (sx ? 1 : -1);
            }
        }
        return Integer.compare(x.length(), y.length());
    }
}
