package io.aepool.cli;

import io.aepool.ingest.RejectsTally;
import io.aepool.ingest.Validation;
import io.aepool.plan.Pool;
import io.aepool.testing.SharedSpark;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The quarantine summary read from a rejects ledger: counts and study ids per rule and pool, never a subject id. */
@ExtendWith(SharedSpark.class)
class QuarantineTest {

    private static Row reject(String file, String rule, String rowKey) {
        return RowFactory.create(file, rule, "a rule", "col", rowKey, "(withheld: subject identifier)");
    }

    private static Dataset<Row> studies(SparkSession spark) {
        StructType schema = new StructType().add("study_id", DataTypes.StringType).add("design", DataTypes.StringType)
                .add("control_type", DataTypes.StringType).add("year", DataTypes.IntegerType);
        return spark.createDataFrame(List.of(RowFactory.create("S1", "rct", "placebo", 2015),
                RowFactory.create("S2", "rct", "active", 2016), RowFactory.create("REG", "registry", "active", 2020),
                RowFactory.create("S9", "rct", "placebo", 2019)), schema);
    }

    @Test
    void rowsAndStudiesPerRuleAndPoolFromWhateverRulesTheLedgerHolds(SparkSession spark) {
        Dataset<Row> rejects = spark.createDataFrame(List.of(
                reject("arms.csv", "some.new_rule", "study_id=S1, arm_id=T, outcome=si"),
                reject("arms.csv", "some.new_rule", "study_id=S1, arm_id=P, outcome=si"),
                reject("arms.csv", "other.rule", "study_id=S2, arm_id=T, outcome=si"),
                reject("adsl.parquet", "usubjid.subject_appears_more_than_once", "STUDYID=S2"),
                reject("registry/exposures", "end_date.before_start", "registry_id=REG, extract_date=2026-01-01"),
                reject("arms.csv", "study_id.study_is_not_in_the_studies_table", "study_id=GHOST, arm_id=T, outcome=si"),
                reject("x.csv", "no.key", "")), Validation.REJECTS_SCHEMA);
        Map<String, Pool> pools = new LinkedHashMap<>();
        pools.put("placebo", new Pool("placebo", Map.of("control_type", Set.of("placebo"),
                "dose_arms", Set.of("combined")))); // dose_arms is no study-table column: not checked
        pools.put("rcts", new Pool("rcts", Map.of("design", Set.of("rct"))));
        pools.put("all", new Pool("all", Map.of()));
        pools.put("y2019", new Pool("y2019", Map.of("year", Set.of("2019"))));

        Quarantine q = Quarantine.of(RejectsTally.of(rejects, studies(spark)), pools);
        assertEquals(7, q.rows());
        assertEquals(List.of("GHOST", "REG", "S1", "S2"), q.studies());
        assertEquals(new RejectsTally.RuleCount(2, List.of("S1")), q.byRule().get("some.new_rule"));
        assertEquals(new RejectsTally.RuleCount(1, List.of("S2")), q.byRule().get("usubjid.subject_appears_more_than_once"));
        assertEquals(new RejectsTally.RuleCount(1, List.of("REG")), q.byRule().get("end_date.before_start"));
        assertEquals(new RejectsTally.RuleCount(1, List.of()), q.byRule().get("no.key"), "counted, with no study");
        assertEquals(List.of("placebo", "rcts", "all"), List.copyOf(q.byPool().keySet()), "pools that lost nothing are left out");
        assertEquals(List.of("S1"), q.byPool().get("placebo"));
        assertEquals(List.of("S1", "S2"), q.byPool().get("rcts"));
        assertEquals(List.of("REG", "S1", "S2"), q.byPool().get("all"));
        assertEquals(List.of("GHOST"), q.withoutStudyTable());

        String console = q.console(Path.of("/r/rejects.csv"));
        assertTrue(console.startsWith("aepool: quarantined: 7 rows of 4 studies excluded by validation (see /r/rejects.csv)"),
                console);
        assertTrue(console.contains("  some.new_rule: 2 rows, 1 study (S1)"), console);
        assertTrue(console.contains("  no.key: 1 row, 0 studies" + System.lineSeparator()), console);
        assertTrue(console.contains("  pools affected: placebo (1 study), rcts (2 studies), all (3 studies)"), console);
        assertFalse(console.contains("withheld") || console.contains("USUBJID"), "values never reach the console");
        Map<String, Object> summary = q.summary("rejects.csv");
        assertEquals(List.of("rows", "studies", "rejects", "by_rule", "by_pool", "studies_without_study_table_row"),
                List.copyOf(summary.keySet()));
    }

    @Test
    void atMostFiveStudiesAreNamedOnALine(SparkSession spark) {
        List<Row> rows = new ArrayList<>();
        for (int i = 1; i <= 8; i++) {
            rows.add(reject("arms.csv", "r", "study_id=S" + i + ", arm_id=T, outcome=si"));
        }
        Quarantine q = Quarantine.of(RejectsTally.of(spark.createDataFrame(rows, Validation.REJECTS_SCHEMA), null), null);
        assertTrue(q.console(Path.of("rejects.csv")).contains("  r: 8 rows, 8 studies (S1, S2, S3, S4, S5 and 3 more)"),
                q.console(Path.of("rejects.csv")));
        assertTrue(q.strictMessage().startsWith("strict validation: 8 input rows of 8 studies broke row-level rules"),
                q.strictMessage());
    }

    @Test
    void anEmptyLedgerIsNoQuarantine(SparkSession spark) {
        Quarantine q = Quarantine.of(RejectsTally.of(spark.createDataFrame(List.of(), Validation.REJECTS_SCHEMA), studies(spark)), Map.of());
        assertFalse(q.any());
        assertEquals("", q.console(Path.of("rejects.csv")));
        assertEquals(0L, q.summary("rejects.csv").get("rows"));
    }
}
