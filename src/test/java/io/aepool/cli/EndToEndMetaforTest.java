package io.aepool.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.aepool.testing.SharedSpark;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The whole job, from arm-level CSV through Spark tasks to analyses.csv and subgroup_tests.csv, reproduces
 * R metafor 3.8-1 on the BCG vaccine trials (13 studies, subgroups by allocation): MH, IV and DL, every
 * leave-one-out subset, every subgroup, the test for subgroup differences and every cumulative step (MH, in order of
 * year with the 1973 tie in the data's order, as metafor's {@code cumul}), to 1e-6 relative. The study ids sort
 * against the data's order ("13 Aronson", ..., "01 Comstock et al #1"), so that only the study table's row order can
 * put the tied trials in metafor's order.
 */
@ExtendWith(SharedSpark.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EndToEndMetaforTest {

    private static final List<String> MEASURES = List.of("RR", "OR", "RD");
    private final Map<String, CSVRecord> analyses = new HashMap<>();
    private final Map<String, CSVRecord> subgroupTests = new HashMap<>();
    private final Map<String, String> idOf = new HashMap<>();
    private JsonNode expected;

    @BeforeAll
    void runTheJobOnBcg(SparkSession spark, @TempDir Path dir) throws IOException {
        List<String> studies = new ArrayList<>(List.of("study_id,acronym,condition,drug,year,design,control_type,weeks,source,group"));
        List<String> arms = new ArrayList<>(List.of("study_id,arm_id,role,treatment,dose_mg,outcome,n,events,person_years"));
        try (Reader in = Files.newBufferedReader(Path.of("src/test/resources/reference/bcg.csv"))) {
            List<CSVRecord> rows = CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).get().parse(in).getRecords();
            for (int i = 0; i < rows.size(); i++) {
                CSVRecord r = rows.get(i);
                idOf.put(r.get("study"), String.format("%02d %s", rows.size() - i, r.get("study")));
                String id = '"' + idOf.get(r.get("study")) + '"';
                studies.add(String.join(",", id, id, "tuberculosis", "BCG", r.get("year"), "rct", "placebo", "", "metadat", r.get("group")));
                arms.add(String.join(",", id, "BCG", "experimental", "BCG vaccine", "", "tb", r.get("n1i"), r.get("ai"), ""));
                arms.add(String.join(",", id, "CTL", "control", "no vaccine", "", "tb", r.get("n2i"), r.get("ci"), ""));
            }
        }
        Files.write(dir.resolve("studies.csv"), studies);
        Files.write(dir.resolve("arms.csv"), arms);
        Files.writeString(dir.resolve("job.yaml"), """
                inputs:
                  studies: studies.csv
                  arm_counts: [arms.csv]
                analysis:
                  measures: [RR, OR, RD]
                  methods: [MH, IV, DL, BAYES, GLMM]
                  leave_one_out: true
                  cumulative: true
                  subgroups: [group]
                """);
        Path out = dir.resolve("out");
        assertEquals(Main.DONE, Main.run("--conf", dir.resolve("job.yaml").toString(), "--out", out.toString()));
        for (CSVRecord r : read(out.resolve("analyses.csv"))) {
            analyses.put(r.get("measure") + "/" + r.get("method") + "/" + r.get("subset"), r);
        }
        for (CSVRecord r : read(out.resolve("subgroup_tests.csv"))) {
            subgroupTests.put(r.get("measure") + "/" + r.get("method") + "/" + r.get("variable"), r);
        }
        expected = new ObjectMapper().readTree(Path.of("src/test/resources/reference/bcg.metafor.json").toFile());
    }

    @TestFactory
    List<DynamicTest> everyAnalysisRowAgreesWithMetafor() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String m : MEASURES) {
            tests.add(check(m + "/MH", expected.get(m + "/MH"), m + "/MH/all"));
            tests.add(check(m + "/IV", expected.get(m + "/IV"), m + "/IV/all"));
            tests.add(check(m + "/DL/Z", expected.get(m + "/DL/Z"), m + "/DL/all"));
            for (String method : List.of("MH", "DL")) {
                JsonNode loo = expected.get(m + "/" + method + "/LOO");
                loo.fieldNames().forEachRemaining(study ->
                        tests.add(check(m + "/" + method + "/LOO " + study, loo.get(study), m + "/" + method + "/loo:" + idOf.get(study))));
                JsonNode groups = expected.get(m + "/" + method + "/SUBGROUPS").get("groups");
                groups.fieldNames().forEachRemaining(g -> tests.add(
                        check(m + "/" + method + "/SUBGROUPS " + g, groups.get(g), m + "/" + method + "/subgroup:group=" + g)));
            }
        }
        assertEquals(3 * (3 + 2 * (13 + 3)), tests.size());
        return tests;
    }

    @TestFactory
    List<DynamicTest> everyCumulativeStepAgreesWithMetaforsCumul() {
        List<DynamicTest> tests = new ArrayList<>();
        assertTrue(idOf.get("Vandiviere et al").compareTo(idOf.get("Frimodt-Moller et al")) < 0, "ids sort against input order");
        for (String m : MEASURES) {
            JsonNode steps = expected.get(m + "/MH/CUMULATIVE");
            for (int i = 0; i < steps.size(); i++) {
                JsonNode step = steps.get(i).deepCopy();
                String added = ((com.fasterxml.jackson.databind.node.ObjectNode) step).remove("added").asText();
                String key = m + "/MH/cum:" + idOf.get(added);
                int studies = i + 1;
                tests.add(DynamicTest.dynamicTest(m + "/MH/CUMULATIVE step " + studies + " " + added, () -> {
                    CSVRecord row = analyses.get(key);
                    if (row == null) {
                        fail("no analyses.csv row for " + key);
                    }
                    assertEquals("ok", row.get("status"), key);
                    assertEquals(studies, Integer.parseInt(row.get("studies")), key + " studies added so far");
                    assertEquals(step.get("k").asInt(), Integer.parseInt(row.get("k")), key + " k");
                    assertEquals("year", row.get("cumulative_order"), key);
                    for (String f : List.of("estimate", "ci_low", "ci_high", "log_estimate", "se", "p_value")) {
                        near(key, f, step.get(f).asDouble(), row.get(f));
                    }
                }));
            }
        }
        assertEquals(3 * 13, tests.size());
        return tests;
    }

    /**
     * The Bayesian rows (half-normal(0.5) on tau, flat on mu, the defaults) agree with R's integrate() over the same
     * posterior ({@code src/test/resources/oracle/make-bayes-glmm-oracle.R}) to 1e-6, on the natural scale where the
     * file reports it; RD has no Bayesian row (the prior's scale is set for log ratios), and no subgroup test.
     */
    @TestFactory
    List<DynamicTest> theBayesianRowsAgreeWithRIntegrate() throws IOException {
        JsonNode oracle = new ObjectMapper().readTree(Path.of("src/test/resources/oracle/bayes-normal-normal.json").toFile());
        List<DynamicTest> tests = new ArrayList<>();
        for (String m : List.of("RR", "OR")) {
            JsonNode exp = oracle.get("bcg/" + m + "/half-normal(0.5)/flat");
            String key = m + "/BAYES/all";
            tests.add(DynamicTest.dynamicTest(key, () -> {
                CSVRecord row = analyses.get(key);
                if (row == null) {
                    fail("no analyses.csv row for " + key);
                }
                assertEquals("ok", row.get("status"), key);
                assertEquals("credible", row.get("ci_method"), key);
                assertEquals("posterior", row.get("pi_dist"), key);
                assertEquals("hn(0.5),flat,>1.25", row.get("prior"), key);
                assertEquals("", row.get("p_value"), key + ": a posterior has no p-value");
                near(key, "estimate", Math.exp(exp.get("mu_median").asDouble()), row.get("estimate"));
                near(key, "ci_low", Math.exp(exp.get("mu_low").asDouble()), row.get("ci_low"));
                near(key, "ci_high", Math.exp(exp.get("mu_high").asDouble()), row.get("ci_high"));
                near(key, "se", exp.get("mu_sd").asDouble(), row.get("se"));
                near(key, "tau2", Math.pow(exp.get("tau_median").asDouble(), 2), row.get("tau2"));
                near(key, "tau2_ci_high", Math.pow(exp.get("tau_high").asDouble(), 2), row.get("tau2_ci_high"));
                near(key, "pi_low", Math.exp(exp.get("pred_low").asDouble()), row.get("pi_low"));
                near(key, "pi_high", Math.exp(exp.get("pred_high").asDouble()), row.get("pi_high"));
                near(key, "prob_above_1", exp.get("prob_above_1").asDouble(), row.get("prob_above_1"));
                near(key, "prob_above_threshold", exp.get("prob_above_threshold").asDouble(), row.get("prob_above_threshold"));
            }));
        }
        tests.add(DynamicTest.dynamicTest("OR/GLMM/all agrees with rma.glmm UM.FS to lme4's precision", () -> {
            JsonNode exp = new ObjectMapper().readTree(Path.of("src/test/resources/oracle/glmm-um-fs.json").toFile()).get("bcg");
            CSVRecord row = analyses.get("OR/GLMM/all");
            if (row == null) {
                fail("no analyses.csv row for OR/GLMM/all");
            }
            assertEquals("ok", row.get("status"));
            assertEquals("none,drop00", row.get("zero_rule"), "raw counts: no continuity correction");
            assertEquals(exp.get("k").asInt(), Integer.parseInt(row.get("k")));
            for (String[] f : new String[][] {{"log_estimate", "log_estimate"}, {"se", "se"}, {"tau2", "tau2"}, {"q", "QE_LRT"}}) {
                double e = exp.get(f[1]).asDouble();
                double a = Double.parseDouble(row.get(f[0]));
                assertTrue(Math.abs(a - e) <= 5e-4 * Math.abs(e), f[0] + ": rma.glmm " + e + ", ours " + a);
            }
            assertFalse(analyses.containsKey("RR/GLMM/all"), "odds ratios only");
        }));
        tests.add(DynamicTest.dynamicTest("no Bayesian RD row, no Bayesian subgroup test", () -> {
            assertFalse(analyses.containsKey("RD/BAYES/all"));
            assertFalse(subgroupTests.keySet().stream().anyMatch(k -> k.contains("/BAYES/")));
            assertTrue(analyses.containsKey("RR/BAYES/loo:" + idOf.get("Aronson")), "leave-one-out runs over it too");
        }));
        return tests;
    }

    @TestFactory
    List<DynamicTest> subgroupDifferenceTestsAgreeWithMetafor() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String m : MEASURES) {
            for (String method : List.of("MH", "DL")) {
                String key = m + "/" + method + "/SUBGROUPS";
                tests.add(DynamicTest.dynamicTest(key + " Q-between", () -> {
                    CSVRecord row = subgroupTests.get(m + "/" + method + "/group");
                    JsonNode exp = expected.get(key);
                    near(key, "q_between", exp.get("q_between").asDouble(), row.get("q_between"));
                    assertEquals(exp.get("df").asInt(), Integer.parseInt(row.get("df")), key + " df");
                    near(key, "p_value", exp.get("p_value").asDouble(), row.get("p_value"));
                }));
            }
        }
        return tests;
    }

    private DynamicTest check(String name, JsonNode exp, String rowKey) {
        return DynamicTest.dynamicTest(name, () -> {
            CSVRecord row = analyses.get(rowKey);
            if (row == null) {
                fail("no analyses.csv row for " + rowKey);
            }
            assertEquals("ok", row.get("status"), name);
            assertEquals(exp.get("k").asInt(), Integer.parseInt(row.get("k")), name + " k");
            Iterator<String> fields = exp.fieldNames();
            int compared = 0;
            while (fields.hasNext()) {
                String f = fields.next();
                if (f.equals("k")) {
                    continue;
                }
                near(name, f, exp.get(f).asDouble(), row.get(f));
                compared++;
            }
            assertTrue(compared >= 9, name + ": compared only " + compared + " fields");
        });
    }

    private static void near(String name, String field, double expected, String actualText) {
        assertFalse(actualText == null || actualText.isEmpty(), name + " " + field + ": empty in the results file");
        double actual = Double.parseDouble(actualText);
        double diff = Math.abs(actual - expected);
        if (!(diff <= 1e-6 * Math.abs(expected) || (Math.abs(expected) < 1e-9 && diff <= 1e-9))) {
            fail(name + " " + field + ": metafor " + expected + ", ours " + actual);
        }
    }

    /** A results CSV's records, by header (shared with the other whole-job oracle tests). */
    static List<CSVRecord> read(Path csv) throws IOException {
        try (Reader in = Files.newBufferedReader(csv)) {
            return CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).get().parse(in).getRecords();
        }
    }
}
