package io.aepool.ingest;

import org.apache.spark.sql.Column;

import java.util.Locale;

/**
 * A named validation rule over a table: {@code broken} is true on rows that break it.
 * Rules are values (as in Deequ's checks) so a reader lists them and one Spark pass evaluates them all.
 * {@code rowLevel} rules concern single rows (by default their rows are quarantined); the others are
 * structural (by default the run stops). The conf may set either behaviour per rule {@link #id()}.
 */
public record Rule(String column, String description, Column broken, boolean rowLevel) {

    /** A row-level rule. */
    public Rule(String column, String description, Column broken) {
        this(column, description, broken, true);
    }

    /** A structural rule: the run stops unless the conf says otherwise. */
    public static Rule structural(String column, String description, Column broken) {
        return new Rule(column, description, broken, false);
    }

    /** Stable id for conf and the rejects ledger, e.g. {@code events.events_must_not_exceed_n}. */
    public String id() {
        String head = description;
        for (char stop : new char[]{':', '('}) {
            int i = head.indexOf(stop);
            if (i > 0) {
                head = head.substring(0, i);
            }
        }
        return column.toLowerCase(Locale.ROOT).replaceAll("^_+", "") + "."
                + head.trim().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "_").replaceAll("^_|_$", "");
    }
}
