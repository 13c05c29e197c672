package io.aepool.cli;

import io.aepool.testing.Files2;
import io.aepool.testing.SharedSpark;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command line: exit codes, clear messages for bad conf and bad input, and last good results kept. */
@ExtendWith(SharedSpark.class)
class MainTest {

    @TempDir
    Path dir;

    private void writeInputs(String eventsInControl) {
        Files2.write(dir, "studies.csv", "study_id,acronym,condition,drug,year,design,control_type,weeks,source",
                "S1,One,psoriasis,tofacitinib,2015,rct,placebo,16,test",
                "S2,Two,psoriasis,tofacitinib,2016,rct,placebo,16,test");
        Files2.write(dir, "arms.csv", "study_id,arm_id,role,treatment,dose_mg,outcome,n,events,person_years",
                "S1,T,experimental,tofacitinib,5,si,100,3,",
                "S1,P,control,placebo,,si,100," + eventsInControl + ",",
                "S2,T,experimental,tofacitinib,5,si,80,2,",
                "S2,P,control,placebo,,si,40,1,");
        Files2.write(dir, "job.yaml", "inputs:", "  studies: studies.csv", "  arm_counts: [arms.csv]",
                "analysis:", "  measures: [RR]", "  methods: [MH]");
        Files2.write(dir, "strict.yaml", "inputs:", "  studies: studies.csv", "  arm_counts: [arms.csv]",
                "analysis:", "  measures: [RR]", "  methods: [MH]", "validation:", "  row_level: fatal");
    }

    private static String captureErr(Supplier<Integer> run, int[] code) {
        PrintStream old = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            code[0] = run.get();
        } finally {
            System.setErr(old);
        }
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void aGoodRunWritesEveryOutput(SparkSession spark) {
        writeInputs("1");
        Path out = dir.resolve("out");
        assertEquals(Main.DONE, Main.run("--conf", dir.resolve("job.yaml").toString(), "--out", out.toString()));
        for (String f : new String[]{"analyses.csv", "study_counts.csv", "subgroup_tests.csv", "small_study_tests.csv",
                "trim_and_fill.csv", "influence.csv", "funnel.csv", "meta_regression.csv", "summary.json", "results",
                "study_counts", "subgroup_tests", "small_study_tests", "trim_and_fill", "influence", "funnel", "meta_regression",
                "robustness.csv", "specification_curve.csv", "specification_curve"}) {
            assertTrue(Files.exists(out.resolve(f)), f + " is missing");
        }
        String summary = assertDoesNotThrow(() -> Files.readString(out.resolve("summary.json")));
        assertTrue(summary.contains("\"fragility_index\"") && summary.contains("\"distinct_analyses\""),
                "summary.json has the primary's fragility index and the distinct-analysis robustness rows");
        com.fasterxml.jackson.databind.JsonNode primary = assertDoesNotThrow(() -> new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(out.resolve("summary.json").toFile())).get("primary");
        // the headline: the distinct-analysis verdict and the specification curve of the primary pool and measure
        assertTrue(primary.get("robustness_verdict").asText().contains("distinct analyses"), primary.toString());
        com.fasterxml.jackson.databind.JsonNode curve = primary.get("specification_curve");
        assertEquals("specification_curve.csv", curve.get("table").asText());
        assertTrue(curve.get("distinct_analyses").asInt() >= 2, "all studies and each leave-one-out: " + curve);
        assertTrue(curve.get("min_estimate").asDouble() <= curve.get("max_estimate").asDouble());
    }

    @Test
    void withoutMethodsTheGridRunsMhAndRandomEffectsAsTheCochraneHandbookRecommends(SparkSession spark) throws Exception {
        writeInputs("1");
        Files2.write(dir, "defaults.yaml", "inputs:", "  studies: studies.csv", "  arm_counts: [arms.csv]",
                "analysis:", "  measures: [RR]", "  leave_one_out: false");
        Path out = dir.resolve("out-defaults");
        assertEquals(Main.DONE, Main.run("--conf", dir.resolve("defaults.yaml").toString(), "--out", out.toString()));
        List<String> ids = Files.readAllLines(out.resolve("analyses.csv")).stream().skip(1)
                .map(l -> l.substring(1, l.indexOf('"', 1))).sorted().toList();
        // REML tau², Hartung-Knapp never narrower than Wald, a t(k-2) prediction interval (Cochrane Handbook v6.5)
        assertEquals(List.of("all|si|RR|MH|wald-z|t(k-2)|none,drop00|all",
                "all|si|RR|REML|hksj-adhoc|t(k-2)|only0:0.5,drop00|all",
                "all|si|RR|REML|wald-z|t(k-2)|only0:0.5,drop00|all"), ids);
    }

