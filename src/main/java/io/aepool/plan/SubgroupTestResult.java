package io.aepool.plan;

import io.aepool.stats.PooledEstimate;
import io.aepool.stats.SubgroupTest;
import io.aepool.stats.SubgroupTests;

import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/** One row of subgroup_tests: the test for differences between the subgroups of one variable. */
public record SubgroupTestResult(AnalysisSpec base, String variable, SubgroupTest test) {

    public static final List<ResultColumn> COLUMNS = List.of(
            ResultColumn.text("pool"), ResultColumn.text("outcome"), ResultColumn.text("measure"),
            ResultColumn.text("method"), ResultColumn.text("ci_method"), ResultColumn.text("zero_rule"),
            ResultColumn.text("variable"), ResultColumn.integer("groups"), ResultColumn.number("q_between"),
            ResultColumn.integer("df"), ResultColumn.number("p_value"), ResultColumn.text("status"));

    public Object[] values() {
        return new Object[]{base.pool(), base.outcome(), base.measure().name(), base.method().name(),
                base.ciMethod().label(), base.zeroRule().label(), variable, test.groups(),
                num(test.qBetween()), test.df(), num(test.pValue()), test.status()};
    }

    private static Double num(double d) {
        return Double.isNaN(d) || Double.isInfinite(d) ? null : d;
    }

    /**
     * Pools each subgroup of {@code variable} with the base spec's method, then tests the differences.
     * Written once over the pooling interface: it is the same for every method.
     */
    public static SubgroupTestResult run(AnalysisSpec base, String variable, Map<String, Pool> pools,
                                         List<StudyRecord> studies) {
        Pool pool = pools.get(base.pool());
        TreeSet<String> values = new TreeSet<>();
        studies.stream().filter(s -> s.outcome().equals(base.outcome()) && pool.contains(s))
                .forEach(s -> values.add(String.valueOf(s.attribute(variable))));
        List<PooledEstimate> groups = values.stream()
                .map(v -> AnalysisRunner.run(base.withSubset(Subset.subgroup(variable, v)), pools, studies).pooled())
                .toList();
        return new SubgroupTestResult(base, variable, SubgroupTests.of(groups));
    }
}
