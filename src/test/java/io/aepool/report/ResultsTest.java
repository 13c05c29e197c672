package io.aepool.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the report reads of a results directory: the headline never shows an interval narrower than it should be. */
class ResultsTest {

    /** A copy of the fixture's whole-pool DL row as REML under an interval method, with its own interval. */
    private static Map<String, String> reml(Map<String, String> dl, String ci, String low, String high) {
        Map<String, String> r = new LinkedHashMap<>(dl);
        r.put("method", "REML");
        r.put("ci_method", ci);
        r.put("analysis_id", dl.get("analysis_id").replace("|DL|wald-z|", "|REML|" + ci + "|"));
        r.put("ci_low", low);
        r.put("ci_high", high);
        return r;
    }

    private static Path withHartungKnappRows(String name) throws IOException {
        Path dir = Fixture.copy(name);
        // the run's own REML rows make way for three with known intervals
        Fixture.rewrite(dir.resolve("analyses.csv"), r -> !r.get("method").equals("REML"), r -> r);
        Map<String, String> dl = Fixture.rows(dir.resolve("analyses.csv"), r -> r.get("analysis_id").equals(Fixture.DL)).get(0);
        // Q < k - 1: the untruncated interval is narrower than Wald's; the ad hoc one is not
        Fixture.append(dir.resolve("analyses.csv"), List.of(reml(dl, "hksj", "0.532", "0.717"),
                reml(dl, "hksj-adhoc", "0.381", "1.081"), reml(dl, "wald-z", "0.390", "1.070")));
        return dir;
    }

    @Test
    void theUntruncatedHartungKnappIntervalNeverReachesTheReport() throws IOException {
        Results r = Results.read(withHartungKnappRows("results-hksj"));
        assertTrue(r.analyses.stream().noneMatch(a -> a.is("ci_method", "hksj")));
        Table.Row random = r.randomAnalysis("synthetic-32", "serious_infection").orElseThrow();
        // REML with the ad hoc Hartung-Knapp interval, as the Cochrane Handbook v6.5 recommends
        assertEquals("REML", random.text("method"));
        assertEquals("hksj-adhoc", random.text("ci_method"));
        assertEquals(0.381, random.num("ci_low"), 0);
    }

    @Test
    void aPrimaryAskingForHartungKnappIsShownWithTheAdHocInterval() throws IOException {
        Path dir = withHartungKnappRows("results-hksj-primary");
        ObjectMapper json = new ObjectMapper();
        ObjectNode summary = (ObjectNode) json.readTree(dir.resolve("summary.json").toFile());
        ObjectNode primary = (ObjectNode) summary.get("primary");
        String id = Fixture.DL.replace("|DL|wald-z|", "|REML|hksj|");
        primary.put("analysis_id", id);
        primary.put("method", "REML");
        primary.put("ci_method", "hksj");
        json.writeValue(dir.resolve("summary.json").toFile(), summary);
        Results r = Results.read(dir);
        assertEquals("hksj-adhoc", r.primary.ciMethod());
        Table.Row shown = r.primaryLike("synthetic-32", "serious_infection").orElseThrow();
        assertEquals("hksj-adhoc", shown.text("ci_method"));
        assertEquals(1.081, shown.num("ci_high"), 0);
    }

    @Test
    void rowsOfRawCountMethodsMatchThePrimaryZeroRuleInTheirUncorrectedForm() {
        Results.Primary p = new Results.Primary("id", "p", "si", "RR", "DL", "wald-z", "t(k-2)", "tacc,drop00");
        assertTrue(p.zeroRuleOf(row("MH", "none,drop00")));
        assertTrue(p.zeroRuleOf(row("DL", "tacc,drop00")));
        assertTrue(!p.zeroRuleOf(row("MH", "none,keep00")));
        assertTrue(!p.zeroRuleOf(row("IV", "none,drop00")), "IV uncorrected is another analysis");
    }

    private static Table.Row row(String method, String zeroRule) {
        return new Table.Row(Map.of("method", method, "zero_rule", zeroRule));
    }
}
