package io.aepool.compute;

import io.aepool.testing.SharedSpark;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(SharedSpark.class)
class DriverTablesTest {

    private static final StructType SCHEMA = new StructType().add("text", DataTypes.StringType)
            .add("number", DataTypes.DoubleType).add("flag", DataTypes.BooleanType).add("count", DataTypes.LongType)
            .add("id", DataTypes.IntegerType);

    // the values where orders commonly disagree: null, empty text, non-ASCII, a BMP character above the surrogates
    // against a supplementary one, NaN, infinities, negative zero
    private static final String[] TEXTS = {null, "", "a", "B", "b", "ä", "\uFFFD", "\uD83D\uDE00", "ab"};
    private static final Double[] NUMBERS = {null, Double.NaN, Double.NEGATIVE_INFINITY, -1.5, -0.0, 0.0, 2.0,
            Double.POSITIVE_INFINITY};
    private static final Boolean[] FLAGS = {null, false, true};
    private static final Long[] COUNTS = {null, -3L, 0L, 7L};

    private static Dataset<Row> mixedTable(SparkSession spark) {
        Random random = new Random(20261130);
        List<Row> rows = new ArrayList<>();
        for (int id = 0; id < 400; id++) {
            // a last column unique per row: every two rows compare unequal, so both orders are total
            rows.add(RowFactory.create(TEXTS[random.nextInt(TEXTS.length)], NUMBERS[random.nextInt(NUMBERS.length)],
                    FLAGS[random.nextInt(FLAGS.length)], COUNTS[random.nextInt(COUNTS.length)], 400 - id));
        }
        return spark.createDataFrame(rows, SCHEMA).repartition(4);
    }

    @Test
    void rowsSortedOnTheDriverComeInSparksAscendingNullsFirstOrder(SparkSession spark) {
        Dataset<Row> table = mixedTable(spark);
        List<Row> spark_ = table.orderBy(Arrays.stream(table.columns()).map(c -> col(c).asc_nulls_first())
                .toArray(Column[]::new)).collectAsList();
        List<Row> driver = DriverTables.sorted(spark, table, Arrays.asList(table.columns())).collectAsList();
        assertEquals(ids(spark_), ids(driver));
    }

    @Test
    void sortingOnSomeColumnsKeepsTheRowsAndOrdersOnThoseColumns(SparkSession spark) {
        Dataset<Row> table = mixedTable(spark);
        List<Row> sparkSorted = table.orderBy(col("number").asc_nulls_first(), col("id").asc_nulls_first())
                .collectAsList();
        List<Row> driver = DriverTables.sorted(spark, table, List.of("number", "id")).collectAsList();
        assertEquals(ids(sparkSorted), ids(driver));
    }

    @Test
    void datesDecimalsAndFloatsSortLikeSpark(SparkSession spark) {
        StructType schema = new StructType().add("day", DataTypes.DateType)
                .add("amount", DataTypes.createDecimalType(10, 2)).add("ratio", DataTypes.FloatType)
                .add("id", DataTypes.IntegerType);
        java.sql.Date[] days = {null, java.sql.Date.valueOf("1999-12-31"), java.sql.Date.valueOf("2026-11-30")};
        java.math.BigDecimal[] amounts = {null, new java.math.BigDecimal("-1.25"), new java.math.BigDecimal("0.00"),
                new java.math.BigDecimal("10.50")};
        Float[] ratios = {null, Float.NaN, -0.0f, 0.0f, 1.5f, Float.NEGATIVE_INFINITY};
        Random random = new Random(7);
        List<Row> rows = new ArrayList<>();
        for (int id = 0; id < 200; id++) {
            rows.add(RowFactory.create(days[random.nextInt(days.length)], amounts[random.nextInt(amounts.length)],
                    ratios[random.nextInt(ratios.length)], 200 - id));
        }
        Dataset<Row> table = spark.createDataFrame(rows, schema).repartition(3);
        List<Row> sparkSorted = table.orderBy(Arrays.stream(table.columns()).map(c -> col(c).asc_nulls_first())
                .toArray(Column[]::new)).collectAsList();
        List<Row> driver = DriverTables.sorted(spark, table, Arrays.asList(table.columns())).collectAsList();
        assertEquals(sparkSorted.stream().map(r -> r.getInt(3)).toList(), driver.stream().map(r -> r.getInt(3)).toList());
    }

    @Test
    void theSortedTableIsHeldOnTheDriver(SparkSession spark) {
        Dataset<Row> sorted = DriverTables.sorted(spark, mixedTable(spark), List.of("id"));
        assertTrue(sorted.isLocal(), "collecting a driver table runs no Spark job");
        assertEquals(400, sorted.collectAsList().size());
        assertEquals(1, sorted.collectAsList().get(0).getInt(4));
    }

    @Test
    void aLargeTableIsHandedToSparkInOrderedSlicesSmallEnoughForATask(SparkSession spark) {
        StructType schema = new StructType().add("id", DataTypes.IntegerType).add("label", DataTypes.StringType);
        long bound = 2_000; // values per slice (the job's bound is DriverTables.VALUES_PER_SLICE)
        // two-column rows: 2.5 slices' worth, more than the local relation's own slices (one per core) hold
        int n = 2_500;
        assertTrue(2L * n > bound * spark.sparkContext().defaultParallelism());
        List<Row> rows = new ArrayList<>(n);
        for (int i = 1; i <= n; i++) {
            rows.add(RowFactory.create(i, "row " + i));
        }
        Dataset<Row> sorted = DriverTables.of(spark, rows, schema, bound);
        assertEquals(3, sorted.rdd().getNumPartitions(), "three slices, none over the bound");
        List<Row> back = sorted.collectAsList();
        assertEquals(n, back.size());
        for (int i = 0; i < n; i++) {
            if (back.get(i).getInt(0) != i + 1) {
                throw new AssertionError("row " + i + " is " + back.get(i) + ": the slices lost the order");
            }
        }
        List<Row> small = new ArrayList<>(List.of(RowFactory.create(2, "b"), RowFactory.create(1, "a")));
        assertTrue(DriverTables.sorted(spark, small, schema, List.of("id")).isLocal(), "small tables stay local");
    }

    @Test
    void aColumnOfValuesWithoutAnOrderIsNamed(SparkSession spark) {
        StructType schema = new StructType().add("levels", DataTypes.createArrayType(DataTypes.StringType));
        Dataset<Row> table = spark.createDataFrame(List.of(RowFactory.create(List.of("x")),
                RowFactory.create(List.of("y"))), schema);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DriverTables.sorted(spark, table, Arrays.asList(table.columns())));
        assertTrue(e.getMessage().contains("column levels"), e.getMessage());
    }

    private static List<Integer> ids(List<Row> rows) {
        return rows.stream().map(r -> r.getInt(4)).toList();
    }
}
