package io.aepool.plan;

import io.aepool.stats.BayesPrior;
import io.aepool.stats.CiMethod;
import io.aepool.stats.EffectMeasure;
import io.aepool.stats.PoolingMethod;
import io.aepool.stats.PredictionInterval;
import io.aepool.stats.ZeroCellRule;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The grid is the product of the conf's axes over each pool's studies, less meaningless combinations. */
class AnalysisGridTest {

    static StudyRecord study(String id, String condition, String evidence) {
        return new StudyRecord("si", id, 1, 100, 1, 100, null, null, 2020,
                Map.of("study_id", id, "condition", condition, "evidence", evidence));
    }

    static final List<StudyRecord> STUDIES = List.of(study("A", "psoriasis", "synthetic"),
            study("B", "psoriasis", "synthetic"), study("C", "vitiligo", "synthetic"), study("D", "vitiligo", "published"));

    @Test
    void everySubsetOfEveryPoolIsAnAnalysis() {
        Pool synthetic = new Pool("synthetic", Map.of("evidence", Set.of("synthetic")));
        GridAxes axes = GridAxes.of(List.of(synthetic, Pool.everything()), List.of(EffectMeasure.RR, EffectMeasure.OR),
                List.of(PoolingMethod.MH, PoolingMethod.DL), List.of(CiMethod.WALD_Z), List.of(ZeroCellRule.DEFAULT),
                true, List.of("condition"));
        List<AnalysisSpec> specs = AnalysisGrid.expand(axes, STUDIES);
        // synthetic: all + 3 loo + 2 subgroups = 6 subsets; everything: all + 4 loo + 2 subgroups = 7; × 2 measures × 2 methods
        assertEquals((6 + 7) * 4, specs.size());
        assertEquals(specs.size(), specs.stream().map(AnalysisSpec::id).distinct().count());
        assertTrue(specs.stream().anyMatch(s -> s.canonical().equals("synthetic|si|OR|DL|wald-z|t(k-2)|only0:0.5,drop00|loo:C")));
        assertTrue(specs.stream().noneMatch(s -> s.pool().equals("synthetic") && s.subset().label().equals("loo:D")));
    }

    @Test
    void theBayesianModelIsOneAnalysisPerSubsetWithItsCredibleAndPosteriorPredictiveIntervalsAndItsPriorInTheId() {
        BayesPrior prior = new BayesPrior(1, 4, 1.5);
        GridAxes axes = new GridAxes(List.of(Pool.everything()), List.of(EffectMeasure.RR, EffectMeasure.RD),
                List.of(PoolingMethod.BAYES, PoolingMethod.DL), List.of(CiMethod.WALD_Z, CiMethod.HKSJ),
                List.of(PredictionInterval.T_K_MINUS_2, PredictionInterval.Z), List.of(ZeroCellRule.DEFAULT), true, false,
                false, List.of(), false, List.of(), prior);
        List<AnalysisSpec> bayes = AnalysisGrid.expand(axes, STUDIES).stream()
                .filter(s -> s.method() == PoolingMethod.BAYES).toList();
        // RR only (the prior's scale is on the log scale of a ratio), all + 4 leave-one-out, one interval, one PI
        assertEquals(5, bayes.size());
        for (AnalysisSpec s : bayes) {
            assertEquals(EffectMeasure.RR, s.measure());
            assertEquals(CiMethod.CREDIBLE, s.ciMethod());
            assertEquals(PredictionInterval.POSTERIOR, s.predictionInterval());
            assertEquals(prior, s.prior());
            assertEquals(s, AnalysisSpec.parse(s.canonical()));
        }
        assertEquals("all|si|RR|BAYES[hn(1),n(0;4),>1.5]|credible|posterior|only0:0.5,drop00|all",
                bayes.get(0).canonical());
        // the other methods keep their ids and carry no prior
        assertTrue(AnalysisGrid.expand(axes, STUDIES).stream().filter(s -> s.method() == PoolingMethod.DL)
                .allMatch(s -> s.prior() == null && !s.canonical().contains("[")));
    }

    @Test
    void petoIsOnlyForOddsRatiosAndHartungKnappOnlyForRandomEffects() {
        GridAxes axes = GridAxes.of(List.of(Pool.everything()), List.of(EffectMeasure.RR, EffectMeasure.OR),
                List.of(PoolingMethod.PETO, PoolingMethod.MH, PoolingMethod.DL), List.of(CiMethod.WALD_Z, CiMethod.HKSJ),
                List.of(ZeroCellRule.DEFAULT), false, List.of());
        List<String> kept = AnalysisGrid.expand(axes, STUDIES).stream()
                .map(s -> s.measure() + "/" + s.method() + "/" + s.ciMethod().label()).toList();
        // the untruncated Hartung-Knapp interval always comes with its ad hoc form, which the headlines show
        assertEquals(List.of("RR/MH/wald-z", "RR/DL/wald-z", "RR/DL/hksj", "RR/DL/hksj-adhoc",
                "OR/PETO/wald-z", "OR/MH/wald-z", "OR/DL/wald-z", "OR/DL/hksj", "OR/DL/hksj-adhoc"), kept);
    }

