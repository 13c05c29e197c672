package io.aepool.ingest;

import org.apache.spark.sql.Column;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A named validation rule over a table: {@code broken} is true on rows that break it.
 * Rules are values (as in Deequ's checks) so a reader lists them and one Spark pass evaluates them all.
 * {@code rowLevel} rules concern single rows (by default their rows are quarantined); the others are
 * structural (by default the run stops). The conf may set either behaviour per rule {@link #id()}.
 *
 * @param id          stable id for the conf and the rejects ledger, declared by the reader and saying what the rule
 *                    checks (e.g. {@code events.not_above_n}); {@link RuleIds} lists every id
 * @param column      the column a message names and whose value the ledger shows
 * @param description the message (free text: changing it never changes the id)
 */
public record Rule(String id, String column, String description, Column broken, boolean rowLevel) {

    private static final Pattern ID = Pattern.compile("[a-z0-9_]+\\.[a-z0-9_]+");

    public Rule {
        if (!ID.matcher(id).matches()) {
            throw new IllegalArgumentException("rule id must be <subject>.<check> in lower case, was '" + id + "'");
        }
    }

    /** A row-level rule. */
    public Rule(String id, String column, String description, Column broken) {
        this(id, column, description, broken, true);
    }

    /** A structural rule: the run stops unless the conf says otherwise. */
    public static Rule structural(String id, String column, String description, Column broken) {
        return new Rule(id, column, description, broken, false);
    }

    /** The type rule of a declared column: its value does not cast ({@code <column>.wrong_type}). */
    static String wrongTypeId(String column) {
        return column.toLowerCase(Locale.ROOT) + ".wrong_type";
    }

    /** The rule of a required column left empty ({@code <column>.must_not_be_empty}). */
    static String requiredId(String column) {
        return column.toLowerCase(Locale.ROOT) + ".must_not_be_empty";
    }
}
