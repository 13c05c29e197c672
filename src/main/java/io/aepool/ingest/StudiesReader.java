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
            ColumnSpec.required("year", DataTypes.IntegerType),
            ColumnSpec.required("design", DataTypes.StringType),
            ColumnSpec.required("control_type", DataTypes.StringType),
            ColumnSpec.optional("weeks", DataTypes.DoubleType),
            ColumnSpec.optional("source", DataTypes.StringType));

    private StudiesReader() {
    }

    /**
     * Reads several study tables (one per source, say) as one; a study_id must be unique across all of them.
     * Attribute columns missing from one file are empty for its studies.
     */
    public static Dataset<Row> readAll(SparkSession spark, List<String> files, Validation validation) {
        Dataset<Row> all = null;
        for (String file : files) {
            Dataset<Row> one = read(spark, file, validation);
            all = all == null ? one : all.unionByName(one, true);
        }
        Dataset<Row> withDupes = all.withColumn("__n", count(lit(1)).over(Window.partitionBy("study_id")));
        ValidatedTable.check(withDupes, String.join(" + ", files), List.of(
                Rule.structural(RuleIds.STUDY_ID_UNIQUE_ACROSS_TABLES, "study_id", "study_id must be unique across the study tables", col("__n").gt(1))),
                List.of("study_id"));
        return all;
    }

    public static Dataset<Row> read(SparkSession spark, String file, Validation validation) {
        Dataset<Row> studies = ValidatedTable.read(spark, file, COLUMNS, List.of("study_id"), true, validation);
        Dataset<Row> withDupes = studies.withColumn("__n", count(lit(1)).over(Window.partitionBy("study_id")));
        return validation.check(withDupes, file, List.of(
                new Rule(RuleIds.DESIGN_KNOWN, "design", "design must be rct or registry", col("design").isin("rct", "registry").unary_$bang()),
                new Rule(RuleIds.CONTROL_TYPE_KNOWN, "control_type", "control_type must be placebo or active",
                        col("control_type").isin("placebo", "active").unary_$bang()),
                new Rule(RuleIds.YEAR_IN_RANGE, "year", "year must be between 1900 and 2100", col("year").lt(1900).or(col("year").gt(2100))),
                new Rule(RuleIds.WEEKS_POSITIVE, "weeks", "weeks must be positive", col("weeks").leq(0)),
                new Rule(RuleIds.STUDY_ID_UNIQUE, "study_id", "study_id must be unique", col("__n").gt(1))), List.of("study_id")).drop("__n");
    }
}
