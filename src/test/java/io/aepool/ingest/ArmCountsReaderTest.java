package io.aepool.ingest;

import io.aepool.testing.Files2;
import io.aepool.testing.SharedSpark;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Arm-level counts are read with declared types; with every rule fatal, each broken rule stops the run with a
 * message naming file, column, key and rule; by default row-level breaks are quarantined and accounted for.
 */
@ExtendWith(SharedSpark.class)
class ArmCountsReaderTest {

    private static final String HEADER = "study_id,arm_id,role,treatment,dose_mg,outcome,n,events,person_years";

    @TempDir
    Path dir;
    private Dataset<Row> studies;

    @BeforeEach
    void studies(SparkSession spark) {
        String file = Files2.write(dir, "studies.csv",
                "study_id,acronym,condition,drug,year,design,control_type,weeks,source",
                "S1,One,psoriasis,tofacitinib,2015,rct,placebo,16,test",
                "S2,Two,vitiligo,ritlecitinib,2023,rct,active,24,test");
        studies = StudiesReader.read(spark, file, Validation.failFast());
    }

    @Test
    void validCountsAreReadWithTheirDeclaredTypes(SparkSession spark) {
        String file = Files2.write(dir, "arms.csv", HEADER,
                "S1,T5,experimental,tofacitinib,5,serious_infection,100,2,30.5",
                "S1,PBO,control,placebo,,serious_infection,50,1,");
        Dataset<Row> arms = ArmCountsReader.read(spark, file, studies, Validation.failFast());
        Row t5 = arms.filter("arm_id = 'T5'").first();
        assertEquals(100L, t5.getLong(t5.fieldIndex("n")));
        assertEquals(5.0, t5.getDouble(t5.fieldIndex("dose_mg")));
        assertEquals(30.5, t5.getDouble(t5.fieldIndex("person_years")));
        assertTrue(arms.filter("arm_id = 'PBO'").first().isNullAt(arms.first().fieldIndex("person_years")));
    }

    @Test
    void aMissingColumnIsNamedWithTheColumnsFound(SparkSession spark) {
        String file = Files2.write(dir, "arms.csv", "study_id,arm_id,role,treatment,dose_mg,outcome,n,person_years",
                "S1,T5,experimental,tofacitinib,5,serious_infection,100,");
        InputException e = assertThrows(InputException.class, () -> ArmCountsReader.read(spark, file, studies, Validation.failFast()));
        assertEquals(file, e.file());
        assertEquals("events", e.column());
        assertTrue(e.rule().contains("required column is missing"), e.getMessage());
    }

    @Test
    void aValueOfTheWrongTypeIsNamedWithRowKeyAndValue(SparkSession spark) {
        String file = Files2.write(dir, "arms.csv", HEADER,
                "S1,T5,experimental,tofacitinib,5,serious_infection,one hundred,2,");
        InputException e = assertThrows(InputException.class, () -> ArmCountsReader.read(spark, file, studies, Validation.failFast()));
        assertEquals("n", e.column());
        assertEquals("row key study_id=S1, arm_id=T5, outcome=serious_infection", e.key());
        assertTrue(e.rule().startsWith("wrong type: value is not an integer (value: 'one hundred')"), e.rule());
    }

    @Test
    void moreEventsThanSubjectsIsRejected(SparkSession spark) {
        String file = Files2.write(dir, "arms.csv", HEADER,
                "S1,T5,experimental,tofacitinib,5,serious_infection,10,2,",
                "S1,PBO,control,placebo,,serious_infection,3,5,");
        InputException e = assertThrows(InputException.class, () -> ArmCountsReader.read(spark, file, studies, Validation.failFast()));
        assertEquals("events", e.column());
        assertTrue(e.key().contains("arm_id=PBO"), e.key());
        assertTrue(e.rule().startsWith("events must not exceed n (value: '5'); 1 row breaks this rule"), e.rule());
    }

