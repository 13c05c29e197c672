package io.aepool.plan;

import io.aepool.plan.ChangeReport.AnalysisState;
import io.aepool.plan.ChangeReport.Change;
import io.aepool.plan.ChangeReport.Thresholds;
import io.aepool.stats.CiMethod;
import io.aepool.stats.EffectMeasure;
import io.aepool.stats.PoolingMethod;
import io.aepool.stats.PredictionInterval;
import io.aepool.stats.ZeroCellRule;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The nightly change report: what moved since the previous successful run, and which changes raise the alert. */
class ChangeReportTest {

    static final String RR_ALL = "p|si|RR|MH|all";
    static final String RR_LOO = "p|si|RR|MH|loo:S2";

    /** A whole-pool RR analysis of three studies: 0.64 [0.45, 0.91], I² 40%. */
    static final AnalysisState BEFORE = new AnalysisState(RR_ALL, "p", "si", "RR", "MH", "all",
            studies("S1", "S2", "S3"), 3, 12, 20, 0.64, 0.45, 0.91, 0.40, "ok");

    /** The same analysis after study S4 (1 event per arm) arrived: 0.80 [0.62, 1.03], I² 55%. */
    static final AnalysisState AFTER = new AnalysisState(RR_ALL, "p", "si", "RR", "MH", "all",
            studies("S1", "S2", "S3", "S4"), 4, 13, 21, 0.80, 0.62, 1.03, 0.55, "ok");

    static SortedSet<String> studies(String... ids) {
        return new TreeSet<>(List.of(ids));
    }

    static Change change(String id, String kind, String measure, String type, String detail, String previous,
                         String current, boolean flagged) {
        return new Change(id, "p", "si", measure, "MH", kind, type, detail, previous, current, flagged);
    }

    /** {@code s} with another estimate and interval. */
    static AnalysisState moved(AnalysisState s, Double estimate, Double low, Double high) {
        return new AnalysisState(s.analysisId(), s.pool(), s.outcome(), s.measure(), s.method(), s.subsetKind(),
                s.studies(), s.studyCount(), s.eventsExp(), s.eventsCtl(), estimate, low, high, s.i2(), s.status());
    }

    /** {@code s} under another analysis id. */
    static AnalysisState withId(AnalysisState s, String id) {
        return new AnalysisState(id, s.pool(), s.outcome(), s.measure(), s.method(), s.subsetKind(), s.studies(),
                s.studyCount(), s.eventsExp(), s.eventsCtl(), s.estimate(), s.ciLow(), s.ciHigh(), s.i2(), s.status());
    }

    static AnalysisState rd(String id, double estimate, double low, double high) {
        return new AnalysisState(id, "p", "si", "RD", "MH", "all", studies("S1", "S2"), 2, 5, 3, estimate, low, high,
                0.0, "ok");
    }

    static List<Change> compare(AnalysisState before, AnalysisState after) {
        return ChangeReport.compare(List.of(before), List.of(after), Thresholds.DEFAULTS);
    }

    @Test
    void aStudyArrivingCanMoveTheEstimateFlipSignificanceAndCrossTheHeterogeneityLine() {
        assertEquals(List.of(
                change(RR_ALL, "all", "RR", "estimate_moved", "0.64 -> 0.8 (+25.0%)", "0.64", "0.8", true),
                change(RR_ALL, "all", "RR", "events_added", "+1 exp, +1 ctl", "12 exp, 20 ctl", "13 exp, 21 ctl", false),
                change(RR_ALL, "all", "RR", "heterogeneity_crossed", "I² rose above 50%", "40%", "55%", true),
                change(RR_ALL, "all", "RR", "significance_flipped", "no longer significant: interval includes RR = 1",
                        "0.64 [0.45, 0.91]", "0.8 [0.62, 1.03]", true),
                change(RR_ALL, "all", "RR", "studies_added", "+1: S4", "3", "4", true)),
                compare(BEFORE, AFTER));
    }

