package io.aepool.testing;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructField;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * DataFrame equality in the spirit of spark-testing-base's assertDataFrameApproximateEquals:
 * same column names and types, same rows ignoring order, numbers equal within a relative tolerance.
 * Failure messages name the first differing row and column.
 */
public final class DataFrameAssert {

    private DataFrameAssert() {
    }

    public static void assertSameRows(Dataset<Row> expected, Dataset<Row> actual, double relTol) {
        List<String> expSchema = Arrays.stream(expected.schema().fields()).map(DataFrameAssert::describe).toList();
        List<String> actSchema = Arrays.stream(actual.schema().fields()).map(DataFrameAssert::describe).toList();
        if (!expSchema.equals(actSchema)) {
            fail("schemas differ\n expected: " + expSchema + "\n   actual: " + actSchema);
        }
        List<Row> exp = sorted(expected.collectAsList());
        List<Row> act = sorted(actual.collectAsList());
        if (exp.size() != act.size()) {
            fail("row counts differ: expected " + exp.size() + ", actual " + act.size()
                    + "\n expected: " + exp + "\n   actual: " + act);
        }
        String[] names = expected.columns();
        for (int r = 0; r < exp.size(); r++) {
            for (int c = 0; c < names.length; c++) {
                Object e = exp.get(r).get(c);
                Object a = act.get(r).get(c);
                if (!valuesMatch(e, a, relTol)) {
                    fail("row " + r + " column '" + names[c] + "': expected " + e + ", actual " + a
                            + "\n expected row: " + exp.get(r) + "\n   actual row: " + act.get(r));
                }
            }
        }
    }

    static boolean valuesMatch(Object e, Object a, double relTol) {
        if (e == null || a == null) {
            return e == a;
        }
        if (e instanceof Number en && a instanceof Number an && (e instanceof Double || e instanceof Float)) {
            double x = en.doubleValue();
            double y = an.doubleValue();
            if (Double.isNaN(x) || Double.isNaN(y)) {
                return Double.isNaN(x) && Double.isNaN(y);
            }
            return Math.abs(x - y) <= relTol * Math.max(Math.abs(x), Math.abs(y)) || Math.abs(x - y) <= 1e-12;
        }
        return e.equals(a);
    }

    private static String describe(StructField f) {
        return f.name() + ":" + f.dataType().simpleString();
    }

    private static List<Row> sorted(List<Row> rows) {
        List<Row> copy = new ArrayList<>(rows);
        copy.sort(Comparator.comparing(DataFrameAssert::sortKey));
        return copy;
    }

    // Rows sort by their text with doubles rounded, so nearly-equal numbers land in the same position.
    private static String sortKey(Row row) {
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < row.length(); i++) {
            Object v = row.get(i);
            parts.add(v instanceof Double d ? String.format("%.6g", d) : String.valueOf(v));
        }
        return parts.stream().collect(Collectors.joining("\u0001"));
    }
}
