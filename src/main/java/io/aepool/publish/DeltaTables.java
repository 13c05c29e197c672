package io.aepool.publish;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.delta.tables.DeltaTable;
import org.apache.spark.sql.DataFrameWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The results tables as Delta Lake tables, {@code <tables>/<name>} ({@code <root>/tables} unless the conf names another
 * location, such as an object store): each run overwrites every table in one commit
 * per table, with the run id, the conf's SHA-256 and the code version in the commit's user metadata, so each table
 * version is one whole run (a reader never sees half of one, on object stores too: the commit is the transaction log's
 * put-if-absent of one file) and any earlier run is read back by version or timestamp.
 */
public final class DeltaTables {

    /** Where the tables live under a results directory (plain runs) or a history root (nightly runs). */
    public static final String DIR = "tables";
    /** The tables partitioned like their Parquet: the analyses by outcome. */
    static final Map<String, String> PARTITION_COLUMN = Map.of("analyses", "outcome");

    private static final Logger LOG = LoggerFactory.getLogger(DeltaTables.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String LISTING_PARALLELISM = "spark.sql.sources.parallelPartitionDiscovery.parallelism";
    private static final String VACUUM_LOGGING = "spark.databricks.delta.vacuum.logging.enabled";
    private static final String CHECK_RETENTION = "spark.databricks.delta.retentionDurationCheck.enabled";
    static final String LOG_RETENTION = "delta.logRetentionDuration";
    static final String FILE_RETENTION = "delta.deletedFileRetentionDuration";

    /** What each commit says about its run (Delta's {@code userMetadata}, as JSON). */
    public record Commit(String runId, String confSha256, String codeVersion) {

        String userMetadata(Map<String, String> schemaChange) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("run_id", runId);
            m.put("conf_sha256", confSha256);
            m.put("code_version", codeVersion);
            if (!schemaChange.isEmpty()) {
                m.put("schema_change", schemaChange);
            }
            try {
                return JSON.writeValueAsString(m);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /**
     * What a session needs to write and read Delta tables (Delta's SQL extension and catalog), set where the session is
     * built; a session that names other extensions or another catalog keeps them, and Delta then says what it lacks.
     * Results tables are small and their logs short: a table's state is rebuilt in two partitions, not Delta's default
     * fifty (each a task, for every commit, read and vacuum). An empty table written over an empty one is still a
     * commit (Delta skips recording such a commit by default): every run is a version of every table.
     */
    public static final Map<String, String> SESSION_CONFS = Map.of(
            "spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension",
            "spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog",
            "spark.databricks.delta.snapshotPartitions", "2",
            "spark.databricks.delta.skipRecordingEmptyCommits", "false");

    private DeltaTables() {
    }

    /** The default directory of the tables of a results directory or history root: {@code <root>/tables}. */
    public static String under(Path root) {
        return root.toAbsolutePath().normalize().resolve(DIR).toString();
    }

    /**
     * The Delta table of {@code name} in {@code tables}: a directory holding one table per name, a local path or any
     * URI Hadoop reads and writes ({@code s3a://bucket/aepool/tables}, {@code abfss://...}, {@code gs://...}).
     */
    public static String path(String tables, String name) {
        return tables.endsWith("/") ? tables + name : tables + "/" + name;
    }

    /**
     * Commits one version of the table {@code name} in {@code tables}: the rows of {@code table}, replacing the last
     * version's. A new column, or a removed or retyped one, is an explicit schema evolution (Delta's
     * {@code mergeSchema} or {@code overwriteSchema}, said in the log and in the commit's metadata), never a failure.
     * A table made here keeps its log and removed files {@code keepDays} days (Delta's {@code logRetentionDuration}
     * and {@code deletedFileRetentionDuration}).
     *
     * @return the schema change made, column by column ({@code added}, {@code removed}, {@code retyped}); empty if none
     */
    public static Map<String, String> commit(SparkSession spark, String tables, String name, Dataset<Row> table,
                                             Commit commit, int keepDays) {
        String location = path(tables, name);
        Map<String, String> change = new LinkedHashMap<>();
        DataFrameWriter<Row> writer = table.write().format("delta").mode(SaveMode.Overwrite);
        Optional<StructType> before = DeltaTable.isDeltaTable(spark, location)
                ? Optional.of(DeltaTable.forPath(spark, location).toDF().schema()) : Optional.empty();
        if (before.isPresent()) {
            change.putAll(schemaChange(before.get(), table.schema()));
            if (change.containsValue("removed") || change.containsValue("retyped")) {
                writer = writer.option("overwriteSchema", "true");
            } else if (!change.isEmpty()) {
                writer = writer.option("mergeSchema", "true");
            }
            if (!change.isEmpty()) {
                LOG.info("Delta table {}: the schema evolves with this run ({})", name, change);
            }
        }
        writer = writer.option("userMetadata", commit.userMetadata(change));
        String partition = PARTITION_COLUMN.get(name);
        if (partition != null) {
            writer = writer.partitionBy(partition);
        }
        // options named delta.* become the table's properties when the write creates it
        String retention = "interval " + keepDays + " days";
        writer.option(LOG_RETENTION, retention).option(FILE_RETENTION, retention).save(location);
        return change;
    }

    /**
     * Deletes the data files of {@code name} that no version within {@code keepDays} days still reads (Delta's
     * {@code VACUUM}, which takes the table's {@code delta.deletedFileRetentionDuration}: {@code keepDays} when the
     * table was made; {@code RETAIN 0 HOURS} for 0); versions older than that can no longer be read. Delta refuses a
     * retention under 7 days unless its safety check is off: it is turned off for this call only, as a nightly job is
     * the table's single writer and its readers read whole versions. The vacuum is not logged as versions of the table
     * (Delta's vacuum logging off for the call), so each run stays one version.
     */
    public static void vacuum(SparkSession spark, String tables, String name, int keepDays) {
        vacuum(spark, tables, name, keepDays, false);
    }

    /**
     * @param evenIfYoung vacuum a table made less than {@code keepDays} ago too (otherwise skipped: no file of it can be
     *                    past the retention yet, and a vacuum is a dozen Spark jobs)
     */
    static void vacuum(SparkSession spark, String tables, String name, int keepDays, boolean evenIfYoung) {
        String location = path(tables, name);
        if (!DeltaTable.isDeltaTable(spark, location)) {
            return;
        }
        if (!evenIfYoung) {
            Row detail = DeltaTable.forPath(spark, location).detail().first();
            java.sql.Timestamp created = detail.getTimestamp(detail.fieldIndex("createdAt"));
            if (created != null && created.toInstant().isAfter(java.time.Instant.now()
                    .minus(java.time.Duration.ofDays(keepDays)))) {
                return;
            }
        }
        double hours = keepDays * 24.0;
        Map<String, String> confs = new LinkedHashMap<>();
        // the vacuum is not a version of its own (one version per run); the retention check is Delta's 7-day floor;
        // a results table's directory is listed in two tasks (Delta lists in as many as Spark's partition discovery
        // allows, 10,000 by default: that many tasks for a few files)
        confs.put(VACUUM_LOGGING, "false");
        if (hours < 168) {
            confs.put(CHECK_RETENTION, "false");
        }
        confs.put(LISTING_PARALLELISM, "2");
        List<String> set = new ArrayList<>();
        confs.forEach((conf, value) -> {
            if (!spark.conf().contains(conf)) {
                spark.conf().set(conf, value);
                set.add(conf);
            }
        });
        try {
            DeltaTable table = DeltaTable.forPath(spark, location);
            if (keepDays == 0) {
                table.vacuum(0);
            } else {
                table.vacuum(); // Delta takes the table's deletedFileRetentionDuration: keepDays, set when it was made
            }
        } finally {
            set.forEach(conf -> spark.conf().unset(conf));
        }
    }

    /**
     * The version of table {@code name} that run {@code runId} committed (the latest such, if it committed twice), from
     * the table's history.
     */
    public static Optional<Long> versionOf(SparkSession spark, String tables, String name, String runId) {
        String location = path(tables, name);
        if (!DeltaTable.isDeltaTable(spark, location)) {
            return Optional.empty();
        }
        long found = -1;
        for (Row r : DeltaTable.forPath(spark, location).history().select("version", "userMetadata").collectAsList()) {
            if (!r.isNullAt(1) && runId.equals(runIdOf(r.getString(1))) && r.getLong(0) > found) {
                found = r.getLong(0);
            }
        }
        return found < 0 ? Optional.empty() : Optional.of(found);
    }

    /** Table {@code name} as of {@code version} (time travel). */
    public static Dataset<Row> read(SparkSession spark, String tables, String name, long version) {
        return spark.read().format("delta").option("versionAsOf", version).load(path(tables, name).toString());
    }

    static String runIdOf(String userMetadata) {
        try {
            JsonNode n = JSON.readTree(userMetadata);
            return n != null && n.hasNonNull("run_id") ? n.get("run_id").asText() : null;
        } catch (JsonProcessingException e) {
            return null; // another writer's free text
        }
    }

    /** Column by column: {@code added}, {@code removed} or {@code retyped} (type or nullability of values). */
    static Map<String, String> schemaChange(StructType before, StructType after) {
        Map<String, String> change = new LinkedHashMap<>();
        List<String> names = new ArrayList<>(List.of(after.fieldNames()));
        for (StructField old : before.fields()) {
            if (!names.contains(old.name())) {
                change.put(old.name(), "removed");
            } else if (!after.apply(old.name()).dataType().equals(old.dataType())) {
                change.put(old.name(), "retyped");
            }
        }
        for (StructField f : after.fields()) {
            if (!List.of(before.fieldNames()).contains(f.name())) {
                change.put(f.name(), "added");
            }
        }
        return change;
    }
}