    @Test
    void theReverseRunReportsTheOppositeChanges() {
        assertEquals(List.of(
                change(RR_ALL, "all", "RR", "estimate_moved", "0.8 -> 0.64 (-20.0%)", "0.8", "0.64", true),
                change(RR_ALL, "all", "RR", "events_removed", "-1 exp, -1 ctl", "13 exp, 21 ctl", "12 exp, 20 ctl", false),
                change(RR_ALL, "all", "RR", "heterogeneity_crossed", "I² fell to 50% or below", "55%", "40%", true),
                change(RR_ALL, "all", "RR", "significance_flipped", "became significant: interval excludes RR = 1",
                        "0.8 [0.62, 1.03]", "0.64 [0.45, 0.91]", true),
                change(RR_ALL, "all", "RR", "studies_dropped", "-1: S4", "4", "3", true)),
                compare(AFTER, BEFORE));
    }

    @Test
    void anUnchangedRunGivesNoRows() {
        assertEquals(List.of(), compare(BEFORE, BEFORE));
        assertEquals(List.of(), ChangeReport.compare(List.of(), List.of(), Thresholds.DEFAULTS));
    }

    @Test
    void analysesThatAppearDisappearOrChangeStatusAreReportedInIdOrder() {
        AnalysisState gone = new AnalysisState("a", "p", "si", "OR", "MH", "all", null, 2, 3, 4, 1.2, 0.5, 2.9, 0.0, "ok");
        AnalysisState failing = new AnalysisState("b", "p", "si", "OR", "MH", "all", null, 2, 0, 0, null, null, null,
                null, "not estimable: no events");
        AnalysisState arrived = new AnalysisState("c", "p", "si", "OR", "MH", "all", null, 3, 5, 4, 1.1, 0.4, 3.0, 0.1, "ok");
        List<Change> rows = ChangeReport.compare(List.of(moved(gone, 1.0, 0.3, 3.3), withId(gone, "b")),
                List.of(failing, arrived), Thresholds.DEFAULTS);
        assertEquals(List.of(
                change("a", "all", "OR", "dropped_analysis", "2 studies, ok", "1 [0.3, 3.3]", null, false),
                change("b", "all", "OR", "events_removed", "-3 exp, -4 ctl", "3 exp, 4 ctl", "0 exp, 0 ctl", false),
                change("b", "all", "OR", "status_changed", "ok -> not estimable: no events", "ok",
                        "not estimable: no events", false),
                change("c", "all", "OR", "new_analysis", "3 studies, ok", null, "1.1 [0.4, 3]", false)),
                rows);
    }

    @Test
    void exactlyTenPercentIsNotAMoveJustAboveIs() {
        AnalysisState one = moved(BEFORE, 1.0, 0.5, 2.0);
        assertEquals(List.of(), compare(one, moved(one, 1.1, 0.55, 2.2)));
        assertEquals(List.of(), compare(moved(one, 0.5, 0.25, 2.0), moved(one, 0.55, 0.25, 2.0)));
        List<Change> above = compare(one, moved(one, 1.102, 0.55, 2.2));
        assertEquals(List.of(change(RR_ALL, "all", "RR", "estimate_moved", "1 -> 1.102 (+10.2%)", "1", "1.102", true)), above);
    }

    @Test
    void theRatioLimitIsSymmetricOnTheLogScale() {
        AnalysisState one = moved(BEFORE, 1.1, 0.5, 2.0);
        // 1.1 -> 1.0 undoes a 10% rise: not a move
        assertEquals(List.of(), compare(one, moved(one, 1.0, 0.5, 2.0)));
        // a 10% fall is beyond the limit: |ln 0.9| > ln 1.1 (the downward limit is 1/1.1, a fall of 9.09%)
        assertEquals(List.of("estimate_moved"),
                compare(moved(one, 0.5, 0.2, 2.0), moved(one, 0.45, 0.2, 2.0)).stream().map(Change::change).toList());
    }

    @Test
    void differenceMeasuresUseTheAbsoluteThresholdAndTheNullZero() {
        assertEquals(List.of(), compare(rd("d", 0.010, -0.002, 0.02), rd("d", 0.015, -0.002, 0.03)));
        assertEquals(List.of(
                change("d", "all", "RD", "estimate_moved", "0.01 -> 0.0151 (+0.0051)", "0.01", "0.0151", true),
                change("d", "all", "RD", "significance_flipped", "became significant: interval excludes RD = 0",
                        "0.01 [-0.002, 0.02]", "0.0151 [0.001, 0.03]", true)),
                compare(rd("d", 0.010, -0.002, 0.02), rd("d", 0.0151, 0.001, 0.03)));
        // the same absolute move of a ratio is far below its relative limit
        assertEquals(List.of(), compare(moved(BEFORE, 1.0, 0.5, 2.0), moved(BEFORE, 1.0051, 0.5, 2.0)));
    }

