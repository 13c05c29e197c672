package io.aepool.stats;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.aepool.stats.MetaforReferenceTest.assertClose;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The network model agrees with metafor 3.8-1 {@code rma.mv} on the smoking-cessation network of Hasselblad (1998)
 * (24 studies, 4 treatments, two three-arm trials; {@code src/test/resources/oracle/make-network-oracle.R}) to 1e-6:
 * REML τ², both models' estimates and standard errors, every pair of the league table, and the Q statistics of the
 * consistency and design-by-treatment models.
 */
class NetworkMetaAnalysisTest {

    static List<NetworkMetaAnalysis.Arm> hasselblad() throws IOException {
        List<NetworkMetaAnalysis.Arm> arms = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(
                NetworkMetaAnalysisTest.class.getResourceAsStream("/oracle/hasselblad1998.csv"), StandardCharsets.UTF_8))) {
            r.readLine();
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                List<String> c = ReferenceData.parseLine(line);
                arms.add(new NetworkMetaAnalysis.Arm(c.get(0), c.get(3), Long.parseLong(c.get(4)), Long.parseLong(c.get(5))));
            }
        }
        return arms;
    }

    @TestFactory
    List<DynamicTest> agreesWithRmaMvOnHasselblad1998() throws IOException {
        JsonNode all = MetaforOracleTest.load("network-hasselblad1998.json");
        List<NetworkMetaAnalysis.Arm> arms = hasselblad();
        List<DynamicTest> tests = new ArrayList<>();
        for (String m : List.of("OR", "RR")) {
            JsonNode exp = all.get(m);
            tests.add(DynamicTest.dynamicTest(m, () -> {
                NetworkMetaAnalysis.Result result = NetworkMetaAnalysis.fit(arms, EffectMeasure.parse(m), "no_contact");
                assertEquals(1, result.components().size());
                NetworkMetaAnalysis.Component c = result.components().get(0);
                assertTrue(c.isOk(), c.status());
                List<String> nodes = new ArrayList<>();
                exp.get("nodes").forEach(n -> nodes.add(n.asText()));
                assertEquals(nodes, c.nodes());
                assertEquals(exp.get("contrasts").asInt(), c.contrasts());
                assertEquals(exp.get("k_studies").asInt(), c.studies().size());
                NetworkMetaAnalysis.Fit re = c.fits().get(NetworkMetaAnalysis.Model.RANDOM);
                NetworkMetaAnalysis.Fit fe = c.fits().get(NetworkMetaAnalysis.Model.COMMON);
                List<org.junit.jupiter.api.function.Executable> checks = new ArrayList<>();
                // rma.mv's nlminb stops ~1e-6 short of the REML maximum (OR); the maximum itself, by optimize() over
                // the restricted likelihood at fixed tau², is tau2_refined: ours is the root of the REML score
                checks.add(() -> assertClose(m, "tau2_refined", exp.get("tau2_refined"), c.tau2()));
                checks.add(() -> assertEquals(exp.get("tau2").asDouble(), c.tau2(), 2e-6 * c.tau2(), m + " tau2 (rma.mv)"));
                for (int i = 1; i < nodes.size(); i++) {
                    int node = i;
                    checks.add(() -> assertClose(m + " " + nodes.get(node), "re_beta", exp.get("re_beta").get(node - 1), re.beta()[node]));
                    checks.add(() -> assertClose(m + " " + nodes.get(node), "re_se", exp.get("re_se").get(node - 1), re.se(node, 0)));
                    checks.add(() -> assertClose(m + " " + nodes.get(node), "fe_beta", exp.get("fe_beta").get(node - 1), fe.beta()[node]));
                    checks.add(() -> assertClose(m + " " + nodes.get(node), "fe_se", exp.get("fe_se").get(node - 1), fe.se(node, 0)));
                }
                for (String model : List.of("re", "fe")) {
                    NetworkMetaAnalysis.Fit f = model.equals("re") ? re : fe;
                    for (JsonNode pair : exp.get("league_" + model)) {
                        int i = nodes.indexOf(pair.get("first").asText());
                        int j = nodes.indexOf(pair.get("second").asText());
                        String w = m + " " + model + " " + pair.get("first").asText() + " vs " + pair.get("second").asText();
                        checks.add(() -> assertClose(w, "log_estimate", pair.get("log_estimate"), f.log(i, j)));
                        checks.add(() -> assertClose(w, "se", pair.get("se"), f.se(i, j)));
                    }
                }
                NetworkMetaAnalysis.Decomposition d = c.decomposition();
                checks.add(() -> assertClose(m, "q_total", exp.get("q_total"), d.qTotal()));
                checks.add(() -> assertEquals(exp.get("q_total_df").asInt(), d.dfTotal()));
                checks.add(() -> assertClose(m, "q_within_designs", exp.get("q_within_designs"), d.qWithin()));
                checks.add(() -> assertEquals(exp.get("q_within_designs_df").asInt(), d.dfWithin()));
                assertAll(m, checks);
            }));
        }
        return tests;
    }

    private static NetworkMetaAnalysis.Arm arm(String study, String node, long events, long n) {
        return new NetworkMetaAnalysis.Arm(study, node, events, n);
    }

    @Test
    void aDisconnectedNetworkIsAnalysedPerComponentEachAgainstItsOwnReference() {
        List<NetworkMetaAnalysis.Arm> arms = List.of(
                arm("s1", "placebo", 5, 100), arm("s1", "baricitinib", 9, 100),
                arm("s2", "placebo", 4, 120), arm("s2", "upadacitinib", 8, 118),
                arm("s3", "baricitinib", 6, 90), arm("s3", "upadacitinib", 7, 95),
                arm("s4", "abrocitinib", 3, 80), arm("s4", "dupilumab", 2, 82),
                arm("s5", "deucravacitinib", 0, 60), arm("s5", "apremilast", 0, 61),
                arm("s6", "tofacitinib", 4, 50));
        NetworkMetaAnalysis.Result r = NetworkMetaAnalysis.fit(arms, EffectMeasure.OR, "placebo");
        assertEquals(2, r.components().size());
        assertEquals(List.of("placebo", "baricitinib", "upadacitinib"), r.components().get(0).nodes());
        assertEquals("abrocitinib", r.components().get(1).reference(), "no placebo there: the first node by name");
        assertEquals(List.of("s5 (no events in any arm)", "s6 (one treatment)"), r.dropped());
        assertTrue(r.components().get(1).isOk(), r.components().get(1).status());
        assertEquals(0.0, r.components().get(1).tau2(), "one study: no residual degrees of freedom");
    }

    @Test
    void pScoresAverageOneHalfAndContributionsSumToOneHundredPercent() throws IOException {
        NetworkMetaAnalysis.Component c = NetworkMetaAnalysis.fit(hasselblad(), EffectMeasure.OR, "no_contact").components().get(0);
        for (NetworkMetaAnalysis.Model m : NetworkMetaAnalysis.Model.values()) {
            double[] p = c.pScores(m);
            assertEquals(p.length / 2.0, java.util.Arrays.stream(p).sum(), 1e-12, "P-scores sum to m/2 (Rücker & Schwarzer 2015)");
            for (Map<String, Double> byStudy : c.contributions().get(m).values()) {
                assertEquals(100, byStudy.values().stream().mapToDouble(Double::doubleValue).sum(), 1e-9);
            }
        }
        // more events on counselling: no contact (fewest quitters) has the lowest P-score for "fewer events"...
        // here the outcome is quitting, so the ranking is for fewer quitters; no_contact ranks first
        double[] p = c.pScores(NetworkMetaAnalysis.Model.RANDOM);
        assertTrue(p[0] > p[1] && p[0] > p[2] && p[0] > p[3], java.util.Arrays.toString(p));
    }

    @Test
    void aTriangleOfTwoArmStudiesSplitsEachComparisonIntoDirectAndIndirectEvidence() {
        // consistent by construction: B vs A twice the odds, C vs B twice again, C vs A four times
        List<NetworkMetaAnalysis.Arm> arms = List.of(
                arm("ab", "A", 100, 1100), arm("ab", "B", 200, 1200),
                arm("bc", "B", 100, 1100), arm("bc", "C", 200, 1200),
                arm("ac", "A", 100, 1100), arm("ac", "C", 400, 1400));
        NetworkMetaAnalysis.Component c = NetworkMetaAnalysis.fit(arms, EffectMeasure.OR, "A").components().get(0);
        List<NetworkMetaAnalysis.NodeSplit> splits = c.splits().get(NetworkMetaAnalysis.Model.COMMON);
        assertEquals(3, splits.size());
        for (NetworkMetaAnalysis.NodeSplit s : splits) {
            assertEquals(1, s.directStudies());
            assertEquals(s.direct(), s.indirect(), 1e-9, s.first() + " vs " + s.second() + ": consistent evidence");
            assertEquals(1.0, s.pValue(), 1e-6);
        }
        assertEquals(0.0, c.decomposition().qBetween(), 1e-9);
        // one design per comparison: no heterogeneity within designs, all of Q is between designs
        assertEquals(c.decomposition().qTotal(), c.decomposition().qBetween(), 1e-12);
        assertFalse(c.fits().isEmpty());
    }
}
