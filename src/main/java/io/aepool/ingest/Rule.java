package io.aepool.ingest;

import org.apache.spark.sql.Column;

/**
 * A named validation rule over a typed table: {@code broken} is true on rows that break it.
 * Rules are values (as in Deequ's checks) so a reader lists them and one Spark pass evaluates them all.
 */
public record Rule(String column, String description, Column broken) {
}
