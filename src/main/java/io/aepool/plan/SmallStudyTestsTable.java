package io.aepool.plan;

import io.aepool.stats.BeggTest;
import io.aepool.stats.EffectMeasure;
import io.aepool.stats.EggerTest;
import io.aepool.stats.HarbordTest;
import io.aepool.stats.PetersTest;
import io.aepool.stats.SmallStudyTests;
import io.aepool.stats.StudyCounts;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.aepool.plan.FamilyTable.num;

/**
 * Small-study effects on the inverse-variance fixed-effect input of each pool, outcome and measure:
 * Egger's regression test, Begg's rank correlation, Peters' test (binary measures) and Harbord's score test
 * (odds ratio). Egger's {@code slope} (per unit of standard error, analysis scale) with {@code limit_estimate}
 * gives the regression line a funnel plot draws. {@code few_studies} flags k < 10, where the tests
 * are too weak to interpret (Sterne et al. 2011); k < 3 is not estimable.
 */
public record SmallStudyTestsTable() implements FamilyTable.OnFixedEffectInputs {

    @Override
    public String name() {
        return "small_study_tests";
    }

    @Override
    public List<ResultColumn> valueColumns() {
        return List.of(ResultColumn.text("test"), ResultColumn.integer("k"), ResultColumn.text("statistic_name"),
                ResultColumn.number("statistic"), ResultColumn.integer("df"), ResultColumn.number("p_value"),
                ResultColumn.number("limit_estimate"), ResultColumn.number("slope"), ResultColumn.text("few_studies"),
                ResultColumn.text("status"));
    }

    @Override
    public List<Object[]> rows(AnalysisSpec base, Map<String, Pool> pools, List<StudyRecord> studies) {
        List<StudyCounts> counts = AnalysisRunner.counts(base, pools, studies);
        EggerTest egger = SmallStudyTests.egger(counts, base.measure(), base.effectsZeroRule());
        BeggTest begg = SmallStudyTests.begg(counts, base.measure(), base.effectsZeroRule());
        List<Object[]> rows = new ArrayList<>(List.of(
                new Object[]{"egger", egger.k(), "t", num(egger.t()), egger.isOk() ? egger.df() : null, num(egger.pValue()),
                        num(base.measure().toNatural(egger.limitEstimate())), num(egger.slope()),
                        String.valueOf(egger.fewerThanTenStudies()), egger.status()},
                new Object[]{"begg", begg.k(), "kendall_tau", num(begg.kendallTau()), null, num(begg.pValue()), null, null,
                        String.valueOf(begg.fewerThanTenStudies()), begg.status()}));
        if (!base.measure().isRate()) {
            PetersTest peters = SmallStudyTests.peters(counts, base.measure(), base.effectsZeroRule());
            rows.add(new Object[]{"peters", peters.k(), "t", num(peters.t()), peters.isOk() ? peters.df() : null,
                    num(peters.pValue()), num(base.measure().toNatural(peters.limitEstimate())), null,
                    String.valueOf(peters.fewerThanTenStudies()), peters.status()});
        }
        if (base.measure() == EffectMeasure.OR) {
            HarbordTest harbord = SmallStudyTests.harbord(counts);
            rows.add(new Object[]{"harbord", harbord.k(), "t", num(harbord.t()), harbord.isOk() ? harbord.df() : null,
                    num(harbord.pValue()), null, null, String.valueOf(harbord.fewerThanTenStudies()), harbord.status()});
        }
        return rows;
    }
}
