package io.aepool.plan;

import io.aepool.stats.PooledEstimate;
import io.aepool.stats.SubgroupTest;
import io.aepool.stats.SubgroupTests;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import static io.aepool.plan.FamilyTable.num;

/**
 * Test for subgroup differences per whole-pool analysis and subgroup variable: each subgroup pooled with
 * the analysis's own method (each with its own tau² for random effects), then Q-between on G − 1 df.
 */
public record SubgroupTestsTable(List<String> variables) implements FamilyTable {

    public SubgroupTestsTable {
        variables = List.copyOf(variables);
    }

    @Override
    public String name() {
        return "subgroup_tests";
    }

    @Override
    public List<ResultColumn> valueColumns() {
        return List.of(ResultColumn.text("variable"), ResultColumn.integer("groups"), ResultColumn.number("q_between"),
                ResultColumn.integer("df"), ResultColumn.number("p_value"), ResultColumn.text("status"));
    }

    @Override
    public List<AnalysisSpec> bases(List<AnalysisSpec> grid) {
        return variables.isEmpty() ? List.of() : FamilyTable.wholePool(grid);
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
            rows.add(new Object[]{variable, test.groups(), num(test.qBetween()), test.df(), num(test.pValue()), test.status()});
        }
        return rows;
    }
}
