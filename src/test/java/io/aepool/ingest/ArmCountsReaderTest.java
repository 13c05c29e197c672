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

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Arm-level counts are read with declared types, and each broken rule stops the run with a message naming it. */
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
        studies = StudiesReader.read(spark, file);
    }

    @Test
    void validCountsAreReadWithTheirDeclaredTypes(SparkSession spark) {
        String file = Files2.write(dir, "arms.csv", HEADER,
                "S1,T5,experimental,tofacitinib,5,serious_infection,100,2,30.5",
                "S1,PBO,control,placebo,,serious_infection,50,1,");
        Dataset<Row> arms = ArmCountsReader.read(spark, file, studies);
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
        InputException e = assertThrows(InputException.class, () -> ArmCountsReader.read(spark, file, studies));
        assertEquals(file, e.file());
        assertEquals("events", e.column());
        assertTrue(e.rule().contains("required column is missing"), e.getMessage());
    }

    @Test
    void aValueOfTheWrongTypeIsNamedWithRowKeyAndValue(SparkSession spark) {
        String file = Files2.write(dir, "arms.csv", HEADER,
                "S1,T5,experimental,tofacitinib,5,serious_infection,one hundred,2,");
        InputException e = assertThrows(InputException.class, () -> ArmCountsReader.read(spark, file, studies));
        assertEquals("n", e.column());
        assertEquals("row key study_id=S1, arm_id=T5, outcome=serious_infection", e.key());
        assertTrue(e.rule().startsWith("wrong type: value is not an integer (value: 'one hundred')"), e.rule());
    }

    @Test
    void moreEventsThanSubjectsIsRejected(SparkSession spark) {
        String file = Files2.write(dir, "arms.csv", HEADER,
                "S1,T5,experimental,tofacitinib,5,serious_infection,10,2,",
                "S1,PBO,control,placebo,,serious_infection,3,5,");
        InputException e = assertThrows(InputException.class, () -> ArmCountsReader.read(spark, file, studies));
        assertEquals("events", e.column());
        assertTrue(e.key().contains("arm_id=PBO"), e.key());
        assertTrue(e.rule().startsWith("events must not exceed n (value: '5'); 1 row breaks this rule"), e.rule());
    }

    @Test
    void negativeCountsAreRejected(SparkSession spark) {
        String file = Files2.write(dir, "arms.csv", HEADER,
                "S1,T5,experimental,tofacitinib,5,serious_infection,10,-1,");
        InputException e = assertThrows(InputException.class, () -> ArmCountsReader.read(spark, file, studies));
        assertEquals("events", e.column());
        assertTrue(e.rule().startsWith("events must be >= 0"), e.rule());
    }

    @Test
    void aStudyMissingFromTheStudyTableIsRejected(SparkSession spark) {
        String file = Files2.write(dir, "arms.csv", HEADER,
                "S9,T5,experimental,tofacitinib,5,serious_infection,10,1,");
        InputException e = assertThrows(InputException.class, () -> ArmCountsReader.read(spark, file, studies));
        assertEquals("study_id", e.column());
        assertTrue(e.key().contains("study_id=S9"), e.key());
        assertTrue(e.rule().startsWith("study is not in the studies table"), e.rule());
    }

    @Test
    void anUnknownRoleIsRejected(SparkSession spark) {
        String file = Files2.write(dir, "arms.csv", HEADER,
                "S1,T5,treatment,tofacitinib,5,serious_infection,10,1,");
        InputException e = assertThrows(InputException.class, () -> ArmCountsReader.read(spark, file, studies));
        assertEquals("role", e.column());
        assertTrue(e.rule().startsWith("role must be experimental or control (value: 'treatment')"), e.rule());
    }

    @Test
    void aDuplicatedArmIsRejected(SparkSession spark) {
        String file = Files2.write(dir, "arms.csv", HEADER,
                "S1,T5,experimental,tofacitinib,5,serious_infection,10,1,",
                "S1,T5,experimental,tofacitinib,5,serious_infection,12,1,");
        InputException e = assertThrows(InputException.class, () -> ArmCountsReader.read(spark, file, studies));
        assertTrue(e.rule().startsWith("study_id, arm_id, outcome must be unique"), e.rule());
    }

    @Test
    void aMissingFileIsNamed(SparkSession spark) {
        String missing = dir.resolve("nowhere.csv").toString();
        InputException e = assertThrows(InputException.class, () -> ArmCountsReader.read(spark, missing, studies));
        assertEquals(missing, e.file());
        assertEquals("file not found", e.rule());
    }

    @Test
    void theStudyTableRejectsAnUnknownDesign(SparkSession spark) {
        String file = Files2.write(dir, "bad-studies.csv",
                "study_id,acronym,condition,drug,year,design,control_type,weeks,source",
                "S1,One,psoriasis,tofacitinib,2015,cohort,placebo,16,test");
        InputException e = assertThrows(InputException.class, () -> StudiesReader.read(spark, file));
        assertEquals("design", e.column());
        assertTrue(e.rule().startsWith("design must be rct or registry (value: 'cohort')"), e.rule());
    }
}
