package io.aepool.plan;

import io.aepool.stats.CiMethod;
import io.aepool.stats.EffectMeasure;
import io.aepool.stats.Poolers;
import io.aepool.stats.PoolingMethod;
import io.aepool.stats.PredictionInterval;
import io.aepool.stats.ZeroCellRule;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A leave-one-out row run through the task's memo (the pool's sums minus one study) is the row of the plain run:
 * every text, count and total exactly, every number to 1e-10 relative; and for MH, IV and DL with the Wald-z
 * interval it really came from the sums, while everything else is run in full.
 */
class LeaveOneOutMemoTest {

    private static final double REL = 1e-10;

    // the BCG vaccine trials (metafor dat.bcg), a study with no events and one with a zero cell; whole person-years
    private static final int[][] BCG = {
            {4, 123, 11, 139}, {6, 306, 29, 303}, {3, 231, 11, 220}, {62, 13598, 248, 12867}, {33, 5069, 47, 5808},
            {180, 1541, 372, 1451}, {8, 2545, 10, 629}, {505, 88391, 499, 88391}, {29, 7499, 45, 7277},
            {17, 1716, 65, 1665}, {186, 50634, 141, 27338}, {5, 2498, 3, 2341}, {27, 16913, 29, 17854},
            {0, 40, 0, 41}, {0, 60, 3, 58}};

    private static List<StudyRecord> studies(double personYearsPerSubject, String... designs) {
        List<StudyRecord> out = new ArrayList<>();
        for (int i = 0; i < BCG.length; i++) {
            int[] r = BCG[i];
            String design = designs.length == 0 ? "rct" : designs[i % designs.length];
            out.add(new StudyRecord("tb", "S" + i, r[0], r[1], r[2], r[3], r[1] * personYearsPerSubject,
                    r[3] * personYearsPerSubject, 1950 + i, Map.of(AnalysisGrid.DESIGN, design), true, i));
        }
        return out;
    }

    private static List<AnalysisSpec> looSpecs(List<StudyRecord> studies, List<PoolingMethod> methods) {
        List<AnalysisSpec> specs = new ArrayList<>();
        for (EffectMeasure measure : EffectMeasure.values()) {
            for (PoolingMethod method : methods) {
                for (CiMethod ci : List.of(CiMethod.WALD_Z, CiMethod.HKSJ)) {
                    if (!Poolers.supports(measure, method, ci)) {
                        continue;
                    }
                    for (ZeroCellRule zero : List.of(ZeroCellRule.DEFAULT, ZeroCellRule.TACC)) {
                        for (StudyRecord s : studies) {
                            specs.add(new AnalysisSpec("all", "tb", measure, method, ci, PredictionInterval.DEFAULT, zero,
                                    Subset.leaveOut(s.comparisonId())));
                        }
                    }
                }
            }
        }
        return specs;
    }

    @Test
    void mhIvAndDlLeaveOneOutRowsComeFromTheSumsAndEqualThePlainRun() {
        List<StudyRecord> studies = studies(2.0);
        Map<String, Pool> pools = Map.of("all", Pool.everything());
        List<AnalysisSpec> specs = looSpecs(studies, List.of(PoolingMethod.MH, PoolingMethod.IV, PoolingMethod.DL));
        LeaveOneOutMemo memo = new LeaveOneOutMemo();
        long fast = 0;
        for (AnalysisSpec spec : specs) {
            assertSameRow(AnalysisRunner.run(spec, pools, studies), AnalysisRunner.run(spec, pools, studies, memo), spec);
            fast += spec.ciMethod() == CiMethod.WALD_Z ? 1 : 0;
        }
        assertEquals(fast, memo.fromSums(), "rows from the sums: every Wald-z spec");
        assertEquals(specs.size() - fast, memo.refits(), "HKSJ rows run in full");
    }

    @Test
    void fractionalPersonYearsAreSummedAsThePlainRunSumsThem() {
        Map<String, Pool> pools = Map.of("all", Pool.everything());
        // fractional person-years: a total minus one study is not exact in floating point, so the others are re-summed
        List<StudyRecord> fractional = studies(1.37);
        LeaveOneOutMemo memo = new LeaveOneOutMemo();
        for (AnalysisSpec spec : looSpecs(fractional, List.of(PoolingMethod.MH))) {
            AnalysisResult plain = AnalysisRunner.run(spec, pools, fractional);
            AnalysisResult fast = AnalysisRunner.run(spec, pools, fractional, memo);
            assertSameRow(plain, fast, spec);
            assertEquals(plain.personYearsExp(), fast.personYearsExp());
            assertEquals(plain.personYearsCtl(), fast.personYearsCtl());
        }
        assertEquals(0, memo.refits());
    }

    @Test
    void otherMethodsAreRunInFull() {
        List<StudyRecord> studies = studies(2.0);
        Map<String, Pool> pools = Map.of("all", Pool.everything());
        LeaveOneOutMemo memo = new LeaveOneOutMemo();
        List<AnalysisSpec> specs = looSpecs(studies, List.of(PoolingMethod.REML, PoolingMethod.PETO, PoolingMethod.PM));
        for (AnalysisSpec spec : specs) {
            assertEquals(AnalysisRunner.run(spec, pools, studies), AnalysisRunner.run(spec, pools, studies, memo));
        }
        assertEquals(0, memo.fromSums());
        assertEquals(specs.size(), memo.refits());
    }

    @Test
    void designsKeptApartAreWithheldAsInThePlainRunAndPooledOnceTheOtherDesignIsLeftOut() {
        List<StudyRecord> studies = new ArrayList<>(studies(2.0));
        studies.set(3, new StudyRecord("tb", "R", 62, 0, 248, 0, 27000.0, 25000.0, 1977,
                Map.of(AnalysisGrid.DESIGN, "registry"), false, 3));
        Map<String, Pool> pools = Map.of("all", new Pool("all", Map.of(), false));
        LeaveOneOutMemo memo = new LeaveOneOutMemo();
        for (AnalysisSpec spec : looSpecs(studies, List.of(PoolingMethod.MH, PoolingMethod.IV, PoolingMethod.DL))) {
            AnalysisResult plain = AnalysisRunner.run(spec, pools, studies);
            assertSameRow(plain, AnalysisRunner.run(spec, pools, studies, memo), spec);
        }
        assertTrue(memo.fromSums() > 0);
    }

    @Test
    void aPoolFilteredByAnAttributeKeepsItsOwnStudies() {
        List<StudyRecord> studies = studies(2.0, "rct", "registry");
        Map<String, Pool> pools = Map.of("all", new Pool("all", Map.of(AnalysisGrid.DESIGN, Set.of("rct")), true));
        LeaveOneOutMemo memo = new LeaveOneOutMemo();
        for (AnalysisSpec spec : looSpecs(studies, List.of(PoolingMethod.MH, PoolingMethod.DL))) {
            assertSameRow(AnalysisRunner.run(spec, pools, studies), AnalysisRunner.run(spec, pools, studies, memo), spec);
        }
        assertTrue(memo.fromSums() > 0);
    }

    private static void assertSameRow(AnalysisResult plain, AnalysisResult memo, AnalysisSpec spec) {
        Object[] expected = plain.values();
        Object[] actual = memo.values();
        for (int i = 0; i < expected.length; i++) {
            String where = spec.canonical() + " " + AnalysisResult.COLUMNS.get(i).name();
            if (expected[i] instanceof Double e && actual[i] instanceof Double a && e != 0) {
                assertEquals(e, a, REL * Math.abs(e), where);
            } else {
                assertEquals(expected[i], actual[i], where);
            }
        }
    }
}
