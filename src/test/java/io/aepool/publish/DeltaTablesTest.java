package io.aepool.publish;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.aepool.testing.SharedSpark;
import io.delta.tables.DeltaTable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(SharedSpark.class)
class DeltaTablesTest {

    private static final StructType TWO = new StructType()
            .add("analysis_id", DataTypes.StringType).add("estimate", DataTypes.DoubleType);
    private static final StructType THREE = TWO.add("i2", DataTypes.DoubleType);

    @TempDir
    Path root;

    private String at() {
        return DeltaTables.under(root);
    }

    private static Dataset<Row> table(SparkSession spark, StructType schema, Row... rows) {
        return spark.createDataFrame(List.of(rows), schema);
    }

    private static List<String> rows(Dataset<Row> table) {
        return table.orderBy("analysis_id").collectAsList().stream().map(Row::toString).toList();
    }

    private static DeltaTables.Commit run(String id) {
        return new DeltaTables.Commit(id, "c0ffee", "v1");
    }

    @Test
    void eachRunIsOneVersionHoldingThatRunsRowsAndItsIdConfAndCode(SparkSession spark) throws Exception {
        DeltaTables.commit(spark, at(), "influence", table(spark, TWO, RowFactory.create("a", 0.5),
                RowFactory.create("b", 1.5)), run("run-1"), 30);
        DeltaTables.commit(spark, at(), "influence", table(spark, TWO, RowFactory.create("a", 0.7)), run("run-2"), 30);

        assertEquals(Optional.of(0L), DeltaTables.versionOf(spark, at(), "influence", "run-1"));
        assertEquals(Optional.of(1L), DeltaTables.versionOf(spark, at(), "influence", "run-2"));
        assertEquals(Optional.empty(), DeltaTables.versionOf(spark, at(), "influence", "run-3"));
        assertEquals(List.of("[a,0.5]", "[b,1.5]"), rows(DeltaTables.read(spark, at(), "influence", 0)));
        assertEquals(List.of("[a,0.7]"), rows(DeltaTables.read(spark, at(), "influence", 1)));
        // a plain reader of the table sees the last run, whole
        assertEquals(List.of("[a,0.7]"), rows(spark.read().format("delta")
                .load(root.resolve("tables").resolve("influence").toString())));

        String path = DeltaTables.path(at(), "influence");
        Row last = DeltaTable.forPath(spark, path).history(1).select("userMetadata", "operation").first();
        JsonNode meta = new ObjectMapper().readTree(last.getString(0));
        assertEquals("run-2", meta.get("run_id").asText());
        assertEquals("c0ffee", meta.get("conf_sha256").asText());
        assertEquals("v1", meta.get("code_version").asText());
        assertTrue(last.getString(1).startsWith("WRITE"), "an overwrite: " + last);
        Row detail = DeltaTable.forPath(spark, path).detail().first();
        Map<String, String> properties = detail.getJavaMap(detail.fieldIndex("properties"));
        assertEquals("interval 30 days", properties.get("delta.logRetentionDuration"), properties.toString());
        assertEquals("interval 30 days", properties.get("delta.deletedFileRetentionDuration"), properties.toString());
    }

    @Test
    void aNewOrRemovedColumnIsAnExplicitSchemaEvolutionNotAFailure(SparkSession spark) throws Exception {
        DeltaTables.commit(spark, at(), "subgroup_tests", table(spark, TWO, RowFactory.create("a", 0.5)), run("r1"), 7);
        Map<String, String> added = DeltaTables.commit(spark, at(), "subgroup_tests",
                table(spark, THREE, RowFactory.create("a", 0.6, 12.5)), run("r2"), 7);
        assertEquals(Map.of("i2", "added"), added);
        assertEquals(List.of("[a,0.6,12.5]"), rows(DeltaTables.read(spark, at(), "subgroup_tests", 1)));
        assertEquals(List.of("[a,0.5]"), rows(DeltaTables.read(spark, at(), "subgroup_tests", 0)),
                "the earlier version keeps its own schema");
        Row last = DeltaTable.forPath(spark, DeltaTables.path(at(), "subgroup_tests")).history(1)
                .select("userMetadata").first();
        assertEquals("added", new ObjectMapper().readTree(last.getString(0)).get("schema_change").get("i2").asText());

        Map<String, String> removed = DeltaTables.commit(spark, at(), "subgroup_tests",
                table(spark, TWO, RowFactory.create("b", 0.9)), run("r3"), 7);
        assertEquals(Map.of("i2", "removed"), removed);
        assertEquals(List.of("[b,0.9]"), rows(DeltaTables.read(spark, at(), "subgroup_tests", 2)));
    }

    @Test
    void vacuumKeepsWhatTheRetentionStillReadsAndDropsOlderVersionsFiles(SparkSession spark) {
        DeltaTables.commit(spark, at(), "funnel", table(spark, TWO, RowFactory.create("a", 0.5)), run("r1"), 7);
        DeltaTables.commit(spark, at(), "funnel", table(spark, TWO, RowFactory.create("b", 0.6)), run("r2"), 7);
        DeltaTables.vacuum(spark, at(), "funnel", 3, true);
        assertEquals(List.of("[a,0.5]"), rows(DeltaTables.read(spark, at(), "funnel", 0)),
                "within three days' retention the first version is still read");
        DeltaTables.vacuum(spark, at(), "funnel", 0, true);
        assertEquals(List.of("[b,0.6]"), rows(DeltaTables.read(spark, at(), "funnel", 1)));
        assertThrows(Exception.class, () -> DeltaTables.read(spark, at(), "funnel", 0).collectAsList(),
                "with no retention the replaced version's files are gone");
        assertTrue(!spark.conf().contains("spark.databricks.delta.retentionDurationCheck.enabled"),
                "Delta's retention check is off for the call only");
    }

    @Test
    void theTablesMayLiveAtAnyHadoopUriApartFromTheRunsDirectory(SparkSession spark) {
        String elsewhere = root.resolve("lake").toUri().toString(); // file:///...: as s3a://bucket/... would be
        assertTrue(elsewhere.startsWith("file:"), elsewhere);
        DeltaTables.commit(spark, elsewhere, "study_counts", table(spark, TWO, RowFactory.create("a", 1.0)), run("r1"), 30);
        assertEquals(Optional.of(0L), DeltaTables.versionOf(spark, elsewhere, "study_counts", "r1"));
        assertEquals(List.of("[a,1.0]"), rows(spark.read().format("delta")
                .load(root.resolve("lake").resolve("study_counts").toString())));
    }

    @Test
    void schemaChangesAreNamedColumnByColumn() {
        assertEquals(Map.of(), DeltaTables.schemaChange(TWO, TWO));
        assertEquals(Map.of("i2", "added"), DeltaTables.schemaChange(TWO, THREE));
        assertEquals(Map.of("estimate", "retyped"), DeltaTables.schemaChange(TWO,
                new StructType().add("analysis_id", DataTypes.StringType).add("estimate", DataTypes.StringType)));
        assertEquals(null, DeltaTables.runIdOf("free text from another writer"));
        assertEquals("r1", DeltaTables.runIdOf("{\"run_id\":\"r1\"}"));
    }
}
