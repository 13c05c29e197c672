package io.aepool.report;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A curve of a few hundred analyses is drawn whole; one of a 10,000-study pool is thinned by rank, and says so. */
class SpecificationCurvePlotTest {

    @Test
    void aShortListIsKeptWholeAndALongOneEvenlyByRankWithItsEndsAndTheReference() {
        List<Integer> ranks = IntStream.rangeClosed(1, 300).boxed().toList();
        assertSame(ranks, SpecificationCurvePlot.thin(ranks, 300, r -> false));
        List<Integer> many = IntStream.rangeClosed(1, 10_001).boxed().toList();
        List<Integer> thinned = SpecificationCurvePlot.thin(many, 101, r -> r == 4_242);
        assertEquals(102, thinned.size(), "101 evenly spaced ranks and the reference");
        assertEquals(1, thinned.get(0));
        assertEquals(10_001, thinned.get(thinned.size() - 1));
        assertTrue(thinned.contains(101) && thinned.contains(4_242) && thinned.contains(5_001), thinned.toString());
        for (int i = 1; i < thinned.size(); i++) {
            assertTrue(thinned.get(i) > thinned.get(i - 1), "rank order kept");
        }
    }

    @Test
    void aFigureOfTenThousandAnalysesDrawsAtMostItsLimitAndTheTitleSaysHowMany() {
        List<Table.Row> curve = new ArrayList<>();
        for (int rank = 1; rank <= 10_000; rank++) {
            double est = 0.5 + rank / 20_000.0;
            curve.add(new Table.Row(Map.ofEntries(Map.entry("pool", "p"), Map.entry("outcome", "si"),
                    Map.entry("measure", "RR"), Map.entry("rank", String.valueOf(rank)),
                    Map.entry("estimate", String.valueOf(est)), Map.entry("ci_low", String.valueOf(est * 0.6)),
                    Map.entry("ci_high", String.valueOf(est * 1.6)), Map.entry("flips", "false"),
                    Map.entry("reference", rank == 7_777 ? "true" : "false"), Map.entry("method", rank % 2 == 0 ? "MH" : "DL"),
                    Map.entry("ci_method", "wald-z"), Map.entry("prediction_interval", "t(k-2)"),
                    Map.entry("zero_rule", "none,drop00"), Map.entry("subset_kind", "loo"))));
        }
        SpecificationCurvePlot plot = SpecificationCurvePlot.of(curve, "p", "si", "RR").orElseThrow();
        // 1,500 evenly spaced ranks and the reference, 7,777, between two of them
        assertTrue(plot.items.size() <= SpecificationCurvePlot.MAX_DRAWN + 1, "drawn: " + plot.items.size());
        assertTrue(plot.items.stream().anyMatch(SpecificationCurvePlot.Item::reference), "the reference is drawn");
        assertTrue(plot.title().startsWith("Specification curve: 1,501 of 10,000 distinct analyses (evenly spaced by rank"),
                plot.title());
    }
}