    @Test
    void onlyWholePoolAnalysesRaiseTheAlertByDefault() {
        AnalysisState looBefore = new AnalysisState(RR_LOO, "p", "si", "RR", "MH", "loo", studies("S1", "S3"), 2, 8, 14,
                0.64, 0.45, 0.91, 0.40, "ok");
        AnalysisState looAfter = moved(looBefore, 0.80, 0.62, 1.03);
        List<Change> rows = ChangeReport.compare(List.of(moved(BEFORE, 0.64, 0.45, 0.91), looBefore),
                List.of(moved(BEFORE, 0.80, 0.62, 1.03), looAfter), Thresholds.DEFAULTS);
        assertEquals(List.of(
                change(RR_ALL, "all", "RR", "estimate_moved", "0.64 -> 0.8 (+25.0%)", "0.64", "0.8", true),
                change(RR_ALL, "all", "RR", "significance_flipped", "no longer significant: interval includes RR = 1",
                        "0.64 [0.45, 0.91]", "0.8 [0.62, 1.03]", true),
                change(RR_LOO, "loo", "RR", "estimate_moved", "0.64 -> 0.8 (+25.0%)", "0.64", "0.8", false),
                change(RR_LOO, "loo", "RR", "significance_flipped", "no longer significant: interval includes RR = 1",
                        "0.64 [0.45, 0.91]", "0.8 [0.62, 1.03]", false)),
                rows);
        Thresholds everyKind = new Thresholds(0.10, 0.005, 50, Set.of("estimate_moved"), Set.of("all", "loo"));
        assertEquals(List.of(true, false, true, false),
                ChangeReport.compare(List.of(moved(BEFORE, 0.64, 0.45, 0.91), looBefore),
                        List.of(moved(BEFORE, 0.80, 0.62, 1.03), looAfter), everyKind).stream().map(Change::flagged).toList());
    }

    @Test
    void withoutMembershipStudiesAreComparedByCount() {
        AnalysisState before = new AnalysisState("x", "p", "si", "RR", "MH", "all", null, 5, 10, 10, 1.0, 0.5, 2.0, 0.2, "ok");
        AnalysisState after = new AnalysisState("x", "p", "si", "RR", "MH", "all", studies("S1", "S2", "S3", "S4"), 4,
                10, 10, 1.0, 0.5, 2.0, 0.2, "ok");
        assertEquals(List.of(change("x", "all", "RR", "studies_dropped", "-1 (membership unknown)", "5", "4", true)),
                compare(before, after));
    }

    @Test
    void membershipSwapsReportBothTheAddedAndTheDroppedStudies() {
        AnalysisState swapped = new AnalysisState(RR_ALL, "p", "si", "RR", "MH", "all", studies("S1", "S3", "S5", "S6"), 4,
                12, 20, 0.64, 0.45, 0.91, 0.40, "ok");
        assertEquals(List.of(
                change(RR_ALL, "all", "RR", "studies_added", "+2: S5, S6", "3", "4", true),
                change(RR_ALL, "all", "RR", "studies_dropped", "-1: S2", "3", "4", true)),
                compare(BEFORE, swapped));
    }

    @Test
    void eventsMovedBetweenArmsAreACorrection() {
        AnalysisState corrected = new AnalysisState(RR_ALL, "p", "si", "RR", "MH", "all", studies("S1", "S2", "S3"), 3,
                13, 19, 0.64, 0.45, 0.91, 0.40, "ok");
        assertEquals(List.of(change(RR_ALL, "all", "RR", "events_removed", "+1 exp, -1 ctl", "12 exp, 20 ctl",
                "13 exp, 19 ctl", false)), compare(BEFORE, corrected));
    }

