package io.aepool.plan;

import io.aepool.stats.CiMethod;
import io.aepool.stats.EffectMeasure;
import io.aepool.stats.PooledEstimate;
import io.aepool.stats.Poolers;
import io.aepool.stats.PoolingMethod;
import io.aepool.stats.PredictionInterval;
import io.aepool.stats.StudyCounts;
import io.aepool.stats.ZeroCellRule;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A spec runs over exactly the studies of its pool, outcome and subset, and never throws for sparse data. */
class AnalysisRunnerTest {

    static StudyRecord study(String id, String outcome, long a, long n1, long c, long n2, Double py1, Double py2, String group) {
        return new StudyRecord(outcome, id, a, n1, c, n2, py1, py2, 2020, Map.of("study_id", id, "group", group));
    }

    static final List<StudyRecord> STUDIES = List.of(
            study("A", "si", 4, 100, 8, 100, 50.0, 52.0, "x"),
            study("B", "si", 2, 80, 5, 40, 40.0, 20.0, "x"),
            study("C", "si", 0, 60, 0, 60, 30.0, 30.0, "y"),
            study("D", "other", 9, 90, 1, 90, 45.0, 45.0, "y"));
    static final Map<String, Pool> POOLS = Map.of("all", Pool.everything());

    private static AnalysisSpec spec(EffectMeasure m, PoolingMethod method, Subset subset) {
        return new AnalysisSpec("all", "si", m, method, CiMethod.WALD_Z, PredictionInterval.DEFAULT, ZeroCellRule.DEFAULT, subset);
    }

    @Test
    void anMhAnalysisSaysItsEstimateTookNoCorrectionAndItsQUsesTheUsualHalf() {
        AnalysisSpec mh = new AnalysisSpec("all", "si", EffectMeasure.RR, PoolingMethod.MH, CiMethod.WALD_Z,
                PredictionInterval.DEFAULT, ZeroCellRule.parse("all:0.5,drop00"), Subset.ALL);
        AnalysisResult r = AnalysisRunner.run(mh, POOLS, STUDIES);
        assertEquals("none,drop00", r.values()[7], "zero_rule column");
        assertTrue(mh.id().contains("|none,drop00|"), mh.id());
        // metafor rma.mh(add = 1/2, to = "only0", drop00 = TRUE): the MH estimate on raw counts, Q on corrected effects
        List<StudyCounts> counts = STUDIES.stream().filter(s -> s.outcome().equals("si")).map(StudyRecord::counts).toList();
        PooledEstimate expected = Poolers.create(EffectMeasure.RR, PoolingMethod.MH, CiMethod.WALD_Z, ZeroCellRule.DEFAULT)
                .pool(counts);
        assertEquals(expected.theta(), r.pooled().theta(), 1e-15);
        assertEquals(expected.q(), r.pooled().q(), 1e-15);
        // the same MH under only0 and tacc is the same analysis: the same id
        assertEquals(mh.id(), new AnalysisSpec("all", "si", EffectMeasure.RR, PoolingMethod.MH, CiMethod.WALD_Z,
                PredictionInterval.DEFAULT, ZeroCellRule.TACC, Subset.ALL).id());
    }

    static StudyRecord designed(String id, String design, long a, long c) {
        return new StudyRecord("si", id, a, 100, c, 100, 50.0, 50.0, 2020, Map.of("study_id", id, "design", design));
    }

    static final List<StudyRecord> MIXED = List.of(designed("T1", "rct", 3, 5), designed("T2", "rct", 2, 4),
            designed("R1", "registry", 9, 6), designed("R2", "registry", 8, 5));

    private static AnalysisSpec irr(String pool, Subset subset) {
        return new AnalysisSpec(pool, "si", EffectMeasure.IRR, PoolingMethod.MH, CiMethod.WALD_Z,
                PredictionInterval.DEFAULT, ZeroCellRule.DEFAULT, subset);
    }

    @Test
    void studiesOfMoreThanOneDesignAreNotPooledUnlessThePoolSaysSo() {
        Map<String, Pool> pools = Map.of("apart", new Pool("apart", Map.of()),
                "together", new Pool("together", Map.of(), true));
        AnalysisResult apart = AnalysisRunner.run(irr("apart", Subset.ALL), pools, MIXED);
        assertTrue(apart.pooled().status().startsWith("not pooled: studies of more than one design (rct+registry)"),
                apart.pooled().status());
        int estimate = AnalysisResult.COLUMNS.stream().map(ResultColumn::name).toList().indexOf("estimate");
        assertNull(apart.values()[estimate]);
        assertEquals(4, apart.studiesInSubset(), "the totals still say what the pool holds");
        // a leave-one-out step still mixes designs; each design alone is pooled
        assertTrue(AnalysisRunner.run(irr("apart", Subset.leaveOut("T1")), pools, MIXED).pooled().status().startsWith("not pooled"));
        AnalysisResult trials = AnalysisRunner.run(irr("apart", Subset.subgroup("design", "rct")), pools, MIXED);
        assertTrue(trials.pooled().isOk());
        int flag = AnalysisResult.COLUMNS.stream().map(ResultColumn::name).toList().indexOf("designs_combined");
        assertNull(trials.values()[flag], "one design: nothing to flag");
        // combine_designs: true pools them and flags the row
        AnalysisResult together = AnalysisRunner.run(irr("together", Subset.ALL), pools, MIXED);
        assertTrue(together.pooled().isOk());
        assertEquals("rct+registry", together.values()[flag]);
    }

