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
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A rejected arm row quarantines what it would change: the whole study and outcome, never one arm of a trial
 * (issue 16). Its other arm rows go to the rejects as {@code study_incomplete}, pointing at the row that caused it.
 */
@ExtendWith(SharedSpark.class)
class StudyOutcomeQuarantineTest {

    private static final String HEADER = "study_id,arm_id,role,treatment,dose_mg,outcome,n,events,person_years";

    @TempDir
    Path dir;
    private Dataset<Row> studies;

    @BeforeEach
    void studies(SparkSession spark) {
        String file = Files2.write(dir, "studies.csv",
                "study_id,acronym,condition,drug,year,design,control_type,weeks,source",
                "UPA-AD-P2B,P2B,atopic dermatitis,upadacitinib,2020,rct,placebo,16,test",
                "MEASURE-UP-1,MU1,atopic dermatitis,upadacitinib,2021,rct,placebo,16,test",
                "S2,Two,psoriasis,tofacitinib,2015,rct,placebo,16,test");
        studies = StudiesReader.read(spark, file, Validation.failFast());
    }

    /** Arm rows used, as "study/arm/outcome", sorted. */
    private static List<String> used(Dataset<Row> arms) {
        return arms.collectAsList().stream().map(r -> r.getString(r.fieldIndex("study_id")) + "/"
                + r.getString(r.fieldIndex("arm_id")) + "/" + r.getString(r.fieldIndex("outcome"))).sorted().toList();
    }

    /** Rejects as "rule @ row_key -> value", sorted. */
    private static List<String> rejects(Validation v, SparkSession spark) {
        return v.rejects(spark).collectAsList().stream().map(r -> r.getString(r.fieldIndex("rule")) + " @ "
                + r.getString(r.fieldIndex("row_key")) + " -> " + r.getString(r.fieldIndex("value"))).sorted().toList();
    }

    @Test
    void oneArmOfAMultiArmTrialWithMoreEventsThanSubjectsTakesTheWholeStudyOutcomeOut(SparkSession spark) {
        String file = Files2.write(dir, "arms.csv", HEADER,
                "UPA-AD-P2B,UPA7.5,experimental,upadacitinib,7.5,serious_infection,42,43,",
                "UPA-AD-P2B,UPA15,experimental,upadacitinib,15,serious_infection,42,1,",
                "UPA-AD-P2B,UPA30,experimental,upadacitinib,30,serious_infection,42,0,",
                "UPA-AD-P2B,PBO,control,placebo,,serious_infection,41,0,",
                "S2,T,experimental,tofacitinib,5,serious_infection,100,3,",
                "S2,P,control,placebo,,serious_infection,100,1,");
        Validation v = Validation.defaults();
        Dataset<Row> arms = ArmCountsReader.read(spark, file, studies, v);

        assertEquals(List.of("S2/P/serious_infection", "S2/T/serious_infection"), used(arms),
                "the trial is never pooled without its 7.5 mg arm: all in or all out");
        String bad = "events.not_above_n at study_id=UPA-AD-P2B, arm_id=UPA7.5, outcome=serious_infection";
        assertEquals(List.of(
                "events.not_above_n @ study_id=UPA-AD-P2B, arm_id=UPA7.5, outcome=serious_infection -> 43",
                "study_incomplete @ study_id=UPA-AD-P2B, arm_id=PBO, outcome=serious_infection -> " + bad,
                "study_incomplete @ study_id=UPA-AD-P2B, arm_id=UPA15, outcome=serious_infection -> " + bad,
                "study_incomplete @ study_id=UPA-AD-P2B, arm_id=UPA30, outcome=serious_infection -> " + bad),
                rejects(v, spark));
        Row one = v.rejects(spark).filter("rule = 'study_incomplete'").first();
        assertTrue(one.getString(one.fieldIndex("description")).contains("study_id=UPA-AD-P2B, outcome=serious_infection"),
                "the message names the study and the outcome: " + one);
        assertEquals(Map.of("read", 6L, "rejected", 4L, "used", 2L), v.accounting().get(file));
        assertEquals(List.of("read", "rejected", "used"), List.copyOf(v.accounting().get(file).keySet()),
                "one key order, so summary.json is the same bytes for the same run");
        assertEquals(new TreeMap<>(Map.of("events.not_above_n", 1L, "study_incomplete", 3L)),
                new TreeMap<>(v.rejectedByRule()));
    }