    @Test
    void badInputExitsWithTwoNamesTheRuleAndKeepsTheLastGoodResults(SparkSession spark) throws Exception {
        writeInputs("1");
        Path out = dir.resolve("out");
        assertEquals(Main.DONE, Main.run("--conf", dir.resolve("job.yaml").toString(), "--out", out.toString()));
        String good = Files.readString(out.resolve("analyses.csv"));

        writeInputs("101");
        int[] code = new int[1];
        String err = captureErr(() -> Main.run("--conf", dir.resolve("strict.yaml").toString(), "--out", out.toString()), code);
        assertEquals(Main.BAD_INPUT, code[0]);
        assertTrue(err.contains("bad input: file " + dir.resolve("arms.csv") + ", column events, row key study_id=S1, arm_id=P, outcome=si: events must not exceed n"), err);
        assertTrue(err.contains("nothing was published"), err);
        assertEquals(good, Files.readString(out.resolve("analyses.csv")), "the last good results are untouched");
        try (var siblings = Files.list(dir)) {
            assertFalse(siblings.anyMatch(p -> p.getFileName().toString().contains(".staging-")), "no staging left behind");
        }
    }

    @Test
    void byDefaultABadRowIsQuarantinedAndTheRunAccountsForIt(SparkSession spark) throws Exception {
        writeInputs("101");
        Path out = dir.resolve("out");
        assertEquals(Main.DONE, Main.run("--conf", dir.resolve("job.yaml").toString(), "--out", out.toString()));
        String rejects = Files.readString(out.resolve("rejects.csv"));
        assertTrue(rejects.contains(dir.resolve("arms.csv") + ",events.not_above_n,events must not exceed n,events,"
                + "\"study_id=S1, arm_id=P, outcome=si\",101"), rejects);
        // S1's control arm was rejected: its experimental arm goes with it (study_incomplete, pointing at the control
        // arm's row), and only S2 is pooled
        assertTrue(rejects.contains(dir.resolve("arms.csv") + ",study_incomplete,"), rejects);
        assertTrue(rejects.contains("\"study_id=S1, arm_id=T, outcome=si\","
                + "\"events.not_above_n at study_id=S1, arm_id=P, outcome=si\""), rejects);
        String analyses = Files.readString(out.resolve("analyses.csv"));
        assertTrue(analyses.contains("\"all|si|RR|MH|wald-z|t(k-2)|none,drop00|all\",all,si,RR,MH,wald-z,t(k-2),"
                + "\"none,drop00\",all,all,,,1,1,2,80,1,40,"), analyses);
        com.fasterxml.jackson.databind.JsonNode summary = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(out.resolve("summary.json").toFile());
        com.fasterxml.jackson.databind.JsonNode arms = summary.get("input_rows").get(dir.resolve("arms.csv").toString());
        assertEquals(4, arms.get("read").asInt());
        assertEquals(2, arms.get("rejected").asInt());
        assertEquals(2, arms.get("used").asInt());
        assertEquals(1, summary.get("rejected_rows_by_rule").get("events.not_above_n").asInt());
    }

    /** Three arms of S1 (two doses and placebo), the 10 mg arm with more events than participants. */
    private void writeMultiArmInputs() {
        writeInputs("1");
        Files2.write(dir, "arms.csv", "study_id,arm_id,role,treatment,dose_mg,outcome,n,events,person_years",
                "S1,T5,experimental,tofacitinib,5,si,100,3,",
                "S1,T10,experimental,tofacitinib,10,si,100,101,",
                "S1,P,control,placebo,,si,100,1,",
                "S2,T,experimental,tofacitinib,5,si,80,2,",
                "S2,P,control,placebo,,si,40,1,");
    }

