package io.aepool.ingest;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.DataTypes;

import java.util.List;
import java.util.Set;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;

/**
 * CDISC ADaM subject (ADSL) and adverse-event (ADAE) tables, read as they are: only the columns the
 * job needs are selected, every other column is ignored. Error messages name STUDYID, never a subject.
 */
public final class AdamReader {

    public static final List<ColumnSpec> ADSL_COLUMNS = List.of(
            ColumnSpec.required("STUDYID", DataTypes.StringType),
            ColumnSpec.required("USUBJID", DataTypes.StringType),
            ColumnSpec.optional("TRT01A", DataTypes.StringType),
            ColumnSpec.optional("SAFFL", DataTypes.StringType),
            ColumnSpec.optional("TRTSDT", DataTypes.DateType),
            ColumnSpec.optional("TRTEDT", DataTypes.DateType));

    public static final List<ColumnSpec> ADAE_COLUMNS = List.of(
            ColumnSpec.required("STUDYID", DataTypes.StringType),
            ColumnSpec.required("USUBJID", DataTypes.StringType),
            ColumnSpec.optional("TRTA", DataTypes.StringType),
            ColumnSpec.optional("AEBODSYS", DataTypes.StringType),
            ColumnSpec.optional("AEDECOD", DataTypes.StringType),
            ColumnSpec.optional("AESER", DataTypes.StringType),
            ColumnSpec.optional("TRTEMFL", DataTypes.StringType),
            ColumnSpec.optional("ASTDT", DataTypes.DateType));

    // Subject identifiers never appear in messages: STUDYID is the only key named.
    private static final List<String> KEY = List.of("STUDYID");

    private AdamReader() {
    }

    /**
     * @param treatmentRoles TRT01A value to role ("experimental" or "control"); a safety-population subject
     *                       whose actual treatment is not listed is an error
     */
    public static Dataset<Row> readSubjects(SparkSession spark, String file, Dataset<Row> studies,
                                            Set<String> knownTreatments, Validation validation) {
        Dataset<Row> adsl = ValidatedTable.read(spark, file, ADSL_COLUMNS, KEY, false, validation);
        Dataset<Row> known = studies.select(col("study_id").as("__known"));
        Dataset<Row> checked = adsl.join(known, adsl.col("STUDYID").equalTo(known.col("__known")), "left")
                .withColumn("__subject_rows", count(lit(1)).over(Window.partitionBy("STUDYID", "USUBJID")));
        Column safety = col("SAFFL").equalTo("Y");
        return validation.check(checked, file, List.of(
                new Rule("SAFFL", "SAFFL must be Y or N", col("SAFFL").isNotNull().and(col("SAFFL").isin("Y", "N").unary_$bang())),
                new Rule("STUDYID", "study is not in the studies table", col("__known").isNull()),
                new Rule("TRT01A", "actual treatment of a safety-population subject must be given", safety.and(col("TRT01A").isNull())),
                new Rule("TRT01A", "treatment is not listed under treatments.experimental or treatments.control in the conf",
                        safety.and(col("TRT01A").isin(knownTreatments.toArray()).unary_$bang())),
                new Rule("TRTEDT", "treatment end date is before its start date", col("TRTEDT").lt(col("TRTSDT"))),
                new Rule("USUBJID", "subject appears more than once in the subject table", col("__subject_rows").gt(1))), KEY)
                .select(ValidatedTable.columns(adsl));
    }

    /** Adverse events; {@code subjects} is the validated subject table every event's subject must be in. */
    public static Dataset<Row> readEvents(SparkSession spark, String file, Dataset<Row> subjects, Validation validation) {
        Dataset<Row> adae = ValidatedTable.read(spark, file, ADAE_COLUMNS, KEY, false, validation);
        Dataset<Row> known = subjects.select(col("STUDYID").as("__sid"), col("USUBJID").as("__uid"));
        Dataset<Row> checked = adae.join(known, adae.col("STUDYID").equalTo(known.col("__sid"))
                .and(adae.col("USUBJID").equalTo(known.col("__uid"))), "left");
        return validation.check(checked, file, List.of(
                new Rule("AESER", "AESER must be Y or N", col("AESER").isNotNull().and(col("AESER").isin("Y", "N").unary_$bang())),
                new Rule("TRTEMFL", "TRTEMFL must be Y, N or empty",
                        col("TRTEMFL").isNotNull().and(col("TRTEMFL").isin("Y", "N").unary_$bang())),
                new Rule("USUBJID", "subject of the event is not in the subject table", col("__uid").isNull())), KEY)
                .select(ValidatedTable.columns(adae));
    }
}
