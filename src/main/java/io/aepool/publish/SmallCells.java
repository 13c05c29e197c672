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
}