    @Test
    void familyTablesThatWouldPoolAcrossDesignsAreLeftOutWhileTheTestBetweenDesignsIsKept() {
        Map<String, Pool> pools = Map.of("apart", new Pool("apart", Map.of()));
        AnalysisSpec base = irr("apart", Subset.ALL).withMethod(PoolingMethod.IV, CiMethod.WALD_Z);
        assertTrue(new FunnelTable().keyedRows(base, pools, MIXED).isEmpty());
        assertTrue(new SmallStudyTestsTable().keyedRows(base, pools, MIXED).isEmpty());
        List<Object[]> tests = new SubgroupTestsTable(List.of("design"), false).keyedRows(base, pools, MIXED);
        assertEquals(1, tests.size());
        Object[] row = tests.get(0);
        assertEquals("ok", row[row.length - 1], "the test between designs is computed from each design's estimate");
    }

    @Test
    void theAssumedControlRiskIsTheMedianOfTheStudiesNotTheCrudePooledRisk() {
        AnalysisResult r = AnalysisRunner.run(spec(EffectMeasure.RR, PoolingMethod.MH, Subset.ALL), POOLS, STUDIES);
        List<String> names = AnalysisResult.COLUMNS.stream().map(ResultColumn::name).toList();
        // contributing studies A and B (C is double-zero, dropped by RR): control risks 8/100 and 5/40, median of the
        // two 0.1025 (the crude pooled risk is 13/200 = 0.065; with C the median would be 0.08)
        assertEquals((0.08 + 0.125) / 2, (Double) r.values()[names.indexOf("median_ctl_risk")], 1e-15);
        // control rates per 100 person-years 8/52 and 5/20
        assertEquals((100.0 * 8 / 52 + 100.0 * 5 / 20) / 2, (Double) r.values()[names.indexOf("median_ctl_rate_per_100py")], 1e-12);
        // a risk difference keeps the double-zero study: 0/60, 8/100, 5/40 has the median 0.08
        AnalysisResult rd = AnalysisRunner.run(spec(EffectMeasure.RD, PoolingMethod.MH, Subset.ALL), POOLS, STUDIES);
        assertEquals(0.08, (Double) rd.values()[names.indexOf("median_ctl_risk")], 1e-15);
        // a subgroup has its own (group x: A and B); leave-one-out steps have none (no summary of findings reads them)
        AnalysisResult x = AnalysisRunner.run(spec(EffectMeasure.RR, PoolingMethod.MH, Subset.subgroup("group", "x")), POOLS, STUDIES);
        assertEquals((0.08 + 0.125) / 2, (Double) x.values()[names.indexOf("median_ctl_risk")], 1e-15);
        AnalysisResult one = AnalysisRunner.run(spec(EffectMeasure.RR, PoolingMethod.MH, Subset.leaveOut("A")), POOLS, STUDIES);
        assertNull(one.values()[names.indexOf("median_ctl_risk")]);
    }

    @Test
    void leaveOneOutPoolsTheOtherStudiesOfTheOutcome() {
        AnalysisResult r = AnalysisRunner.run(spec(EffectMeasure.RR, PoolingMethod.MH, Subset.leaveOut("A")), POOLS, STUDIES);
        PooledEstimate direct = Poolers.create(EffectMeasure.RR, PoolingMethod.MH, CiMethod.WALD_Z, ZeroCellRule.DEFAULT)
                .pool(List.of(StudyCounts.binary("B", 2, 80, 5, 40), StudyCounts.binary("C", 0, 60, 0, 60)));
        assertEquals(2, r.studiesInSubset());
        assertEquals(1, r.pooled().k(), "the double-zero study C is dropped from a ratio measure");
        assertEquals(direct.theta(), r.pooled().theta(), 0);
        assertEquals(2 + 0, r.eventsExp());
        assertEquals(80 + 60, r.nExp());
    }

    @Test
    void aSubgroupUsesOnlyItsStudies() {
        AnalysisResult r = AnalysisRunner.run(spec(EffectMeasure.RD, PoolingMethod.IV, Subset.subgroup("group", "y")), POOLS, STUDIES);
        assertEquals(1, r.studiesInSubset());
        assertEquals(1, r.pooled().k(), "risk differences keep double-zero studies");
        assertEquals(0.0, r.pooled().theta(), 1e-15);
    }

