package io.aepool.publish;

import io.aepool.testing.SharedSpark;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Date;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A table written on the driver reads back, through Spark, exactly as the same table written by Spark. */
@ExtendWith(SharedSpark.class)
class DriverParquetTest {

    static final StructType SCHEMA = new StructType().add("outcome", DataTypes.StringType)
            .add("study_id", DataTypes.StringType, false).add("k", DataTypes.IntegerType).add("n", DataTypes.LongType)
            .add("estimate", DataTypes.DoubleType).add("converged", DataTypes.BooleanType)
            .add("as_of", DataTypes.DateType).add("pct", DataTypes.createDecimalType(9, 3));

    static final List<Row> ROWS = List.of(
            RowFactory.create("serious infection", "S1", 3, 1200L, -0.3856624808119848, true, Date.valueOf("2026-11-30"),
                    new java.math.BigDecimal("0.620")),
            RowFactory.create("herpes/zoster=HZ", "S2", null, 0L, Double.NaN, false, null, null),
            RowFactory.create(null, "S3", -1, Long.MAX_VALUE, Double.NEGATIVE_INFINITY, null, Date.valueOf("1582-10-15"),
                    new java.math.BigDecimal("-999999.999")),
            RowFactory.create("", "S4", 0, -5L, 1e-300, true, Date.valueOf("2000-02-29"), new java.math.BigDecimal("0.000")),
            RowFactory.create("serious infection", "S5", 7, 9L, 2.5, false, Date.valueOf("2026-12-03"),
                    new java.math.BigDecimal("1.5")));

    @Test
    void aTableReadsBackAsSparksOwnWriteOfIt(SparkSession spark, @TempDir Path dir) {
        Dataset<Row> table = spark.createDataFrame(ROWS, SCHEMA);
        table.write().mode(SaveMode.ErrorIfExists).parquet(dir.resolve("spark").toString());
        DriverParquet.write(dir.resolve("driver"), SCHEMA, ROWS);

        Dataset<Row> bySpark = spark.read().parquet(dir.resolve("spark").toString());
        Dataset<Row> byDriver = spark.read().parquet(dir.resolve("driver").toString());
        assertEquals(bySpark.schema(), byDriver.schema());
        assertEquals(table.collectAsList(), byDriver.collectAsList(), "every value, in the order given");
        assertEquals(sorted(bySpark), sorted(byDriver));
        assertTrue(Files.isRegularFile(dir.resolve("driver").resolve("_SUCCESS")));
        assertEquals(1, parquetFiles(dir.resolve("driver")).size());
    }

    @Test
    void aPartitionedTableHasSparksDirectoriesAndReadsBackAsSparksWrite(SparkSession spark, @TempDir Path dir) {
        Dataset<Row> table = spark.createDataFrame(ROWS, SCHEMA);
        table.write().mode(SaveMode.ErrorIfExists).partitionBy("outcome").parquet(dir.resolve("spark").toString());
        DriverParquet.writePartitioned(dir.resolve("driver"), SCHEMA, ROWS, "outcome");

        assertEquals(partitionDirs(dir.resolve("spark")), partitionDirs(dir.resolve("driver")),
                "escaped values; null and empty in Hive's default partition");
        Dataset<Row> bySpark = spark.read().parquet(dir.resolve("spark").toString());
        Dataset<Row> byDriver = spark.read().parquet(dir.resolve("driver").toString());
        assertEquals(bySpark.schema(), byDriver.schema());
        assertEquals(5, byDriver.count());
        assertEquals(sorted(bySpark), sorted(byDriver));
    }

    @Test
    void anEmptyTableKeepsItsSchema(SparkSession spark, @TempDir Path dir) {
        DriverParquet.write(dir.resolve("driver"), SCHEMA, List.of());
        Dataset<Row> back = spark.read().parquet(dir.resolve("driver").toString());
        assertEquals(readSparkEmpty(spark, dir).schema(), back.schema());
        assertEquals(0, back.count());
    }

    @Test
    void theSessionsCodecIsUsedNoneIncluded(SparkSession spark, @TempDir Path dir) throws IOException {
        for (String codec : List.of("none", "zstd", "gzip")) {
            spark.conf().set("spark.sql.parquet.compression.codec", codec);
            try {
                DriverParquet.write(dir.resolve(codec), SCHEMA, ROWS);
            } finally {
                spark.conf().unset("spark.sql.parquet.compression.codec");
            }
            assertEquals(spark.createDataFrame(ROWS, SCHEMA).collectAsList(),
                    spark.read().parquet(dir.resolve(codec).toString()).collectAsList(), codec);
        }
        assertTrue(parquetFiles(dir.resolve("zstd")).get(0).getFileName().toString().endsWith(".zstd.parquet"));
        assertTrue(parquetFiles(dir.resolve("none")).get(0).getFileName().toString().endsWith("-c000.parquet"));
    }

    @Test
    void anExistingDirectoryIsNeverWrittenInto(@TempDir Path dir) throws IOException {
        Files.createDirectory(dir.resolve("t"));
        UncheckedIOException e = assertThrows(UncheckedIOException.class,
                () -> DriverParquet.write(dir.resolve("t"), SCHEMA, ROWS));
        assertTrue(e.getMessage().contains(dir.resolve("t").toString()), e.getMessage());
        assertEquals(List.of(), parquetFiles(dir.resolve("t")));
    }

    private static Dataset<Row> readSparkEmpty(SparkSession spark, Path dir) {
        spark.createDataFrame(List.of(), SCHEMA).write().mode(SaveMode.ErrorIfExists)
                .parquet(dir.resolve("spark-empty").toString());
        return spark.read().parquet(dir.resolve("spark-empty").toString());
    }

    private static List<String> sorted(Dataset<Row> t) {
        return t.collectAsList().stream().map(Row::toString).sorted().toList();
    }

    private static List<String> partitionDirs(Path root) {
        try (Stream<Path> s = Files.list(root)) {
            return s.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<Path> parquetFiles(Path root) {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".parquet")).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
