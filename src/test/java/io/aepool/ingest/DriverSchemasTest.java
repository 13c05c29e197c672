package io.aepool.ingest;

import io.aepool.testing.SharedSpark;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * A schema read on the driver is the one Spark infers for the same file, or null (Spark then infers it): a mismatch
 * would change what a run reads.
 */
@ExtendWith(SharedSpark.class)
class DriverSchemasTest {

    @Test
    void aCsvHeaderIsReadAsSparkReadsIt(SparkSession spark, @TempDir Path dir) throws Exception {
        // blank first line, an empty name, a repeated name (case-insensitive), a quoted name with a comma
        Path file = dir.resolve("arms.csv");
        Files.writeString(file, "\nstudy_id,,Arm,arm,\"n, randomised\"\nS1,x,a,b,10\n", StandardCharsets.UTF_8);
        StructType inferred = spark.read().option("header", "true").option("inferSchema", "false").csv(file.toString())
                .schema();
        assertEquals(inferred, DriverSchemas.csvHeader(spark, file));
    }

    @Test
    void aCsvHeaderSparkWouldReadDifferentlyIsLeftToSpark(SparkSession spark, @TempDir Path dir) throws Exception {
        Path bom = dir.resolve("bom.csv");
        Files.writeString(bom, "\uFEFFstudy_id,n\nS1,1\n", StandardCharsets.UTF_8);
        Path multiLine = dir.resolve("quoted.csv");
        Files.writeString(multiLine, "\"study\nid\",n\nS1,1\n", StandardCharsets.UTF_8);
        assertNull(DriverSchemas.csvHeader(spark, bom));
        assertNull(DriverSchemas.csvHeader(spark, multiLine));
        assertNull(DriverSchemas.csvHeader(spark, dir.resolve("missing.csv")));
    }

    @Test
    void aParquetFooterIsReadAsSparkReadsIt(SparkSession spark, @TempDir Path dir) throws Exception {
        StructType schema = new StructType().add("study_id", DataTypes.StringType).add("n", DataTypes.IntegerType)
                .add("start", DataTypes.DateType).add("rate", DataTypes.DoubleType);
        Path table = dir.resolve("arms.parquet");
        spark.createDataFrame(List.of(RowFactory.create("S1", 10, java.sql.Date.valueOf("2024-01-31"), 0.5)), schema)
                .write().parquet(table.toString());
        assertEquals(spark.read().parquet(table.toString()).schema(), DriverSchemas.parquetSchema(spark, table));
    }
}
