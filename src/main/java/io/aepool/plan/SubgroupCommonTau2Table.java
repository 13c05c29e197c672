package io.aepool.plan;

import io.aepool.stats.CiMethod;
import io.aepool.stats.MetaRegression;
import io.aepool.stats.MetaRegressionResult;
import io.aepool.stats.PooledEstimate;
import io.aepool.stats.Poolers;
import io.aepool.stats.StudyCounts;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import static io.aepool.plan.FamilyTable.num;

/**
 * Per-subgroup estimates when the subgroups share one tau² (asked for with {@code subgroup_tau2: [common]}):
 * tau² from the mixed-effects model on the subgroup factor with the analysis's estimator, then each subgroup
 * pooled with weights 1/(v + tau²) (metafor {@code rma(yi, vi, mods = ~ factor(group) - 1)}; R meta
 * {@code tau.common = TRUE}). The separate-tau² estimates are the {@code subgroup:} rows of analyses.csv.
 */
public record SubgroupCommonTau2Table(List<String> variables, boolean enabled) implements FamilyTable {

    public SubgroupCommonTau2Table {
        variables = List.copyOf(variables);
    }

    @Override
    public String name() {
        return "subgroup_common_tau2";
    }

    @Override
    public List<ResultColumn> valueColumns() {
        return List.of(ResultColumn.text("variable"), ResultColumn.text("value"), ResultColumn.integer("k"),
                ResultColumn.number("estimate"), ResultColumn.number("ci_low"), ResultColumn.number("ci_high"),
                ResultColumn.number("log_estimate"), ResultColumn.number("se"), ResultColumn.number("p_value"),
                ResultColumn.number("tau2"), ResultColumn.text("status"));
    }

    @Override
    public List<AnalysisSpec> bases(List<AnalysisSpec> grid) {
        return !enabled || variables.isEmpty() ? List.of() : FamilyTable.wholePool(grid).stream()
                .filter(s -> s.method().isRandomEffects() && s.ciMethod() == CiMethod.WALD_Z).toList();
    }

    /** The mixed-effects model on the subgroup factor, with the base analysis's tau² estimator. */
    static MetaRegressionResult commonTau2Model(AnalysisSpec base, List<StudyRecord> chosen, Map<String, String> level,
                                                String variable) {
        return MetaRegression.categorical(chosen.stream().map(StudyRecord::counts).toList(), level::get, variable,
                base.measure(), base.method(), base.effectsZeroRule());
    }

    @Override
    public List<Object[]> rows(AnalysisSpec base, Map<String, Pool> pools, List<StudyRecord> studies) {
        List<StudyRecord> chosen = base.subset().select(AnalysisRunner.poolStudies(base, pools, studies));
        List<Object[]> rows = new ArrayList<>();
        for (String variable : variables) {
            Map<String, String> level = FamilyTable.levels(chosen, variable);
            MetaRegressionResult model = commonTau2Model(base, chosen, level, variable);
            for (String value : new TreeSet<>(level.values())) {
                List<StudyCounts> group = chosen.stream().filter(s -> value.equals(level.get(s.comparisonId())))
                        .map(StudyRecord::counts).toList();
                if (!model.status().equals(PooledEstimate.OK) || !(model.tau2() >= 0)) {
                    rows.add(new Object[]{variable, value, null, null, null, null, null, null, null, null,
                            "not estimable: common tau² model: " + model.status()});
                    continue;
                }
                PooledEstimate p = Poolers.givenTau2(base.measure(), base.method(), model.tau2(), base.effectsZeroRule()).pool(group);
                rows.add(new Object[]{variable, value, p.k(), num(p.estimate()), num(p.ciLowNatural()),
                        num(p.ciHighNatural()), num(p.theta()), num(p.se()), num(p.pValue()), num(model.tau2()), p.status()});
            }
        }
        return rows;
    }
}
