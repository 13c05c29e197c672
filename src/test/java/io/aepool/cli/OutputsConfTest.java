package io.aepool.cli;

import io.aepool.testing.Files2;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The conf's outputs: Delta tables by mode unless the conf says, where they live, and clear errors. */
class OutputsConfTest {

    @TempDir
    Path dir;

    private JobSettings bind(String... outputs) {
        String[] head = {"inputs:", "  studies: studies.csv", "  arm_counts: [arms.csv]", "analysis:", "  measures: [RR]"};
        String[] lines = new String[head.length + outputs.length];
        System.arraycopy(head, 0, lines, 0, head.length);
        System.arraycopy(outputs, 0, lines, head.length, outputs.length);
        Path conf = Path.of(Files2.write(dir, "job.yaml", lines));
        return JobSettings.bind(JobConf.load(conf), conf);
    }

    @Test
    void withoutOutputsNightlyRunsPublishDeltaTablesUnderTheirRootAndPlainRunsDoNot() {
        JobSettings s = bind();
        assertTrue(s.deltaTables(true));
        assertFalse(s.deltaTables(false));
        assertNull(s.tablesAt(), "<out>/tables");
    }

    @Test
    void theFormatAndTheLocationAreTheConfsWhenItSays() {
        assertFalse(bind("outputs: {table_format: parquet}").deltaTables(true));
        assertTrue(bind("outputs: {table_format: delta}").deltaTables(false));
        JobSettings uri = bind("outputs: {tables: 's3a://lake/aepool/tables'}");
        assertEquals("s3a://lake/aepool/tables", uri.tablesAt(), "a URI as it is");
        assertTrue(uri.deltaTables(false), "a location of their own asks for Delta tables in plain runs too");
        assertEquals(dir.resolve("lake/tables").toAbsolutePath().normalize().toString(),
                bind("outputs: {tables: lake/tables}").tablesAt(), "a path against the conf's directory");
    }

    @Test
    void badValuesAreNamedWithTheirKey() {
        String format = assertThrows(ConfException.class, () -> bind("outputs: {table_format: iceberg}")).getMessage();
        assertTrue(format.contains("outputs.table_format: delta or parquet, was 'iceberg'"), format);
        String both = assertThrows(ConfException.class,
                () -> bind("outputs: {table_format: parquet, tables: lake}")).getMessage();
        assertTrue(both.contains("outputs.tables") && both.contains("parquet"), both);
        String typo = assertThrows(ConfException.class, () -> bind("outputs: {table: lake}")).getMessage();
        assertTrue(typo.contains("outputs.table"), typo);
    }
}
