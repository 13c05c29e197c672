package io.aepool.plan;

import io.aepool.stats.CiMethod;
import io.aepool.stats.EffectMeasure;
import io.aepool.stats.PoolingMethod;
import io.aepool.stats.ZeroCellRule;

import java.util.List;

/** The axes a job's conf declares; the grid is their product, less combinations that make no sense. */
public record GridAxes(List<Pool> pools, List<EffectMeasure> measures, List<PoolingMethod> methods,
                       List<CiMethod> ciMethods, List<ZeroCellRule> zeroRules, boolean leaveOneOut,
                       List<String> subgroupVariables) {

    public GridAxes {
        pools = List.copyOf(pools);
        measures = List.copyOf(measures);
        methods = List.copyOf(methods);
        ciMethods = List.copyOf(ciMethods);
        zeroRules = List.copyOf(zeroRules);
        subgroupVariables = List.copyOf(subgroupVariables);
        if (pools.isEmpty() || measures.isEmpty() || methods.isEmpty() || ciMethods.isEmpty() || zeroRules.isEmpty()) {
            throw new IllegalArgumentException("every grid axis (pools, measures, methods, ci_methods, zero_rules) needs at least one value");
        }
    }
}
