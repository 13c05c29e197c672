package io.aepool.compute;

import io.aepool.plan.AnalysisResult;
import io.aepool.plan.AnalysisRunner;
import io.aepool.plan.AnalysisSpec;
import io.aepool.plan.LeaveOneOutMemo;
import io.aepool.plan.Pool;
import io.aepool.plan.ResultColumn;
import io.aepool.plan.StudyRecord;
import io.aepool.plan.FamilyTable;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
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
        boolean fromSums = Boolean.parseBoolean(spark.conf().get(LEAVE_ONE_OUT_FROM_SUMS_KEY, "true").trim());
        FlatMapFunction<Iterator<String>, Row> run = it -> {
            StudyTable t = table.value();
            LeaveOneOutMemo memo = fromSums ? new LeaveOneOutMemo() : null; // a pool's leave-one-out specs share its sums
            List<Row> rows = new ArrayList<>();
            it.forEachRemaining(text -> rows.add(RowFactory.create(
                    AnalysisRunner.run(AnalysisSpec.parse(text), t.pools(), t.studies(), memo).values())));
            return rows.iterator();
        };
        spark.sparkContext().setJobGroup(GridStage.JOB_GROUP, "pool " + specs.size() + " analysis specs", false);
        return spark.createDataFrame(distribute(spark, texts).mapPartitions(run), schema(AnalysisResult.COLUMNS));
    }

    /**
     * Family tables (subgroup tests, small-study tests, ...) over their base analyses, in one Spark job: every table's base analyses are spread over the same tasks and each
     * task returns its rows tagged with their table. The rows (aggregates) are collected to the driver, once.
     *
     * @return per table name, its rows in no particular order (see {@link #schema(List)} of its columns)
     */
    public static Map<String, List<Row>> families(SparkSession spark, List<FamilyTable> tables,
                                                     List<AnalysisSpec> grid, Map<String, Pool> pools,
                                                     List<StudyRecord> studies) {
        Broadcast<StudyTable> broadcastTable = broadcast(spark, pools, studies);
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < tables.size(); i++) {
            for (AnalysisSpec base : tables.get(i).bases(grid)) {
                texts.add(i + TAG + base.canonical());
            }
        }
        ArrayList<FamilyTable> shipped = new ArrayList<>(tables);
        FlatMapFunction<Iterator<String>, Object[]> run = it -> {
            StudyTable t = broadcastTable.value();
            List<Object[]> rows = new ArrayList<>();
            it.forEachRemaining(tagged -> {
                int cut = tagged.indexOf(TAG);
                Integer index = Integer.valueOf(tagged.substring(0, cut));
                AnalysisSpec base = AnalysisSpec.parse(tagged.substring(cut + TAG.length()));
                for (Object[] values : shipped.get(index).keyedRows(base, t.pools(), t.studies())) {
                    rows.add(new Object[] {index, values});
                }
            });
            return rows.iterator();
        };
        spark.sparkContext().setJobGroup(GridStage.JOB_GROUP, tables.size() + " family tables over "
                + texts.size() + " base analyses", false);
        Map<String, List<Row>> out = new LinkedHashMap<>();
        tables.forEach(table -> out.put(table.name(), new ArrayList<>()));
        List<List<Row>> byIndex = new ArrayList<>(out.values());
        // a modifiable list of the collected references (collect's own view is read-only), emptied as it is split
        List<Object[]> collected = new ArrayList<>(distribute(spark, texts).mapPartitions(run).collect());
        for (int i = 0; i < collected.size(); i++) {
            Object[] tagged = collected.set(i, null);
            byIndex.get((Integer) tagged[0]).add(RowFactory.create((Object[]) tagged[1]));
        }
        return out;
    }

    // ends a family table's index in front of its base spec's text (split at the first one: the index has none)
    private static final String TAG = "\t";

    private static Broadcast<StudyTable> broadcast(SparkSession spark, Map<String, Pool> pools, List<StudyRecord> studies) {
        return JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(StudyTable.of(pools, studies));
    }

    /**
     * Spark conf key: {@code true} (the default) takes the leave-one-out rows of MH, IV and DL (Wald-z) from the pool's
     * sufficient sums ({@link LeaveOneOutMemo}): O(1) per analysis for MH and IV; for DL τ² and heterogeneity O(1) and
     * the pooled estimate one pass over the stored effects. Their numbers differ from the refit's in the last digits
     * (tested to 1e-12 relative; a step whose rounding could exceed that is refitted). {@code false} refits every
     * subset, bit for bit as before the sums existed.
     */
    public static final String LEAVE_ONE_OUT_FROM_SUMS_KEY = "spark.aepool.leaveOneOutFromSums";

    /** Spark conf key overriding how many partitions the specs are spread over. */
    public static final String PARTITIONS_KEY = "spark.aepool.analysisPartitions";

    /**
     * A few partitions per core keeps tasks balanced without drowning small grids in task overhead. Slice s holds
     * texts s, s + slices, s + 2·slices, ... (neighbouring specs, one family's subsets, cost alike), sliced where they
     * are, on the driver: no shuffle, each task ships its own slice.
     */
    private static JavaRDD<String> distribute(SparkSession spark, List<String> texts) {
        String configured = spark.conf().get(PARTITIONS_KEY, "");
        int wanted = configured.isBlank() ? spark.sparkContext().defaultParallelism() * 4 : Integer.parseInt(configured.trim());
        int slices = Math.max(1, Math.min(texts.size(), wanted));
        List<ArrayList<String>> dealt = new ArrayList<>(slices);
        for (int s = 0; s < slices; s++) {
            ArrayList<String> slice = new ArrayList<>();
            for (int i = s; i < texts.size(); i += slices) {
                slice.add(texts.get(i));
            }
            dealt.add(slice);
        }
        // one list per slice: parallelize cuts its input into equal runs, one element each here
        return JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(dealt, slices)
                .flatMap(ArrayList::iterator);
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