    @Test
    void aDuplicatedArmKeyTakesEveryRowOfItsStudyOutcomeOut(SparkSession spark) {
        String file = Files2.write(dir, "arms.csv", HEADER,
                "MEASURE-UP-1,UPA15,experimental,upadacitinib,15,serious_infection,281,2,",
                "MEASURE-UP-1,UPA30,experimental,upadacitinib,30,serious_infection,285,2,",
                "MEASURE-UP-1,UPA30,experimental,upadacitinib,30,serious_infection,285,3,",
                "MEASURE-UP-1,PBO,control,placebo,,serious_infection,281,0,",
                "MEASURE-UP-1,UPA15,experimental,upadacitinib,15,herpes_zoster,281,5,",
                "MEASURE-UP-1,PBO,control,placebo,,herpes_zoster,281,1,");
        Validation v = Validation.defaults();
        Dataset<Row> arms = ArmCountsReader.read(spark, file, studies, v);

        assertEquals(List.of("MEASURE-UP-1/PBO/herpes_zoster", "MEASURE-UP-1/UPA15/herpes_zoster"), used(arms),
                "the other outcome, whose arms are whole, is still used");
        String bad = "arm.duplicate_key at study_id=MEASURE-UP-1, arm_id=UPA30, outcome=serious_infection"
                + " (and 1 more rejected rows)";
        assertEquals(List.of(
                "arm.duplicate_key @ study_id=MEASURE-UP-1, arm_id=UPA30, outcome=serious_infection -> UPA30",
                "arm.duplicate_key @ study_id=MEASURE-UP-1, arm_id=UPA30, outcome=serious_infection -> UPA30",
                "study_incomplete @ study_id=MEASURE-UP-1, arm_id=PBO, outcome=serious_infection -> " + bad,
                "study_incomplete @ study_id=MEASURE-UP-1, arm_id=UPA15, outcome=serious_infection -> " + bad),
                rejects(v, spark));
    }

    @Test
    void anUnknownRoleTakesTheStudysRowsOutWithAPointerToIt(SparkSession spark) {
        String file = Files2.write(dir, "arms.csv", HEADER,
                "S2,T,experimental,tofacitinib,5,serious_infection,100,3,",
                "S2,P,placebo,placebo,,serious_infection,100,1,",
                "S2,T10,experimental,tofacitinib,10,serious_infection,100,4,",
                "UPA-AD-P2B,UPA15,experimental,upadacitinib,15,serious_infection,42,1,",
                "UPA-AD-P2B,PBO,control,placebo,,serious_infection,41,0,");
        Validation v = Validation.defaults();
        Dataset<Row> arms = ArmCountsReader.read(spark, file, studies, v);

        assertEquals(List.of("UPA-AD-P2B/PBO/serious_infection", "UPA-AD-P2B/UPA15/serious_infection"), used(arms));
        String bad = "role.known at study_id=S2, arm_id=P, outcome=serious_infection";
        assertEquals(List.of(
                "role.known @ study_id=S2, arm_id=P, outcome=serious_infection -> placebo",
                "study_incomplete @ study_id=S2, arm_id=T, outcome=serious_infection -> " + bad,
                "study_incomplete @ study_id=S2, arm_id=T10, outcome=serious_infection -> " + bad),
                rejects(v, spark));
    }

    @Test
    void aRowWithoutAnOutcomeTakesItsStudysRowsOutForEveryOutcome(SparkSession spark) {
        String file = Files2.write(dir, "arms.csv", HEADER,
                "S2,T,experimental,tofacitinib,5,serious_infection,100,3,",
                "S2,P,control,placebo,,serious_infection,100,1,",
                "S2,T,experimental,tofacitinib,5,herpes_zoster,100,3,",
                "S2,P,control,placebo,, ,100,1,",
                "UPA-AD-P2B,UPA15,experimental,upadacitinib,15,serious_infection,42,1,",
                "UPA-AD-P2B,PBO,control,placebo,,serious_infection,41,0,");
        Validation v = Validation.defaults();
        Dataset<Row> arms = ArmCountsReader.read(spark, file, studies, v);

        // the rejected row could belong to either outcome: neither is used
        assertEquals(List.of("UPA-AD-P2B/PBO/serious_infection", "UPA-AD-P2B/UPA15/serious_infection"), used(arms));
        assertEquals(Map.of("outcome.must_not_be_empty", 1L, "study_incomplete", 3L), v.rejectedByRule());
    }

    @Test
    void withRowLevelRulesFatalTheRunStopsNamingTheOriginalRuleNotStudyIncomplete(SparkSession spark) {
        String file = Files2.write(dir, "arms.csv", HEADER,
                "UPA-AD-P2B,UPA7.5,experimental,upadacitinib,7.5,serious_infection,42,43,",
                "UPA-AD-P2B,UPA15,experimental,upadacitinib,15,serious_infection,42,1,",
                "UPA-AD-P2B,PBO,control,placebo,,serious_infection,41,0,");
        InputException e = assertThrows(InputException.class,
                () -> ArmCountsReader.read(spark, file, studies, Validation.failFast()));
        assertEquals("events", e.column());
        assertEquals("row key study_id=UPA-AD-P2B, arm_id=UPA7.5, outcome=serious_infection", e.key());
        assertTrue(e.rule().startsWith("events must not exceed n"), e.rule());
    }
}
