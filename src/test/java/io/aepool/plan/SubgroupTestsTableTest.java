package io.aepool.plan;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.aepool.stats.CiMethod;
import io.aepool.stats.EffectMeasure;
import io.aepool.stats.PoolingMethod;
import io.aepool.stats.PredictionInterval;
import io.aepool.stats.ZeroCellRule;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Subgroup tests with one tau² shared by the subgroups equal metafor's QM of rma(yi, vi, mods = ~factor(group))
 * (R oracle in src/test/resources/oracle/metareg.json), and separate-tau² tests equal the metafor reference.
 */
class SubgroupTestsTableTest {

    static List<StudyRecord> bcg() throws IOException {
        List<StudyRecord> out = new ArrayList<>();
        List<String> lines = Files.readAllLines(Path.of("src/test/resources/reference/bcg.csv"));
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.replace("\"", "").split(",");
            out.add(new StudyRecord("tb", f[0], Long.parseLong(f[3]), Long.parseLong(f[4]), Long.parseLong(f[5]),
                    Long.parseLong(f[6]), null, null, Integer.parseInt(f[1]), Map.of("group", f[2])));
        }
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"DL", "REML"})
    void commonTau2TestIsTheQmOfTheMixedEffectsModel(String method) throws IOException {
        JsonNode oracle = new ObjectMapper().readTree(Path.of("src/test/resources/oracle/metareg.json").toFile())
                .get("bcg/RR/group/" + method);
        AnalysisSpec base = new AnalysisSpec("all", "tb", EffectMeasure.RR, PoolingMethod.parse(method), CiMethod.WALD_Z,
                PredictionInterval.DEFAULT, ZeroCellRule.DEFAULT, Subset.ALL);
        List<Object[]> rows = new SubgroupTestsTable(List.of("group"), true).rows(base, Map.of("all", Pool.everything()), bcg());
        assertEquals(2, rows.size());
        Object[] common = rows.get(1);
        assertEquals("common", common[1]);
        assertEquals(3, common[2]);
        assertEquals(oracle.get("QM").asDouble(), (Double) common[3], 1e-6 * oracle.get("QM").asDouble());
        assertEquals(2, common[4]);
        assertEquals(oracle.get("QMp").asDouble(), (Double) common[5], 1e-6 * oracle.get("QMp").asDouble());
        assertEquals("ok", common[6]);
    }

    @ParameterizedTest
    @ValueSource(strings = {"MH", "DL"})
    void separateTau2TestIsMetaforsSubgroupQBetween(String method) throws IOException {
        JsonNode ref = new ObjectMapper().readTree(Path.of("src/test/resources/reference/bcg.metafor.json").toFile())
                .get("RR/" + method + "/SUBGROUPS");
        AnalysisSpec base = new AnalysisSpec("all", "tb", EffectMeasure.RR, PoolingMethod.parse(method), CiMethod.WALD_Z,
                PredictionInterval.DEFAULT, ZeroCellRule.DEFAULT, Subset.ALL);
        List<Object[]> rows = new SubgroupTestsTable(List.of("group"), true).rows(base, Map.of("all", Pool.everything()), bcg());
        assertEquals(method.equals("MH") ? 1 : 2, rows.size(), "fixed-effect methods have no tau² to share");
        assertEquals("separate", rows.get(0)[1]);
        double q = ref.get("q_between").asDouble();
        assertEquals(q, (Double) rows.get(0)[3], 1e-6 * q);
    }

    @ParameterizedTest
    @ValueSource(strings = {"RR/DL", "RR/REML", "OR/DL", "OR/REML"})
    void subgroupEstimatesWithACommonTau2AreMetaforsNoInterceptModel(String key) throws IOException {
        JsonNode oracle = new ObjectMapper().readTree(Path.of("src/test/resources/oracle/subgroup-common-tau2.json").toFile())
                .get("bcg/" + key);
        String[] mm = key.split("/");
        AnalysisSpec base = new AnalysisSpec("all", "tb", EffectMeasure.parse(mm[0]), PoolingMethod.parse(mm[1]),
                CiMethod.WALD_Z, PredictionInterval.DEFAULT, ZeroCellRule.DEFAULT, Subset.ALL);
        List<Object[]> rows = new SubgroupCommonTau2Table(List.of("group"), true).rows(base, Map.of("all", Pool.everything()), bcg());
        assertEquals(3, rows.size());
        for (int g = 0; g < 3; g++) {
            Object[] r = rows.get(g);
            assertEquals(oracle.get("groups").get(g).asText(), r[1]);
            assertEquals(oracle.get("k").get(g).asInt(), r[2]);
            near(key + " estimate", oracle.get("estimate").get(g).asDouble(), (Double) r[6]);
            near(key + " se", oracle.get("se").get(g).asDouble(), (Double) r[7]);
            near(key + " p", oracle.get("pval").get(g).asDouble(), (Double) r[8]);
            near(key + " ci_low", Math.exp(oracle.get("ci_lb").get(g).asDouble()), (Double) r[4]);
            near(key + " tau2", oracle.get("tau2").asDouble(), (Double) r[9]);
        }
    }

    private static void near(String what, double expected, double actual) {
        assertEquals(expected, actual, 1e-6 * Math.abs(expected), what);
    }
}