    @Test
    void nMayBeEmptyWhenPersonYearsAreGivenButNotWhenBothAre(SparkSession spark) {
        // rate data as published (events and person-years per arm, metafor's x1i/t1i): no arm sizes
        String rates = Files2.write(dir, "rates.csv", HEADER,
                "S1,T5,experimental,tofacitinib,5,serious_infection,,2,30.5",
                "S1,PBO,control,placebo,,serious_infection,,1,28");
        Dataset<Row> arms = ArmCountsReader.read(spark, rates, studies, Validation.failFast());
        assertEquals(2, arms.count());
        assertTrue(arms.first().isNullAt(arms.first().fieldIndex("n")));
        String neither = Files2.write(dir, "neither.csv", HEADER,
                "S1,T5,experimental,tofacitinib,5,serious_infection,,2,30.5",
                "S1,PBO,control,placebo,,serious_infection,,1,");
        InputException e = assertThrows(InputException.class, () -> ArmCountsReader.read(spark, neither, studies, Validation.failFast()));
        assertEquals(neither, e.file());
        assertEquals("n", e.column());
        assertEquals("row key study_id=S1, arm_id=PBO, outcome=serious_infection", e.key());
        assertTrue(e.rule().startsWith("must not be empty (person_years is empty too"), e.rule());
        // quarantined by default, under the id the rule of required columns has always had, and the study's other arm
        // with it (never pooled with a missing arm)
        Validation v = Validation.defaults();
        assertEquals(0, ArmCountsReader.read(spark, neither, studies, v).count());
        assertEquals(Map.of("n.must_not_be_empty", 1L, "study_incomplete", 1L), v.rejectedByRule());
    }

    @Test
    void negativeCountsAreRejected(SparkSession spark) {
        String file = Files2.write(dir, "arms.csv", HEADER,
                "S1,T5,experimental,tofacitinib,5,serious_infection,10,-1,");
        InputException e = assertThrows(InputException.class, () -> ArmCountsReader.read(spark, file, studies, Validation.failFast()));
        assertEquals("events", e.column());
        assertTrue(e.rule().startsWith("events must be >= 0"), e.rule());
    }

    @Test
    void aStudyMissingFromTheStudyTableIsRejected(SparkSession spark) {
        String file = Files2.write(dir, "arms.csv", HEADER,
                "S9,T5,experimental,tofacitinib,5,serious_infection,10,1,");
        InputException e = assertThrows(InputException.class, () -> ArmCountsReader.read(spark, file, studies, Validation.failFast()));
        assertEquals("study_id", e.column());
        assertTrue(e.key().contains("study_id=S9"), e.key());
        assertTrue(e.rule().startsWith("study is not in the studies table"), e.rule());
    }

    @Test
    void anUnknownRoleIsRejected(SparkSession spark) {
        String file = Files2.write(dir, "arms.csv", HEADER,
                "S1,T5,treatment,tofacitinib,5,serious_infection,10,1,");
        InputException e = assertThrows(InputException.class, () -> ArmCountsReader.read(spark, file, studies, Validation.failFast()));
        assertEquals("role", e.column());
        assertTrue(e.rule().startsWith("role must be experimental or control (value: 'treatment')"), e.rule());
    }

    @Test
    void aDuplicatedArmIsRejected(SparkSession spark) {
        String file = Files2.write(dir, "arms.csv", HEADER,
                "S1,T5,experimental,tofacitinib,5,serious_infection,10,1,",
                "S1,T5,experimental,tofacitinib,5,serious_infection,12,1,");
        InputException e = assertThrows(InputException.class, () -> ArmCountsReader.read(spark, file, studies, Validation.failFast()));
        assertTrue(e.rule().startsWith("study_id, arm_id, outcome must be unique"), e.rule());
    }