    @Test
    void rateMeasuresNeedPersonTimeInEveryStudyAndSaySoOtherwise() {
        List<StudyRecord> withGap = List.of(STUDIES.get(0), study("E", "si", 1, 10, 2, 10, null, 5.0, "x"));
        AnalysisResult r = AnalysisRunner.run(spec(EffectMeasure.IRR, PoolingMethod.MH, Subset.ALL), POOLS, withGap);
        assertEquals("not estimable: person-time missing for E", r.pooled().status());
        assertNull(r.personYearsExp());
        Object[] values = r.values();
        int estimate = AnalysisResult.COLUMNS.stream().map(ResultColumn::name).toList().indexOf("estimate");
        assertNull(values[estimate], "a results row holds null, never NaN");
    }

    @Test
    void anEmptySubsetIsNotEstimableRatherThanAnError() {
        AnalysisResult r = AnalysisRunner.run(spec(EffectMeasure.OR, PoolingMethod.DL, Subset.subgroup("group", "z")), POOLS, STUDIES);
        assertTrue(r.pooled().status().startsWith("not estimable"), r.pooled().status());
        assertEquals(0, r.studiesInSubset());
    }

    @Test
    void personYearsAreSummedWhenEveryStudyHasThem() {
        AnalysisResult r = AnalysisRunner.run(spec(EffectMeasure.IRR, PoolingMethod.MH, Subset.ALL), POOLS, STUDIES);
        assertEquals(120.0, r.personYearsExp(), 1e-12);
        assertEquals(102.0, r.personYearsCtl(), 1e-12);
        assertTrue(r.pooled().isOk(), r.pooled().status());
    }

    @Test
    void cumulativeSubsetsAddStudiesInOrderOfYear() {
        List<StudyRecord> studies = List.of(
                new StudyRecord("si", "late", 1, 10, 2, 10, null, null, 2021, Map.of()),
                new StudyRecord("si", "early", 1, 10, 2, 10, null, null, 2001, Map.of()),
                new StudyRecord("si", "middle", 1, 10, 2, 10, null, null, 2011, Map.of()),
                new StudyRecord("si", "undated", 1, 10, 2, 10, null, null, null, Map.of()));
        assertEquals(List.of("early", "middle"), Subset.cumulativeThrough("middle").select(studies).stream()
                .map(StudyRecord::comparisonId).toList());
        assertEquals(4, Subset.cumulativeThrough("undated").select(studies).size(), "unknown years come last");
        assertEquals(List.of("late", "middle", "undated"), Subset.leaveOut("early").select(studies).stream()
                .map(StudyRecord::comparisonId).toList());
    }

    @Test
    void aStudyWithoutArmSizesEntersRateMeasuresOnlyAndBinaryAnalysesSayWhy() {
        // B gave events and person-years only (rate data as published): n unknown
        List<StudyRecord> studies = List.of(
                new StudyRecord("si", "A", 4, 100, 8, 100, 50.0, 52.0, 2020, Map.of("study_id", "A"), true, 1),
                new StudyRecord("si", "B", 2, 0, 5, 0, 40.0, 20.0, 2021, Map.of("study_id", "B"), false, 2));
        AnalysisResult rr = AnalysisRunner.run(spec(EffectMeasure.RR, PoolingMethod.MH, Subset.ALL), POOLS, studies);
        assertEquals("not estimable: no participant counts (study B)", rr.pooled().status());
        assertNull(rr.nExp(), "no partial total of arm sizes");
        assertNull(rr.nCtl());
        assertEquals(6, rr.eventsExp());
        AnalysisResult dl = AnalysisRunner.run(spec(EffectMeasure.OR, PoolingMethod.DL, Subset.leaveOut("A")), POOLS, studies);
        assertEquals("not estimable: no participant counts (study B)", dl.pooled().status());
        // without B the binary analysis runs as before
        AnalysisResult withoutB = AnalysisRunner.run(spec(EffectMeasure.RR, PoolingMethod.MH, Subset.leaveOut("B")), POOLS, studies);
        assertTrue(withoutB.pooled().isOk(), withoutB.pooled().status());
        assertEquals(100L, withoutB.nExp());
        AnalysisResult irr = AnalysisRunner.run(spec(EffectMeasure.IRR, PoolingMethod.MH, Subset.ALL), POOLS, studies);
        assertTrue(irr.pooled().isOk(), irr.pooled().status());
        assertEquals(2, irr.pooled().k());
        assertEquals(90.0, irr.personYearsExp(), 1e-12);
        // family tables of a binary measure have nothing to add to a not-estimable analysis (no silent drop of B)
        AnalysisSpec rrAll = spec(EffectMeasure.RR, PoolingMethod.IV, Subset.ALL);
        assertTrue(new FunnelTable().keyedRows(rrAll, POOLS, studies).isEmpty());
        assertEquals(2, new FunnelTable().keyedRows(spec(EffectMeasure.IRR, PoolingMethod.IV, Subset.ALL), POOLS, studies).size());
        // the forest shows B's arm sizes as unknown, not 0
        List<Object[]> forest = new ForestTable(List.of()).keyedRows(spec(EffectMeasure.IRR, PoolingMethod.MH, Subset.ALL),
                POOLS, studies);
        int nExp = ForestTable.KEY_COLUMNS.size() + 5;
        assertEquals(100L, forest.get(0)[nExp]);
        assertNull(forest.get(1)[nExp]);
    }
}
