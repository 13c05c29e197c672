package io.aepool.publish;

import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.io.OutputFile;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.catalyst.CatalystTypeConverters;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.catalog.ExternalCatalogUtils;
import org.apache.spark.sql.execution.datasources.parquet.ParquetWriteSupport;
import org.apache.spark.sql.internal.SQLConf;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A results table's Parquet written on the driver from its rows, which the driver holds already (the CSV is written
 * from them): no Spark job per table, where a run writes sixteen tables of a few hundred rows. The files are those
 * Spark's own writer makes: Spark's write support (the Parquet schema, the Spark schema and version in the footer),
 * the session's codec and format settings, one {@code part-*.parquet} file per directory, Hive-style partition
 * directories with Spark's escaping and a {@code _SUCCESS} marker, so Spark, DuckDB and the next run read them as
 * before. Only for aggregate tables that fit in driver memory.
 */
final class DriverParquet {

    private DriverParquet() {
    }

    /** Writes {@code rows} as one Parquet file under {@code dir}, which must not exist. */
    static void write(Path dir, StructType schema, List<Row> rows) {
        createNew(dir);
        new FileWriter(schema).write(dir, rows);
        success(dir);
    }

    /**
     * Writes {@code rows} under {@code dir} (which must not exist) as Spark's {@code partitionBy(column)} does: one
     * directory {@code column=value} per value (Spark's path escaping; null or empty values in Hive's default
     * partition), each holding the rows of that value without the column.
     */
    static void writePartitioned(Path dir, StructType schema, List<Row> rows, String column) {
        int at = schema.fieldIndex(column);
        StructType data = new StructType(Arrays.stream(schema.fields()).filter(f -> !f.name().equals(column))
                .toArray(StructField[]::new));
        Map<String, List<Row>> byValue = new LinkedHashMap<>();
        for (Row row : rows) {
            Object value = row.get(at);
            byValue.computeIfAbsent(value == null ? null : value.toString(), v -> new ArrayList<>()).add(without(row, at));
        }
        createNew(dir);
        FileWriter writer = new FileWriter(data);
        byValue.forEach((value, part) -> {
            Path partDir = dir.resolve(ExternalCatalogUtils.getPartitionPathString(column, value));
            try {
                Files.createDirectories(partDir);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create " + partDir, e);
            }
            writer.write(partDir, part);
        });
        success(dir);
    }

    private static Row without(Row row, int at) {
        Object[] values = new Object[row.length() - 1];
        for (int i = 0, j = 0; i < row.length(); i++) {
            if (i != at) {
                values[j++] = row.get(i);
            }
        }
        return RowFactory.create(values);
    }

    /** One table's writer settings, taken from the session once, for each of its files. */
    private static final class FileWriter {
        private final CompressionCodecName codec;
        private final Configuration conf = new Configuration(false);
        private final scala.Function1<Object, Object> toCatalyst;

        FileWriter(StructType schema) {
            SQLConf sql = SQLConf.get();
            // Spark's codec names are Parquet's, but for "none" (Parquet's UNCOMPRESSED)
            String codecName = sql.parquetCompressionCodec();
            codec = "none".equalsIgnoreCase(codecName) ? CompressionCodecName.UNCOMPRESSED
                    : CompressionCodecName.fromConf(codecName);
            // the settings Spark's ParquetUtils.prepareWrite hands its write support, from the session's conf
            conf.set(SQLConf.PARQUET_WRITE_LEGACY_FORMAT().key(), Boolean.toString(sql.writeLegacyParquetFormat()));
            conf.set(SQLConf.PARQUET_OUTPUT_TIMESTAMP_TYPE().key(), sql.parquetOutputTimestampType().toString());
            conf.set(SQLConf.PARQUET_FIELD_ID_WRITE_ENABLED().key(), Boolean.toString(sql.parquetFieldIdWriteEnabled()));
            conf.set(SQLConf.LEGACY_PARQUET_NANOS_AS_LONG().key(), Boolean.toString(sql.legacyParquetNanosAsLong()));
            conf.set(SQLConf.PARQUET_ANNOTATE_VARIANT_LOGICAL_TYPE().key(),
                    Boolean.toString(sql.parquetAnnotateVariantLogicalType()));
            ParquetWriteSupport.setSchema(schema, conf);
            toCatalyst = CatalystTypeConverters.createToCatalystConverter(schema);
        }

        /** Writes {@code rows} as one new {@code part-*.parquet} file in {@code dir}. */
        void write(Path dir, List<Row> rows) {
            Path file = dir.resolve("part-00000-" + UUID.randomUUID() + "-c000" + codec.getExtension() + ".parquet");
            try (ParquetWriter<InternalRow> writer = new Builder(new LocalOutputFile(file)).withConf(conf)
                    .withCompressionCodec(codec).withWriteMode(ParquetFileWriter.Mode.CREATE).build()) {
                for (Row row : rows) {
                    writer.write((InternalRow) toCatalyst.apply(row));
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write " + file, e);
            }
        }
    }

    private static void createNew(Path dir) {
        try {
            Files.createDirectory(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir + " (it must not exist)", e);
        }
    }

    // Spark's committer marks a complete write with an empty _SUCCESS file; readers that wait for it find it
    private static void success(Path dir) {
        Path marker = dir.resolve(RunHistory.SUCCESS);
        try {
            Files.createFile(marker);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + marker, e);
        }
    }

    private static final class Builder extends ParquetWriter.Builder<InternalRow, Builder> {
        Builder(OutputFile file) {
            super(file);
        }

        @Override
        protected Builder self() {
            return this;
        }

        @Override
        protected WriteSupport<InternalRow> getWriteSupport(Configuration conf) {
            return new ParquetWriteSupport();
        }
    }
}
