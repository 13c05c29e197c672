package io.aepool.plan;

import java.io.Serializable;

/** A test for subgroup differences to run: the whole-pool analysis it refines and the grouping variable. */
public record SubgroupTestSpec(AnalysisSpec base, String variable) implements Serializable {

    /** Canonical text: the base spec's, then the variable. */
    public String canonical() {
        return base.canonical() + "#" + variable;
    }

    public static SubgroupTestSpec parse(String canonical) {
        int hash = canonical.lastIndexOf('#');
        if (hash < 0) {
            throw new IllegalArgumentException("subgroup test spec '" + canonical + "' lacks '#<variable>'");
        }
        return new SubgroupTestSpec(AnalysisSpec.parse(canonical.substring(0, hash)), canonical.substring(hash + 1));
    }
}
