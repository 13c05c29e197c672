package io.aepool.publish;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;

import java.util.ArrayList;
import java.util.List;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

/**
 * Small-cell suppression for outputs meant for sharing (CSV and the report): a registry count from 1 to
 * threshold − 1 is shown as {@code <threshold}, and values it could be recovered from (a rate, an interval, a
 * rate ratio of the same row) as {@code suppressed}. Zero is shown (it discloses no one). The Parquet tables keep
 * the exact values the computations need.
 */
public final class SmallCells {

    public static final String SUPPRESSED = "suppressed";

    private SmallCells() {
    }

    /** True when a text (e.g. a change detail "+2 exp, +3 ctl") holds a whole number from 1 to threshold − 1. */
    public static boolean revealsSmallCount(String text, int threshold) {
        if (text == null) {
            return false;
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?<![0-9.])([0-9]+)(?![0-9.])").matcher(text);
        while (m.find()) {
            String digits = m.group(1);
            if (digits.length() < 10) {
                long v = Long.parseLong(digits);
                if (v >= 1 && v < threshold) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * @param counts   count columns to suppress
     * @param derived  columns recoverable from a suppressed count of the same row
     * @param applies  rows the rule covers (e.g. registry rows); others are only cast to text
     */
    public static Dataset<Row> suppress(Dataset<Row> table, List<String> counts, List<String> derived, Column applies,
                                        int threshold) {
        Column small = lit(false);
        for (String c : counts) {
            small = small.or(col(c).between(1, threshold - 1));
        }
        Column rowSmall = applies.and(small);
        List<Column> out = new ArrayList<>();
        for (String c : table.columns()) {
            if (counts.contains(c)) {
                out.add(when(applies.and(col(c).between(1, threshold - 1)), lit("<" + threshold))
                        .otherwise(col(c).cast(DataTypes.StringType)).as(c));
            } else if (derived.contains(c)) {
                out.add(when(rowSmall, lit(SUPPRESSED)).otherwise(col(c).cast(DataTypes.StringType)).as(c));
            } else {
                out.add(col(c));
            }
        }
        return table.select(out.toArray(Column[]::new));
    }

    /**
     * Small-cell suppression of step tables (an attrition table: one count per step of each sequence), with
     * complementary suppression: no count from 1 to threshold − 1 is shown ({@code <threshold}), and no shown count
     * differs from the next shown one of its sequence by 1 to threshold − 1 (the patients a step removed), so no small
     * number can be recovered by subtraction. Steps are walked from the last, which is kept where possible (it is
     * the count other tables publish), to the first: a count whose difference from the last shown one is small is
     * withheld as {@code suppressed} (a zero difference, nobody removed, is shown). The derived columns of a withheld
     * row are {@code suppressed} too. Rows held on the driver (a step table is a few rows per group).
     *
     * @param sequence the columns naming one sequence of steps
     * @param order    the step order column (integer)
     * @param count    the count column (long)
     */
    public static Dataset<Row> suppressSteps(org.apache.spark.sql.SparkSession spark, Dataset<Row> table,
                                             List<String> sequence, String order, String count, List<String> derived,
                                             int threshold) {
        List<Row> rows = new ArrayList<>(table.collectAsList());
        int countAt = table.schema().fieldIndex(count);
        int orderAt = table.schema().fieldIndex(order);
        java.util.Map<List<Object>, List<Integer>> sequences = new java.util.LinkedHashMap<>();
        for (int i = 0; i < rows.size(); i++) {
            Row r = rows.get(i);
            List<Object> key = sequence.stream().map(c -> r.get(r.fieldIndex(c))).toList();
            sequences.computeIfAbsent(key, k -> new ArrayList<>()).add(i);
        }
        String[] shown = new String[rows.size()];
        boolean[] withheld = new boolean[rows.size()];
        for (List<Integer> steps : sequences.values()) {
            steps.sort(java.util.Comparator.comparingInt((Integer i) -> rows.get(i).getInt(orderAt)).reversed());
            Long lastShown = null;
            for (int i : steps) {
                long n = rows.get(i).getLong(countAt);
                long removed = lastShown == null ? 0 : Math.abs(n - lastShown);
                if (n >= 1 && n < threshold) {
                    shown[i] = "<" + threshold;
                    withheld[i] = true;
                } else if (removed >= 1 && removed < threshold) {
                    shown[i] = SUPPRESSED;
                    withheld[i] = true;
                } else {
                    shown[i] = String.valueOf(n);
                    lastShown = n;
                }
            }
        }
        org.apache.spark.sql.types.StructType schema = new org.apache.spark.sql.types.StructType();
        for (org.apache.spark.sql.types.StructField f : table.schema().fields()) {
            boolean text = f.name().equals(count) || derived.contains(f.name());
            schema = schema.add(f.name(), text ? DataTypes.StringType : f.dataType(), true);
        }
        List<Row> out = new ArrayList<>(rows.size());
        for (int i = 0; i < rows.size(); i++) {
            Row r = rows.get(i);
            Object[] cells = new Object[r.size()];
            for (int c = 0; c < r.size(); c++) {
                String name = table.schema().fields()[c].name();
                cells[c] = c == countAt ? shown[i] : derived.contains(name)
                        ? (withheld[i] ? SUPPRESSED : r.get(c) == null ? null : String.valueOf(r.get(c))) : r.get(c);
            }
            out.add(org.apache.spark.sql.RowFactory.create(cells));
        }
        return spark.createDataFrame(out, schema);
    }
}