    @Test
    void aMissingFileIsNamed(SparkSession spark) {
        String missing = dir.resolve("nowhere.csv").toString();
        InputException e = assertThrows(InputException.class, () -> ArmCountsReader.read(spark, missing, studies, Validation.failFast()));
        assertEquals(missing, e.file());
        assertEquals("file not found", e.rule());
    }

    @Test
    void theStudyTableRejectsAnUnknownDesign(SparkSession spark) {
        String file = Files2.write(dir, "bad-studies.csv",
                "study_id,acronym,condition,drug,year,design,control_type,weeks,source",
                "S1,One,psoriasis,tofacitinib,2015,cohort,placebo,16,test");
        InputException e = assertThrows(InputException.class, () -> StudiesReader.read(spark, file, Validation.failFast()));
        assertEquals("design", e.column());
        assertTrue(e.rule().startsWith("design must be rct or registry (value: 'cohort')"), e.rule());
    }

    @Test
    void byDefaultBrokenRowsAreQuarantinedWithTheirRuleAndEveryRowIsAccountedFor(SparkSession spark) {
        String file = Files2.write(dir, "arms.csv", HEADER,
                "S1,T5,experimental,tofacitinib,5,serious_infection,10,2,",
                "S1,PBO,control,placebo,,serious_infection,3,5,",
                "S1,T10,experimental,tofacitinib,10,serious_infection,ten,1,",
                "S9,T5,experimental,tofacitinib,5,serious_infection,10,1,",
                "S2,T5,experimental,ritlecitinib,50,serious_infection,20,0,");
        Validation v = Validation.defaults();
        Dataset<Row> arms = ArmCountsReader.read(spark, file, studies, v);
        // S1's one good arm goes with its broken ones (study_incomplete): only S2's row is used
        assertEquals(1, arms.count());
        List<Row> rejects = v.rejects(spark).orderBy("rule").collectAsList();
        assertEquals(List.of("events.not_above_n", "n.wrong_type", "study_id.in_studies_table", "study_incomplete"),
                rejects.stream().map(r -> r.getString(r.fieldIndex("rule"))).toList());
        Row overN = rejects.get(0);
        assertEquals(file, overN.getString(overN.fieldIndex("file")));
        assertEquals("study_id=S1, arm_id=PBO, outcome=serious_infection", overN.getString(overN.fieldIndex("row_key")));
        assertEquals("5", overN.getString(overN.fieldIndex("value")));
        assertEquals(Map.of("read", 5L, "rejected", 4L, "used", 1L), v.accounting().get(file));
    }

    @Test
    void theConfCanMakeOneRowLevelRuleFatal(SparkSession spark) {
        String file = Files2.write(dir, "arms.csv", HEADER,
                "S1,T5,experimental,tofacitinib,5,serious_infection,10,-2,");
        Validation v = new Validation(Validation.Action.QUARANTINE,
                Map.of("events.not_negative", Validation.Action.FATAL));
        InputException e = assertThrows(InputException.class, () -> ArmCountsReader.read(spark, file, studies, v));
        assertTrue(e.rule().startsWith("events must be >= 0"), e.rule());
    }

    @Test
    void anEmptyFileIsAStructuralError(SparkSession spark) {
        String file = Files2.write(dir, "arms.csv", HEADER);
        InputException e = assertThrows(InputException.class,
                () -> ArmCountsReader.read(spark, file, studies, Validation.defaults()));
        assertEquals("the file has no rows", e.rule());
    }

    @Test
    void aCorruptParquetFileIsNamedNotAStackTrace(SparkSession spark) throws Exception {
        Path bad = dir.resolve("arms.parquet");
        java.nio.file.Files.write(bad, "PAR1 this is not parquet".getBytes());
        InputException e = assertThrows(InputException.class,
                () -> ArmCountsReader.read(spark, bad.toString(), studies, Validation.defaults()));
        assertEquals(bad.toString(), e.file());
        assertTrue(e.rule().startsWith("cannot read the file"), e.rule());
    }
}
