package io.aepool.stats;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** Each subgroup's pooled estimate (ordered by group label) and the test for differences between them. */
public record SubgroupAnalysis(Map<String, PooledEstimate> groups, SubgroupTest test) {

    public SubgroupAnalysis {
        groups = Collections.unmodifiableMap(new LinkedHashMap<>(groups));
    }
}
