package io.aepool.plan;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.aepool.stats.CiMethod;
import io.aepool.stats.EffectMeasure;
import io.aepool.stats.PoolingMethod;
import io.aepool.stats.PredictionInterval;
import io.aepool.stats.ZeroCellRule;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Cumulative analyses add studies as metafor's {@code cumul(res, order = year)} does: a stable sort by year, so
 * studies of the same year keep the data's order. The BCG trials have a tie (1973: Frimodt-Moller, row 5, before
 * Vandiviere, row 7). The stats reference test sorts the reference rows itself; this one runs the plan's own order.
 * The comparison ids are chosen to sort in the reverse of the input order, so that a tie broken by id (the order
 * before issue 16) adds Vandiviere before Frimodt-Moller and the steps no longer match metafor's.
 */
class CumulativeOrderTest {

    private static final Map<String, Pool> POOLS = Map.of("all", Pool.everything());

    /** The BCG trials as study records, ids sorting against the input order ("13 Aronson", ..., "01 Comstock et al #1"). */
    static List<StudyRecord> bcg(Map<String, String> idOf) throws IOException {
        List<StudyRecord> out = new ArrayList<>();
        try (Reader in = Files.newBufferedReader(Path.of("src/test/resources/reference/bcg.csv"))) {
            List<CSVRecord> rows = CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).get().parse(in).getRecords();
            for (int i = 0; i < rows.size(); i++) {
                CSVRecord r = rows.get(i);
                String id = String.format("%02d %s", rows.size() - i, r.get("study"));
                idOf.put(r.get("study"), id);
                out.add(new StudyRecord("tb", id, Long.parseLong(r.get("ai")), Long.parseLong(r.get("n1i")),
                        Long.parseLong(r.get("ci")), Long.parseLong(r.get("n2i")), null, null,
                        Integer.valueOf(r.get("year")), Map.of("study_id", id), true, i + 1));
            }
        }
        return out;
    }

    @TestFactory
    List<DynamicTest> cumulativeStepsWithTiedYearsEqualMetaforsCumul() throws IOException {
        Map<String, String> idOf = new LinkedHashMap<>();
        List<StudyRecord> studies = bcg(idOf);
        // the guard that keeps this test able to fail: the tied studies' ids sort against their input order
        assertTrue(idOf.get("Vandiviere et al").compareTo(idOf.get("Frimodt-Moller et al")) < 0);
        JsonNode expected = new ObjectMapper().readTree(Path.of("src/test/resources/reference/bcg.metafor.json").toFile());
        List<DynamicTest> tests = new ArrayList<>();
        for (String measure : List.of("RR", "OR", "RD")) {
            JsonNode steps = expected.get(measure + "/MH/CUMULATIVE");
            assertEquals(13, steps.size());
            tests.add(DynamicTest.dynamicTest(measure + " order", () -> {
                List<String> ours = AnalysisGridTest.cumulativeSubsets(studies);
                List<String> metafor = new ArrayList<>();
                steps.forEach(s -> metafor.add("cum:" + idOf.get(s.get("added").asText())));
                assertEquals(metafor, ours);
            }));
            for (int i = 0; i < steps.size(); i++) {
                JsonNode step = steps.get(i);
                int k = i + 1;
                String id = idOf.get(step.get("added").asText());
                tests.add(DynamicTest.dynamicTest(measure + " step " + k + " " + id, () -> {
                    AnalysisSpec spec = new AnalysisSpec("all", "tb", EffectMeasure.parse(measure), PoolingMethod.MH,
                            CiMethod.WALD_Z, PredictionInterval.DEFAULT, ZeroCellRule.DEFAULT, Subset.cumulativeThrough(id));
                    AnalysisResult r = AnalysisRunner.run(spec, POOLS, studies);
                    assertEquals("ok", r.pooled().status());
                    assertEquals(k, r.studiesInSubset(), "studies added so far");
                    assertEquals(step.get("k").asInt(), r.pooled().k(), "k");
                    assertEquals("year", r.cumulativeOrder());
                    near("estimate", step, r.pooled().estimate());
                    near("ci_low", step, r.pooled().ciLowNatural());
                    near("ci_high", step, r.pooled().ciHighNatural());
                    near("log_estimate", step, r.pooled().theta());
                    near("se", step, r.pooled().se());
                    near("p_value", step, r.pooled().pValue());
                }));
            }
        }
        return tests;
    }

    @Test
    void withoutYearsStudiesAreAddedInInputOrderAndTheRowSaysSo() {
        List<StudyRecord> studies = List.of(
                new StudyRecord("o", "b", 1, 10, 2, 10, null, null, null, Map.of(), true, 1),
                new StudyRecord("o", "c", 1, 10, 2, 10, null, null, null, Map.of(), true, 2),
                new StudyRecord("o", "a", 1, 10, 2, 10, null, null, null, Map.of(), true, 3));
        assertEquals(List.of("cum:b", "cum:c", "cum:a"), AnalysisGridTest.cumulativeSubsets(studies));
        AnalysisResult r = AnalysisRunner.run(new AnalysisSpec("all", "o", EffectMeasure.RR, PoolingMethod.MH,
                CiMethod.WALD_Z, PredictionInterval.DEFAULT, ZeroCellRule.DEFAULT, Subset.cumulativeThrough("c")), POOLS, studies);
        assertEquals(2, r.studiesInSubset());
        assertEquals("input order (no year)", r.cumulativeOrder());
        int column = AnalysisResult.COLUMNS.stream().map(ResultColumn::name).toList().indexOf("cumulative_order");
        assertEquals("input order (no year)", r.values()[column]);
        AnalysisResult all = AnalysisRunner.run(new AnalysisSpec("all", "o", EffectMeasure.RR, PoolingMethod.MH,
                CiMethod.WALD_Z, PredictionInterval.DEFAULT, ZeroCellRule.DEFAULT, Subset.ALL), POOLS, studies);
        assertNull(all.values()[column], "only cumulative rows say how studies were added");
        // some years: dated studies first by year, undated ones last in input order
        List<StudyRecord> mixed = List.of(studies.get(0), studies.get(1),
                new StudyRecord("o", "z", 1, 10, 2, 10, null, null, 2001, Map.of(), true, 4));
        assertEquals(List.of("cum:z", "cum:b", "cum:c"), AnalysisGridTest.cumulativeSubsets(mixed));
        assertEquals("year, then input order (studies without a year last)", Subset.cumulativeOrder(mixed));
        assertNotEquals("year", Subset.cumulativeOrder(mixed));
    }

    private static void near(String field, JsonNode step, double actual) {
        double expected = step.get(field).asDouble();
        double diff = Math.abs(actual - expected);
        if (!(diff <= 1e-6 * Math.abs(expected) || (Math.abs(expected) < 1e-9 && diff <= 1e-9))) {
            fail(field + ": metafor " + expected + ", ours " + actual);
        }
    }
}