    @Test
    void aMultiArmTrialWithOneBrokenArmIsNeverPooledWithoutIt(SparkSession spark) throws Exception {
        writeMultiArmInputs();
        Path out = dir.resolve("out");
        assertEquals(Main.DONE, Main.run("--conf", dir.resolve("job.yaml").toString(), "--out", out.toString()));
        List<String> comparisons = Files.readAllLines(out.resolve("study_counts.csv"));
        assertTrue(comparisons.stream().skip(1).noneMatch(l -> l.contains("S1")),
                "S1 is out whole, not pooled as 5 mg against placebo: " + comparisons);
        assertTrue(comparisons.stream().skip(1).anyMatch(l -> l.contains("S2")), comparisons.toString());
        String rejects = Files.readString(out.resolve("rejects.csv"));
        for (String arm : List.of("T5", "P")) {
            assertTrue(rejects.contains(",study_incomplete,") && rejects.contains("\"study_id=S1, arm_id=" + arm
                    + ", outcome=si\",\"events.not_above_n at study_id=S1, arm_id=T10, outcome=si\""), rejects);
        }
        com.fasterxml.jackson.databind.JsonNode summary = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(out.resolve("summary.json").toFile());
        assertEquals(2, summary.get("rejected_rows_by_rule").get("study_incomplete").asInt());
        assertEquals(1, summary.get("rejected_rows_by_rule").get("events.not_above_n").asInt());
    }

    @Test
    void withRowLevelRulesFatalABrokenArmStopsTheRunNamingItsOwnRule(SparkSession spark) {
        writeMultiArmInputs();
        int[] code = new int[1];
        String err = captureErr(() -> Main.run("--conf", dir.resolve("strict.yaml").toString(), "--out",
                dir.resolve("o").toString()), code);
        assertEquals(Main.BAD_INPUT, code[0]);
        assertTrue(err.contains("column events, row key study_id=S1, arm_id=T10, outcome=si: events must not exceed n"), err);
        assertFalse(err.contains("study_incomplete"), err);
    }

    @Test
    void anUnknownRuleIdInValidationRulesIsAConfErrorNamingTheKey(SparkSession spark) {
        writeInputs("1");
        // the id events.not_above_n was events.events_must_not_exceed_n before issue 16
        Files2.write(dir, "old-id.yaml", "inputs:", "  studies: studies.csv", "  arm_counts: [arms.csv]",
                "analysis:", "  measures: [RR]", "validation:", "  rules:", "    events.events_must_not_exceed_n: fatal");
        int[] code = new int[1];
        String err = captureErr(() -> Main.run("--conf", dir.resolve("old-id.yaml").toString(), "--out",
                dir.resolve("o").toString()), code);
        assertEquals(Main.BAD_INPUT, code[0]);
        assertTrue(err.contains("conf validation.rules.events.events_must_not_exceed_n: unknown rule id"), err);
        assertFalse(Files.exists(dir.resolve("o")));

        Files2.write(dir, "new-id.yaml", "inputs:", "  studies: studies.csv", "  arm_counts: [arms.csv]",
                "analysis:", "  measures: [RR]", "  methods: [MH]", "validation:", "  rules:",
                "    events.not_above_n: fatal", "    n.wrong_type: quarantine");
        assertEquals(Main.DONE, Main.run("--conf", dir.resolve("new-id.yaml").toString(), "--out",
                dir.resolve("o").toString()));
    }

    @Test
    void anUnknownConfKeyIsNamed(SparkSession spark) {
        writeInputs("1");
        Files2.write(dir, "typo.yaml", "inputs:", "  studies: studies.csv", "  arm_counts: [arms.csv]",
                "analysis:", "  measures: [RR]", "  leave_one_ot: false");
        int[] code = new int[1];
        String err = captureErr(() -> Main.run("--conf", dir.resolve("typo.yaml").toString(), "--out", dir.resolve("o").toString()), code);
        assertEquals(Main.BAD_INPUT, code[0]);
        assertTrue(err.contains("unknown key 'leave_one_ot' at analysis.leave_one_ot"), err);
    }

    @Test
    void anUnknownMeasureIsNamed(SparkSession spark) {
        writeInputs("1");
        Files2.write(dir, "bad.yaml", "inputs:", "  studies: studies.csv", "  arm_counts: [arms.csv]",
                "analysis:", "  measures: [HR]");
        int[] code = new int[1];
        String err = captureErr(() -> Main.run("--conf", dir.resolve("bad.yaml").toString(), "--out", dir.resolve("o").toString()), code);
        assertEquals(Main.BAD_INPUT, code[0]);
        assertTrue(err.contains("conf analysis: unknown effect measure 'HR'"), err);
        assertFalse(Files.exists(dir.resolve("o")));
    }

    @Test
    void aMissingRequiredOptionIsAUsageError() {
        int[] code = new int[1];
        String err = captureErr(() -> Main.run("--out", dir.resolve("o").toString()), code);
        assertEquals(Main.BAD_INPUT, code[0]);
        assertTrue(err.contains("Missing required option: '--conf=<conf>'"), err);
    }
}
