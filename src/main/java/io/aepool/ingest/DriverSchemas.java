package io.aepool.ingest;

import com.univocity.parsers.csv.CsvParser;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.hadoop.Footer;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.csv.CSVOptions;
import org.apache.spark.sql.execution.datasources.csv.CSVUtils$;
import org.apache.spark.sql.execution.datasources.parquet.ParquetFileFormat$;
import org.apache.spark.sql.execution.datasources.parquet.ParquetToSparkSchemaConverter;
import org.apache.spark.sql.internal.SQLConf;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import scala.collection.immutable.Map;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The schema of an input file read on the driver, as Spark would infer it: left to Spark, inferring it is a Spark job
 * per file. Where this cannot read it as Spark would, it answers null and Spark infers it. It calls Spark's own CSV
 * header and Parquet footer conversions (internal classes, pinned by the Spark version in the pom;
 * {@code DriverSchemasTest} checks the two agree).
 */
final class DriverSchemas {

    private DriverSchemas() {
    }

    /**
     * The columns Spark infers from a CSV file's header without inferring types (every column text): the first line
     * that is not blank, parsed with Spark's CSV options and made safe by Spark's rules (an empty name is
     * {@code _c<i>}, a repeated one gets its index appended). Null when the file is not a plain file whose header
     * this reads as Spark would (a byte order mark, a quoted header running over lines, no line at all): Spark
     * infers it then.
     */
    static StructType csvHeader(SparkSession spark, Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        String first = null;
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                if (!line.trim().isEmpty()) {
                    first = line;
                    break;
                }
            }
        } catch (CharacterCodingException e) {
            return null;
        }
        if (first == null || first.startsWith("\uFEFF") || first.chars().filter(c -> c == '"').count() % 2 != 0) {
            return null;
        }
        Map<String, String> options = new Map.Map3<>("header", "true", "inferSchema", "false", "mode", "FAILFAST");
        CSVOptions csv = new CSVOptions(options, true, spark.conf().get("spark.sql.session.timeZone"));
        String[] tokens = new CsvParser(csv.asParserSettings()).parseLine(first);
        if (tokens == null) {
            return null;
        }
        boolean caseSensitive = Boolean.parseBoolean(spark.conf().get("spark.sql.caseSensitive", "false"));
        String[] names = CSVUtils$.MODULE$.makeSafeHeader(tokens, caseSensitive, csv);
        StructType schema = new StructType();
        for (String name : names) {
            schema = schema.add(name, DataTypes.StringType, true);
        }
        return schema;
    }

    /**
     * The data columns Spark infers for a Parquet file or directory (partition columns, such as an extract's
     * {@code extract_date=} directories, are still inferred by Spark from the paths): the footer Spark reads when it
     * does not merge schemas, i.e. of the first summary file or else the first data file in path order, with Spark's
     * own conversion (the Spark schema a Spark writer stored, or the Parquet types converted under the session's
     * settings). Null when there is no such file, or the session merges schemas: Spark infers it then.
     */
    static StructType parquetSchema(SparkSession spark, Path root) throws IOException {
        if (Boolean.parseBoolean(spark.conf().get("spark.sql.parquet.mergeSchema", "false"))) {
            return null;
        }
        List<Path> leaves = new ArrayList<>();
        if (Files.isRegularFile(root)) {
            leaves.add(root);
        } else {
            try (Stream<Path> walk = Files.walk(root)) {
                walk.filter(p -> !p.equals(root)).filter(p -> {
                    // Spark's file index: names starting with "_" (unless they hold "=") or "." are skipped, but for
                    // the summary files; checked on every directory level below the root
                    for (Path part : root.relativize(p)) {
                        if (hidden(part.toString())) {
                            return false;
                        }
                    }
                    return Files.isRegularFile(p);
                }).forEach(leaves::add);
            }
        }
        leaves.sort(Comparator.comparing(p -> p.toUri().toString()));
        Path chosen = leaves.stream().filter(p -> p.getFileName().toString().equals("_common_metadata")).findFirst()
                .or(() -> leaves.stream().filter(p -> p.getFileName().toString().equals("_metadata")).findFirst())
                .or(() -> leaves.stream().filter(p -> !summary(p)).findFirst()).orElse(null);
        if (chosen == null) {
            return null;
        }
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        // Hadoop's Path, named in full: java.nio.file.Path is the one imported
        org.apache.hadoop.fs.Path hadoopPath = new org.apache.hadoop.fs.Path(chosen.toUri());
        ParquetMetadata meta;
        try (ParquetFileReader reader = ParquetFileReader.open(HadoopInputFile.fromPath(hadoopPath, conf))) {
            meta = reader.getFooter();
        }
        ParquetToSparkSchemaConverter converter = new ParquetToSparkSchemaConverter(SQLConf.get());
        return ParquetFileFormat$.MODULE$.readSchemaFromFooter(new Footer(hadoopPath, meta), converter);
    }

    private static boolean hidden(String name) {
        boolean exclude = (name.startsWith("_") && !name.contains("=")) || name.startsWith(".")
                || name.endsWith("._COPYING_");
        boolean include = name.startsWith("_common_metadata") || name.startsWith("_metadata");
        return exclude && !include;
    }

    private static boolean summary(Path p) {
        String name = p.getFileName().toString();
        return name.equals("_common_metadata") || name.equals("_metadata");
    }
}
