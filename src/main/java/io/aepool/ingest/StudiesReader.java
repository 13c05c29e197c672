package io.aepool.ingest;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.DataTypes;

import java.util.List;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.monotonically_increasing_id;
import static org.apache.spark.sql.functions.row_number;

/**
 * The study table: one row per study with the attributes analyses subset and group by.
 * Columns beyond the declared ones are kept as text, each usable as a subgroup variable.
 */
public final class StudiesReader {

    public static final List<ColumnSpec> COLUMNS = List.of(
            ColumnSpec.required("study_id", DataTypes.StringType),
            ColumnSpec.optional("acronym", DataTypes.StringType),
            ColumnSpec.required("condition", DataTypes.StringType),
            ColumnSpec.required("drug", DataTypes.StringType),
            ColumnSpec.optional("year", DataTypes.IntegerType),
            ColumnSpec.required("design", DataTypes.StringType),
            ColumnSpec.required("control_type", DataTypes.StringType),
            ColumnSpec.optional("weeks", DataTypes.DoubleType),
            ColumnSpec.optional("source", DataTypes.StringType));

    /**
     * Added column: the study's row in the study tables as read (1, 2, ...: files in the order given, rows in file
     * order). Cumulative analyses add studies of the same year, or without a year, in this order.
     */
    public static final String STUDY_ROW = "study_row";

    private static final String ROW_ID = "__row_id";

    private StudiesReader() {
    }

    /**
     * Reads several study tables (one per source, say) as one; a study_id must be unique across all of them.
     * Attribute columns missing from one file are empty for its studies.
     */
    public static Dataset<Row> readAll(SparkSession spark, List<String> files, Validation validation) {
        Dataset<Row> all = null;
        for (int i = 0; i < files.size(); i++) {
            String file = files.get(i);
            Dataset<Row> one = read(spark, file, validation).withColumn("__file", lit(i));
            all = all == null ? one : all.unionByName(one, true);
        }
        if (files.size() > 1) {
            // one numbering across the files: the file's place in the list, then the row's in its file
            all = all.withColumn(STUDY_ROW, row_number().over(Window.orderBy(col("__file"), col(STUDY_ROW)))
                    .cast(DataTypes.LongType));
        }
        all = all.drop("__file");
        Dataset<Row> withDupes = all.withColumn("__n", count(lit(1)).over(Window.partitionBy("study_id")));
        ValidatedTable.check(withDupes, String.join(" + ", files), List.of(
                Rule.structural(RuleIds.STUDY_ID_UNIQUE_ACROSS_TABLES, "study_id", "study_id must be unique across the study tables", col("__n").gt(1))),
                List.of("study_id"));
        return all;
    }

    public static Dataset<Row> read(SparkSession spark, String file, Validation validation) {
        // the row order of the file, taken at the scan (ids increase with the file's splits and rows), then numbered
        Dataset<Row> studies = ValidatedTable.read(spark, file, COLUMNS, List.of("study_id"), true, validation,
                        raw -> raw.withColumn(ROW_ID, monotonically_increasing_id()))
                .withColumn(ROW_ID, col(ROW_ID).cast(DataTypes.LongType));
        studies = studies.withColumn(STUDY_ROW, row_number().over(Window.orderBy(ROW_ID)).cast(DataTypes.LongType))
                .drop(ROW_ID);
        Dataset<Row> withDupes = studies.withColumn("__n", count(lit(1)).over(Window.partitionBy("study_id")));
        // materialised: the studies are read from the check's pass by the study table's every later use
        return validation.checkMaterialised(withDupes, file, List.of(
                new Rule(RuleIds.DESIGN_KNOWN, "design", "design must be rct or registry", col("design").isin("rct", "registry").unary_$bang()),
                new Rule(RuleIds.CONTROL_TYPE_KNOWN, "control_type", "control_type must be placebo or active",
                        col("control_type").isin("placebo", "active").unary_$bang()),
                new Rule(RuleIds.YEAR_IN_RANGE, "year", "year must be between 1900 and 2100", col("year").lt(1900).or(col("year").gt(2100))),
                new Rule(RuleIds.WEEKS_POSITIVE, "weeks", "weeks must be positive", col("weeks").leq(0)),
                new Rule(RuleIds.STUDY_ID_UNIQUE, "study_id", "study_id must be unique", col("__n").gt(1))), List.of("study_id")).drop("__n");
    }
}