    @Test
    void summaryCountsRowsPerChangeAndListsTheFirstTwentyFlaggedRows() {
        List<AnalysisState> arrived = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            arrived.add(withId(AFTER, String.format("n%02d", i)));
        }
        Thresholds alertOnNew = new Thresholds(0.10, 0.005, 50, Set.of("new_analysis"), Set.of("all"));
        List<Change> rows = new ArrayList<>(ChangeReport.compare(List.of(BEFORE), List.of(AFTER), alertOnNew));
        rows.addAll(ChangeReport.compare(List.of(), arrived, alertOnNew));
        Map<String, Object> s = ChangeReport.summary(rows);
        assertEquals(List.of("rows", "flagged", "by_change", "flagged_changes"), List.copyOf(s.keySet()));
        assertEquals(30, s.get("rows"));
        assertEquals(25, s.get("flagged"));
        assertEquals(Map.of("estimate_moved", 1L, "events_added", 1L, "heterogeneity_crossed", 1L, "new_analysis", 25L,
                "significance_flipped", 1L, "studies_added", 1L), s.get("by_change"));
        assertEquals(List.of("estimate_moved", "events_added", "heterogeneity_crossed", "new_analysis",
                "significance_flipped", "studies_added"), List.copyOf(((Map<?, ?>) s.get("by_change")).keySet()));
        List<?> listed = (List<?>) s.get("flagged_changes");
        assertEquals(20, listed.size());
        assertEquals(Map.of("analysis_id", "n00", "change", "new_analysis", "detail", "4 studies, ok"), listed.get(0));
        assertEquals(Map.of("analysis_id", "n19", "change", "new_analysis", "detail", "4 studies, ok"), listed.get(19));
    }

    @Test
    void rowsFollowTheColumns() {
        Change c = change(RR_ALL, "all", "RR", "studies_added", "+1: S4", "3", "4", true);
        assertEquals(List.of("analysis_id", "pool", "outcome", "measure", "method", "subset_kind", "change", "detail",
                "previous", "current", "flagged"), Change.COLUMNS.stream().map(ResultColumn::name).toList());
        assertArrayEquals(new Object[]{RR_ALL, "p", "si", "RR", "MH", "all", "studies_added", "+1: S4", "3", "4", true},
                c.values());
    }

    @Test
    void membershipIsTheOutcomesRecordsInThePoolSelectedByTheSubset() {
        Pool diabetes = new Pool("dm", Map.of("condition", Set.of("diabetes")));
        List<StudyRecord> records = List.of(
                record("si", "S1", "diabetes"), record("si", "S2", "diabetes"), record("si", "S3", "diabetes"),
                record("si", "S9", "asthma"), record("mace", "S1", "diabetes"));
        AnalysisSpec all = new AnalysisSpec("dm", "si", EffectMeasure.RR, PoolingMethod.MH, CiMethod.WALD_Z,
                PredictionInterval.DEFAULT, ZeroCellRule.DEFAULT, Subset.ALL);
        assertEquals(studies("S1", "S2", "S3"), ChangeReport.membership(all, diabetes, records));
        assertEquals(studies("S1", "S3"), ChangeReport.membership(all.withSubset(Subset.leaveOut("S2")), diabetes, records));
        assertThrows(IllegalArgumentException.class, () -> ChangeReport.membership(all, Pool.everything(), records));
    }

    @Test
    void thresholdsRejectUnknownChangeTypesAndDuplicateIdsAreRejected() {
        assertThrows(IllegalArgumentException.class,
                () -> new Thresholds(0.10, 0.005, 50, Set.of("estimate_move"), Set.of("all")));
        assertThrows(IllegalArgumentException.class, () -> new Thresholds(-0.1, 0.005, 50, Set.of(), Set.of("all")));
        assertThrows(IllegalArgumentException.class,
                () -> ChangeReport.compare(List.of(BEFORE, BEFORE), List.of(), Thresholds.DEFAULTS));
        assertTrue(Thresholds.DEFAULTS.alertSubsetKinds().contains(Subset.ALL.kindLabel()));
    }

    static StudyRecord record(String outcome, String id, String condition) {
        return new StudyRecord(outcome, id, 1, 10, 1, 10, null, null, 2020, Map.of("condition", condition));
    }
}
