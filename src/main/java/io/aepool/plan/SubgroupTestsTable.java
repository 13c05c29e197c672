package io.aepool.plan;

import io.aepool.stats.MetaRegressionResult;
import io.aepool.stats.PooledEstimate;
import io.aepool.stats.SubgroupTest;
import io.aepool.stats.SubgroupTests;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import static io.aepool.plan.FamilyTable.num;

/**
 * Test for subgroup differences per whole-pool analysis and subgroup variable. {@code separate}: each
 * subgroup pooled with the analysis's own method (each with its own tau² for random effects), then Q-between
 * on G − 1 df (RevMan, metafor per-subgroup fits). {@code common} (random effects only, when asked): one tau²
 * shared by all subgroups, the test being QM of the mixed-effects meta-regression on the subgroup factor
 * (metafor {@code rma(yi, vi, mods = ~ factor(group))}, R meta {@code tau.common = TRUE}).
 */
public record SubgroupTestsTable(List<String> variables, boolean commonTau2) implements FamilyTable {

    public SubgroupTestsTable {
        variables = List.copyOf(variables);
    }

    public SubgroupTestsTable(List<String> variables) {
        this(variables, false);
    }

    @Override
    public boolean showsDesignsApart() {
        return true;
    }

    @Override
    public String name() {
        return "subgroup_tests";
    }

    @Override
    public List<ResultColumn> valueColumns() {
        return List.of(ResultColumn.text("variable"), ResultColumn.text("tau2_model"), ResultColumn.integer("groups"),
                ResultColumn.number("q_between"),
                ResultColumn.integer("df"), ResultColumn.number("p_value"), ResultColumn.text("status"));
    }

    @Override
    public List<AnalysisSpec> bases(List<AnalysisSpec> grid) {
        // Q-between compares frequentist estimates with their standard errors: not the Bayesian model's posteriors
        return variables.isEmpty() ? List.of()
                : FamilyTable.wholePool(grid).stream().filter(s -> !s.method().isBayesian()).toList();
    }

    @Override
    public List<Object[]> rows(AnalysisSpec base, Map<String, Pool> pools, List<StudyRecord> studies) {
        List<StudyRecord> inPool = AnalysisRunner.poolStudies(base, pools, studies);
        List<Object[]> rows = new ArrayList<>();
        for (String variable : variables) {
            TreeSet<String> values = new TreeSet<>();
            inPool.forEach(s -> values.add(String.valueOf(s.attribute(variable))));
            List<PooledEstimate> groups = values.stream()
                    .map(v -> AnalysisRunner.run(base.withSubset(Subset.subgroup(variable, v)), pools, studies).pooled())
                    .toList();
            SubgroupTest test = SubgroupTests.of(groups);
            rows.add(new Object[]{variable, "separate", test.groups(), num(test.qBetween()), test.df(), num(test.pValue()),
                    test.status()});
            if (commonTau2 && base.method().isRandomEffects()) {
                List<StudyRecord> chosen = base.subset().select(inPool);
                MetaRegressionResult r = SubgroupCommonTau2Table.commonTau2Model(base, chosen,
                        FamilyTable.levels(chosen, variable), variable);
                rows.add(new Object[]{variable, "common", r.qmDf() + 1, num(r.qm()), r.qmDf(), num(r.qmP()), r.status()});
            }
        }
        return rows;
    }
}
