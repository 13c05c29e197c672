package io.aepool.bench;

import io.aepool.ingest.AdamReader;
import io.aepool.ingest.Rule;
import io.aepool.ingest.RuleIds;
import io.aepool.ingest.ValidatedTable;
import io.aepool.ingest.Validation;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import java.util.Arrays;
import java.util.List;

import static org.apache.spark.sql.functions.col;

/**
 * The change proposed for {@code io.aepool.ingest.AdamReader#readEvents} (same signature, same rules, same rejects and
 * accounting), measured by {@link AggregationBench} inside {@code spark-job-new}: the rule "subject of the event is not
 * in the subject table" is first checked on ADAE's distinct subjects (partially aggregated before the shuffle: one row
 * per subject instead of one per event) with an anti join; only when some subject is unknown does the row-level check
 * (the join of every event with the subject table, as now) run, to quarantine or report those rows.
 */
public final class ProposedAdamReader {

    private static final List<String> KEY = List.of("STUDYID");

    private ProposedAdamReader() {
    }

    public static Dataset<Row> readEvents(SparkSession spark, String file, Dataset<Row> subjects, Validation validation) {
        Dataset<Row> adae = ValidatedTable.read(spark, file, AdamReader.ADAE_COLUMNS, KEY, false, validation);
        Dataset<Row> valued = validation.check(adae, file, List.of(
                new Rule(RuleIds.AESER_Y_OR_N, "AESER", "AESER must be Y or N", col("AESER").isNotNull().and(col("AESER").isin("Y", "N").unary_$bang())),
                new Rule(RuleIds.TRTEMFL_Y_OR_N, "TRTEMFL", "TRTEMFL must be Y, N or empty",
                        col("TRTEMFL").isNotNull().and(col("TRTEMFL").isin("Y", "N").unary_$bang()))), KEY);
        Dataset<Row> known = subjects.select(col("STUDYID").as("__sid"), col("USUBJID").as("__uid"));
        Dataset<Row> eventSubjects = valued.select(col("STUDYID"), col("USUBJID")).distinct();
        boolean allKnown = eventSubjects.join(known, eventSubjects.col("STUDYID").equalTo(known.col("__sid"))
                .and(eventSubjects.col("USUBJID").equalTo(known.col("__uid"))), "left_anti").isEmpty();
        if (allKnown) {
            return valued;
        }
        Dataset<Row> checked = valued.join(known, valued.col("STUDYID").equalTo(known.col("__sid"))
                .and(valued.col("USUBJID").equalTo(known.col("__uid"))), "left");
        return validation.check(checked, file, List.of(
                new Rule(RuleIds.EVENT_SUBJECT_KNOWN, "USUBJID", "subject of the event is not in the subject table", col("__uid").isNull())), KEY)
                .select(Arrays.stream(adae.columns()).map(c -> col(c)).toArray(Column[]::new));
    }
}