    @Test
    void methodsPoolingRawCountsAreOneAnalysisPerDoubleZeroChoiceLabelledWithNoCorrection() {
        List<ZeroCellRule> rules = List.of(ZeroCellRule.DEFAULT, ZeroCellRule.parse("all:0.5,drop00"), ZeroCellRule.TACC,
                ZeroCellRule.parse("only0:0.5,keep00"));
        GridAxes axes = GridAxes.of(List.of(Pool.everything()), List.of(EffectMeasure.OR),
                List.of(PoolingMethod.MH, PoolingMethod.PETO, PoolingMethod.CMEL, PoolingMethod.DL),
                List.of(CiMethod.WALD_Z), rules, false, List.of());
        List<String> kept = AnalysisGrid.expand(axes, STUDIES).stream()
                .map(s -> s.method() + "/" + s.zeroRule().label()).toList();
        // the MH, Peto and exact estimates take no continuity correction: three rules that differ only there are one
        assertEquals(List.of("MH/none,drop00", "MH/none,keep00", "PETO/none,drop00", "PETO/none,keep00",
                "CMEL/none,drop00", "CMEL/none,keep00",
                "DL/only0:0.5,drop00", "DL/all:0.5,drop00", "DL/tacc,drop00", "DL/only0:0.5,keep00"), kept);
    }

    @Test
    void cumulativeAndLeaveSubgroupOutSubsetsFollowTheAxes() {
        GridAxes axes = new GridAxes(List.of(Pool.everything()), List.of(EffectMeasure.RR), List.of(PoolingMethod.MH),
                List.of(CiMethod.WALD_Z), List.of(PredictionInterval.DEFAULT), List.of(ZeroCellRule.DEFAULT),
                false, true, true, List.of("condition"), false, List.of());
        List<String> subsets = AnalysisGrid.expand(axes, STUDIES).stream().map(s -> s.subset().label()).toList();
        assertEquals(List.of("all", "subgroup:condition=psoriasis", "subgroup:condition=vitiligo",
                "lso:condition=psoriasis", "lso:condition=vitiligo", "cum:A", "cum:B", "cum:C", "cum:D"), subsets);
    }

    /** The cumulative subsets the grid makes of one outcome's studies (MH RR, pool everything), in grid order. */
    static List<String> cumulativeSubsets(List<StudyRecord> studies) {
        GridAxes axes = new GridAxes(List.of(Pool.everything()), List.of(EffectMeasure.RR), List.of(PoolingMethod.MH),
                List.of(CiMethod.WALD_Z), List.of(PredictionInterval.DEFAULT), List.of(ZeroCellRule.DEFAULT),
                false, true, false, List.of(), false, List.of());
        return AnalysisGrid.expand(axes, studies).stream().map(s -> s.subset().label()).filter(l -> l.startsWith("cum:"))
                .toList();
    }

    @Test
    void familyTablesRunOnTheirOwnBases() {
        GridAxes axes = GridAxes.of(List.of(Pool.everything()), List.of(EffectMeasure.RR),
                List.of(PoolingMethod.MH, PoolingMethod.DL), List.of(CiMethod.WALD_Z, CiMethod.HKSJ),
                List.of(ZeroCellRule.DEFAULT), true, List.of("condition"));
        List<AnalysisSpec> grid = AnalysisGrid.expand(axes, STUDIES);
        // whole-pool analyses: MH/wald-z, DL/wald-z, DL/hksj, DL/hksj-adhoc
        assertEquals(4, new SubgroupTestsTable(List.of("condition")).bases(grid).size());
        assertEquals(0, new SubgroupTestsTable(List.of()).bases(grid).size());
        // regression tests read the inverse-variance input once per pool, outcome, measure and zero rule
        List<AnalysisSpec> fe = new SmallStudyTestsTable().bases(grid);
        assertEquals(1, fe.size());
        assertEquals(PoolingMethod.IV, fe.get(0).method());
        // trim and fill needs an inverse-variance or random-effects model: DL with its three intervals
        assertEquals(3, new TrimAndFillTable().bases(grid).size());
        assertEquals(1, new InfluenceTable().bases(grid).size());
    }
}
