package io.aepool.plan;

import io.aepool.stats.EffectSize;
import io.aepool.stats.PooledEstimate;
import io.aepool.stats.TrimAndFill;
import io.aepool.stats.TrimAndFillResult;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.aepool.plan.FamilyTable.num;

/**
 * Trim and fill (Duval & Tweedie 2000, L0 and R0 estimators, side chosen as metafor does) for every whole-pool
 * inverse-variance or random-effects analysis. One row for the adjusted estimate, then one row per filled
 * (imputed) study with its effect and standard error, so the funnel plot can draw them.
 */
public record TrimAndFillTable() implements FamilyTable {

    @Override
    public String name() {
        return "trim_and_fill";
    }

    @Override
    public List<ResultColumn> valueColumns() {
        return List.of(ResultColumn.text("estimator"), ResultColumn.text("row"), ResultColumn.text("side"), ResultColumn.integer("k0"),
                ResultColumn.integer("k"), ResultColumn.number("estimate"), ResultColumn.number("ci_low"),
                ResultColumn.number("ci_high"), ResultColumn.number("log_estimate"), ResultColumn.number("se"),
                ResultColumn.number("p_value"), ResultColumn.number("tau2"), ResultColumn.text("filled_study"),
                ResultColumn.text("few_studies"), ResultColumn.text("status"));
    }

    @Override
    public List<AnalysisSpec> bases(List<AnalysisSpec> grid) {
        return FamilyTable.wholePool(grid).stream().filter(s -> TrimAndFill.supports(s.method())).toList();
    }

    @Override
    public List<Object[]> rows(AnalysisSpec base, Map<String, Pool> pools, List<StudyRecord> studies) {
        List<Object[]> rows = new ArrayList<>();
        for (TrimAndFill.Estimator estimator : TrimAndFill.Estimator.values()) {
            TrimAndFillResult r = TrimAndFill.of(AnalysisRunner.counts(base, pools, studies), base.measure(), base.method(),
                    base.ciMethod(), base.effectsZeroRule(), null, estimator);
            PooledEstimate a = r.adjusted();
            String side = r.side() == null ? null : r.side().label();
            String few = String.valueOf(r.fewerThanTenStudies());
            rows.add(new Object[]{estimator.name(), "adjusted", side, r.k0() < 0 ? null : r.k0(), a.k(), num(a.estimate()),
                    num(a.ciLowNatural()), num(a.ciHighNatural()), num(a.theta()), num(a.se()), num(a.pValue()),
                    num(a.tau2()), null, few, r.status()});
            for (EffectSize f : r.filled()) {
                rows.add(new Object[]{estimator.name(), "filled", side, r.k0(), null, num(base.measure().toNatural(f.yi())),
                        null, null, num(f.yi()), num(Math.sqrt(f.vi())), null, null, f.studyId(), few, r.status()});
            }
        }
        return rows;
    }
}
