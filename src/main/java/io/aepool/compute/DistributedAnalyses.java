package io.aepool.compute;

import io.aepool.plan.AnalysisResult;
import io.aepool.plan.AnalysisRunner;
import io.aepool.plan.AnalysisSpec;
import io.aepool.plan.Pool;
import io.aepool.plan.ResultColumn;
import io.aepool.plan.StudyRecord;
import io.aepool.plan.FamilyTable;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Runs analysis specs as Spark tasks: the study table is broadcast once, the specs are spread over
 * partitions, and each task calls the pure engine for its specs. Results come back as a DataFrame.
 */
public final class DistributedAnalyses {

    private DistributedAnalyses() {
    }

    public static StructType schema(List<ResultColumn> columns) {
        StructType schema = new StructType();
        for (ResultColumn c : columns) {
            schema = schema.add(c.name(), sparkType(c.type()), true);
        }
        return schema;
    }

    public static Dataset<Row> analyses(SparkSession spark, List<AnalysisSpec> specs, Map<String, Pool> pools,
                                        List<StudyRecord> studies) {
        Broadcast<StudyTable> table = broadcast(spark, pools, studies);
        List<String> texts = specs.stream().map(AnalysisSpec::canonical).toList();
        MapPartitionsFunction<String, Row> run = it -> map(it, text -> {
            StudyTable t = table.value();
            return RowFactory.create(AnalysisRunner.run(AnalysisSpec.parse(text), t.pools(), t.studies()).values());
        });
        spark.sparkContext().setJobGroup("aepool-analyses", "pool " + specs.size() + " analysis specs", false);
        return distribute(spark, texts).mapPartitions(run, Encoders.row(schema(AnalysisResult.COLUMNS)));
    }

    /** A family table (subgroup tests, small-study tests, ...) over its base analyses, as Spark tasks. */
    public static Dataset<Row> family(SparkSession spark, FamilyTable table, List<AnalysisSpec> grid,
                                      Map<String, Pool> pools, List<StudyRecord> studies) {
        Broadcast<StudyTable> broadcastTable = broadcast(spark, pools, studies);
        List<String> texts = table.bases(grid).stream().map(AnalysisSpec::canonical).toList();
        FlatMapFunction<Iterator<String>, Row> run = it -> {
            StudyTable t = broadcastTable.value();
            List<Row> rows = new ArrayList<>();
            it.forEachRemaining(text -> table.keyedRows(AnalysisSpec.parse(text), t.pools(), t.studies())
                    .forEach(values -> rows.add(RowFactory.create(values))));
            return rows.iterator();
        };
        spark.sparkContext().setJobGroup("aepool-" + table.name(), table.name() + " for " + texts.size() + " analyses", false);
        return distribute(spark, texts).mapPartitions((MapPartitionsFunction<String, Row>) run::call,
                Encoders.row(schema(table.columns())));
    }

    private static Broadcast<StudyTable> broadcast(SparkSession spark, Map<String, Pool> pools, List<StudyRecord> studies) {
        return JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(StudyTable.of(pools, studies));
    }

    /** Spark conf key overriding how many partitions the specs are spread over. */
    public static final String PARTITIONS_KEY = "spark.aepool.analysisPartitions";

    // A few partitions per core keeps tasks balanced without drowning small grids in task overhead.
    private static Dataset<String> distribute(SparkSession spark, List<String> texts) {
        String configured = spark.conf().get(PARTITIONS_KEY, "");
        int wanted = configured.isBlank() ? spark.sparkContext().defaultParallelism() * 4 : Integer.parseInt(configured.trim());
        int slices = Math.max(1, Math.min(texts.size(), wanted));
        return spark.createDataset(texts, Encoders.STRING()).repartition(slices);
    }

    private interface RowMaker extends java.io.Serializable {
        Row make(String text);
    }

    private static Iterator<Row> map(Iterator<String> texts, RowMaker maker) {
        List<Row> rows = new ArrayList<>();
        texts.forEachRemaining(t -> rows.add(maker.make(t)));
        return rows.iterator();
    }

    private static DataType sparkType(ResultColumn.Type type) {
        return switch (type) {
            case TEXT -> DataTypes.StringType;
            case INT -> DataTypes.IntegerType;
            case LONG -> DataTypes.LongType;
            case DOUBLE -> DataTypes.DoubleType;
            case BOOLEAN -> DataTypes.BooleanType;
        };
    }
}
