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
    void eachStageRunsUnderItsOwnNamedSparkJobGroupInTheJobsOrder(SparkSession spark) throws Exception {
        writeInputs("1");
        List<String> groups = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        org.apache.spark.scheduler.SparkListener listener = new org.apache.spark.scheduler.SparkListener() {
            @Override
            public void onJobStart(org.apache.spark.scheduler.SparkListenerJobStart job) {
                String group = job.properties() == null ? null : job.properties().getProperty("spark.jobGroup.id");
                if (group != null && group.startsWith("aepool-") && (groups.isEmpty() || !groups.get(groups.size() - 1).equals(group))) {
                    groups.add(group);
                }
            }
        };
        // a nightly run with a previous run to compare with: every stage of a trials-only job runs
        Path root = dir.resolve("nightly");
        assertEquals(Main.DONE, Main.run("--conf", dir.resolve("job.yaml").toString(), "--out", root.toString(), "--nightly"));
        spark.sparkContext().addSparkListener(listener);
        try {
            assertEquals(Main.DONE, Main.run("--conf", dir.resolve("job.yaml").toString(), "--out", root.toString(),
                    "--nightly", "--force"));
            // listener events arrive asynchronously: wait for the last stage that runs Spark jobs here
            for (int i = 0; i < 100 && !groups.contains("aepool-publish"); i++) {
                Thread.sleep(100);
            }
        } finally {
            spark.sparkContext().removeSparkListener(listener);
        }
        // the Spark UI says what ran: each stage's jobs under its group, the stages one after another. Publish's jobs
        // are the nightly Delta tables' commits (the tables are on the driver already, and so is their Parquet)
        assertEquals(List.of("aepool-ingest", "aepool-aggregate", "aepool-compute", "aepool-compare", "aepool-publish"),
                groups.stream().distinct().toList(), groups.toString());
        assertEquals(groups.stream().distinct().toList(), groups, "no stage's group comes back after the next began");
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

    /** The defect styles a reviewer meets in arm tables, each in one arm row of the three-arm trial S1. */
    static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> armDefects() {
        return java.util.stream.Stream.of(
                org.junit.jupiter.params.provider.Arguments.of("events above n", "events.not_above_n",
                        List.of("S1,T10,experimental,tofacitinib,10,si,100,101,")),
                org.junit.jupiter.params.provider.Arguments.of("a duplicated arm key", "arm.duplicate_key",
                        List.of("S1,T10,experimental,tofacitinib,10,si,100,4,", "S1,T10,experimental,tofacitinib,10,si,100,4,")),
                org.junit.jupiter.params.provider.Arguments.of("an unknown role", "role.known",
                        List.of("S1,T10,active,tofacitinib,10,si,100,4,")));
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.MethodSource("armDefects")
    void eachArmDefectTakesItsTrialOutWholeSaysSoAndFailsAStrictRun(String defect, String rule, List<String> rows,
                                                                    SparkSession spark) throws Exception {
        writeInputs("1");
        List<String> arms = new java.util.ArrayList<>(List.of("study_id,arm_id,role,treatment,dose_mg,outcome,n,events,person_years",
                "S1,T5,experimental,tofacitinib,5,si,100,3,", "S1,P,control,placebo,,si,100,1,",
                "S2,T,experimental,tofacitinib,5,si,80,2,", "S2,P,control,placebo,,si,40,1,"));
        arms.addAll(rows);
        Files2.write(dir, "arms.csv", arms.toArray(String[]::new));
        Path out = dir.resolve("out");
        int[] code = new int[1];
        String console = captureOut(() -> Main.run("--conf", dir.resolve("job.yaml").toString(), "--out", out.toString()), code);
        // the default: exit 0, the trial all out (never pooled without an arm), and said on the console and in the report
        assertEquals(Main.DONE, code[0], defect);
        List<String> comparisons = Files.readAllLines(out.resolve("study_counts.csv")).stream().skip(1).toList();
        assertTrue(comparisons.stream().noneMatch(l -> l.contains("S1")) && comparisons.stream().anyMatch(l -> l.contains("S2")),
                defect + ": " + comparisons);
        assertTrue(console.contains("aepool: quarantined: ") && console.contains("  " + rule + ": ")
                && console.contains("(S1)"), defect + ": " + console);
        String html = Files.readString(out.resolve("report").resolve("index.html"));
        assertTrue(html.contains("id=\"data-excluded\"") && html.contains(rule), defect + ": the report's box");
        String analyses = Files.readString(out.resolve("analyses.csv"));

        // --strict: exit 2, nothing published, the last results untouched
        String err = captureErr(() -> Main.run("--conf", dir.resolve("job.yaml").toString(), "--strict", "--out",
                out.toString()), code);
        assertEquals(Main.BAD_INPUT, code[0], defect + ": " + err);
        assertTrue(err.contains(rule), err);
        assertEquals(analyses, Files.readString(out.resolve("analyses.csv")), defect + ": nothing published");
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

    /**
     * Three placebo-controlled trials (S3 with two doses) and one active-controlled one; {@code eventsHighDose} in the
     * 10 mg arm of S3 (more than its 50 subjects breaks a row-level rule).
     */
    private void writeMultiArmInputs(String eventsHighDose) {
        Files2.write(dir, "studies.csv", "study_id,acronym,condition,drug,year,design,control_type,weeks,source",
                "S1,One,psoriasis,tofacitinib,2015,rct,placebo,16,test",
                "S2,Two,psoriasis,tofacitinib,2016,rct,placebo,16,test",
                "S3,Three,psoriasis,tofacitinib,2017,rct,placebo,16,test",
                "S4,Four,psoriasis,tofacitinib,2018,rct,active,16,test");
        Files2.write(dir, "arms.csv", "study_id,arm_id,role,treatment,dose_mg,outcome,n,events,person_years",
                "S1,T,experimental,tofacitinib,5,si,100,3,",
                "S1,P,control,placebo,,si,100,1,",
                "S2,T,experimental,tofacitinib,5,si,80,2,",
                "S2,P,control,placebo,,si,40,1,",
                "S3,T5,experimental,tofacitinib,5,si,50,2,",
                "S3,T10,experimental,tofacitinib,10,si,50," + eventsHighDose + ",",
                "S3,P,control,placebo,,si,50,1,",
                "S4,T,experimental,tofacitinib,5,si,60,2,",
                "S4,A,control,methotrexate,,si,60,1,");
        String[] job = {"inputs:", "  studies: studies.csv", "  arm_counts: [arms.csv]",
                "pools:", "  - {name: placebo, where: {control_type: [placebo]}}",
                "  - {name: active, where: {control_type: [active]}}",
                "analysis:", "  measures: [RR]", "  methods: [MH]", "primary: {pool: placebo}"};
        Files2.write(dir, "pools.yaml", job);
        String[] strict = java.util.Arrays.copyOf(job, job.length + 2);
        strict[job.length] = "validation:";
        strict[job.length + 1] = "  strict: true";
        Files2.write(dir, "pools-strict.yaml", strict);
    }

    private static String captureOut(Supplier<Integer> run, int[] code) {
        PrintStream old = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            code[0] = run.get();
        } finally {
            System.setOut(old);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** The rule ids of a rejects.csv (whatever ingest names them), in file order without repeats. */
    private static List<String> ruleIds(Path rejectsCsv) throws Exception {
        return Files.readAllLines(rejectsCsv).stream().skip(1).map(l -> l.split(",", -1)[1]).distinct().toList();
    }

    @Test
    void aQuarantinedRowIsNeverSilentOnTheConsoleInSummaryJsonAndInTheReport(SparkSession spark) throws Exception {
        writeMultiArmInputs("51");
        Path out = dir.resolve("out");
        int[] code = new int[1];
        String console = captureOut(() -> Main.run("--conf", dir.resolve("pools.yaml").toString(), "--out", out.toString()), code);
        assertEquals(Main.DONE, code[0], "quarantine is no failure: exit 0, and the console says so");
        List<String> rules = ruleIds(out.resolve("rejects.csv"));
        assertTrue(rules.contains("events.not_above_n"), rules.toString());
        assertTrue(rules.contains("study_incomplete"), "the trial's other arm rows go with it: " + rules);
        long rejectedRows = Files.readAllLines(out.resolve("rejects.csv")).size() - 1L;

        // the console: the word a scheduler greps, the rows and studies, the ledger's path, a line per rule naming S3
        assertTrue(console.contains("aepool: quarantined: " + rejectedRows + " row" + (rejectedRows == 1 ? "" : "s")
                + " of 1 study excluded by validation (see " + out.resolve("rejects.csv").toAbsolutePath().normalize() + ")"),
                console);
        for (String rule : rules) {
            assertTrue(console.lines().anyMatch(l -> l.startsWith("  " + rule + ": ") && l.endsWith("1 study (S3)")),
                    rule + " with its study: " + console);
        }
        assertTrue(console.contains("pools affected: placebo (1 study)"), console);
        assertFalse(console.contains("active ("), "S4 is in the active pool, which lost nothing");

        // summary.json: rows and studies per rule; per pool the studies it lost
        com.fasterxml.jackson.databind.JsonNode q = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(out.resolve("summary.json").toFile()).get("quarantined");
        assertEquals(rejectedRows, q.get("rows").asLong());
        assertEquals("[\"S3\"]", q.get("studies").toString());
        assertEquals("rejects.csv", q.get("rejects").asText());
        assertEquals(rules.stream().sorted().toList(), iterable(q.get("by_rule").fieldNames()));
        assertEquals("[\"S3\"]", q.get("by_rule").get("events.not_above_n").get("studies").toString());
        assertEquals("{\"placebo\":[\"S3\"]}", q.get("by_pool").toString());

        // the report: the data-excluded box on its first screen, the footnote in the placebo pool's forest
        String html = Files.readString(out.resolve("report").resolve("index.html"));
        assertTrue(html.contains("<section id=\"data-excluded\"") && html.indexOf("id=\"data-excluded\"") < html.indexOf("id=\"sof\""),
                "the data-excluded box comes first");
        assertTrue(html.contains("events.not_above_n"), "the box names the rules");
        assertTrue(html.contains("1 study excluded by validation: see rejects"), "the forest's footnote");
    }

    private static List<String> iterable(java.util.Iterator<String> names) {
        List<String> out = new java.util.ArrayList<>();
        names.forEachRemaining(out::add);
        return out.stream().sorted().toList();
    }

    @Test
    void aCleanRunSaysNothingAboutQuarantine(SparkSession spark) throws Exception {
        writeMultiArmInputs("4");
        Path out = dir.resolve("out");
        int[] code = new int[1];
        String console = captureOut(() -> Main.run("--conf", dir.resolve("pools.yaml").toString(), "--out", out.toString()), code);
        assertEquals(Main.DONE, code[0]);
        assertFalse(console.contains("quarantined"), console);
        assertEquals(1, Files.readAllLines(out.resolve("rejects.csv")).size(), "the ledger holds its header only");
        assertEquals(0, new com.fasterxml.jackson.databind.ObjectMapper().readTree(out.resolve("summary.json").toFile())
                .get("quarantined").get("rows").asInt());
        assertFalse(Files.readString(out.resolve("report").resolve("index.html")).contains("excluded by validation"));
    }

    @Test
    void strictModeByFlagOrConfTurnsAnyRejectedRowIntoExitTwoWithNothingPublished(SparkSession spark) throws Exception {
        // the rules a quarantining run reports for this input, read from its ledger
        writeMultiArmInputs("51");
        Path quarantined = dir.resolve("out-quarantined");
        assertEquals(Main.DONE, Main.run("--conf", dir.resolve("pools.yaml").toString(), "--out", quarantined.toString()));
        List<String> rules = ruleIds(quarantined.resolve("rejects.csv"));

        writeMultiArmInputs("4");
        Path out = dir.resolve("out");
        assertEquals(Main.DONE, Main.run("--conf", dir.resolve("pools.yaml").toString(), "--strict", "--out", out.toString()),
                "a clean strict run publishes");
        String good = Files.readString(out.resolve("analyses.csv"));
        String goodSummary = Files.readString(out.resolve("summary.json"));

        writeMultiArmInputs("51");
        for (String[] args : List.of(new String[]{"--conf", dir.resolve("pools.yaml").toString(), "--strict"},
                new String[]{"--conf", dir.resolve("pools-strict.yaml").toString()})) {
            int[] code = new int[1];
            String[] outArgs = {"--out", out.toString()};
            String[] all = java.util.stream.Stream.concat(java.util.Arrays.stream(args), java.util.Arrays.stream(outArgs))
                    .toArray(String[]::new);
            String[] console = new String[1];
            String err = captureErr(() -> {
                int[] c = new int[1];
                console[0] = captureOut(() -> Main.run(all), c);
                return c[0];
            }, code);
            String how = String.join(" ", args);
            assertEquals(Main.BAD_INPUT, code[0], how);
            assertTrue(err.contains("strict validation:"), how + ": " + err);
            for (String rule : rules) {
                assertTrue(err.lines().anyMatch(l -> l.contains(rule + ": ") && l.contains("(S3)")), rule + ": " + err);
            }
            assertTrue(err.contains("nothing was published"), err);
            assertFalse(console[0].contains("quarantined"), "a strict run does not quarantine: " + console[0]);
            assertEquals(good, Files.readString(out.resolve("analyses.csv")), how + ": the last good results are untouched");
            assertEquals(goodSummary, Files.readString(out.resolve("summary.json")));
            try (var siblings = Files.list(dir)) {
                assertFalse(siblings.anyMatch(p -> p.getFileName().toString().contains(".staging-")), "no staging left behind");
            }
        }
    }

    @Test
    void aNightlyRunSaysQuarantinedEvenWhenUpToDateAndAStrictNightDoesNotSkipACurrentRunThatQuarantined(SparkSession spark)
            throws Exception {
        writeMultiArmInputs("51");
        Path root = dir.resolve("nightly");
        String conf = dir.resolve("pools.yaml").toString();
        int[] code = new int[1];
        String first = captureOut(() -> Main.run("--conf", conf, "--out", root.toString(), "--nightly"), code);
        assertEquals(Main.DONE, code[0]);
        Path current = root.resolve("current").toRealPath();
        assertTrue(first.contains("aepool: quarantined: ") && first.contains("(see " + current.resolve("rejects.csv") + ")"),
                "the ledger of the run itself, under runs/: " + first);

        String again = captureOut(() -> Main.run("--conf", conf, "--out", root.toString(), "--nightly"), code);
        assertEquals(Main.DONE, code[0]);
        assertTrue(again.contains("up to date"), again);
        assertTrue(again.contains("aepool: quarantined: the current run excluded"), "a skipped night still says it: " + again);

        String[] strictOut = new String[1];
        String err = captureErr(() -> {
            int[] c = new int[1];
            strictOut[0] = captureOut(() -> Main.run("--conf", conf, "--out", root.toString(), "--nightly", "--strict"), c);
            return c[0];
        }, code);
        assertEquals(Main.BAD_INPUT, code[0], "--strict is no part of the fingerprint: the night runs, and fails: " + strictOut[0]);
        assertTrue(err.contains("strict validation:"), err);
        assertEquals(current, root.resolve("current").toRealPath(), "current stays on the last good run");
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
