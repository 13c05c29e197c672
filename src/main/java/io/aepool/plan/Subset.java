package io.aepool.plan;

import java.io.Serializable;

/**
 * Which studies of a pool an analysis uses: all, all but one ({@code loo:<id>}), or one subgroup
 * ({@code subgroup:<variable>=<value>}). The label is the stable text written in results.
 */
public record Subset(Kind kind, String variable, String value) implements Serializable {

    public enum Kind { ALL, LOO, SUBGROUP }

    public static final Subset ALL = new Subset(Kind.ALL, null, null);

    public static Subset leaveOut(String comparisonId) {
        return new Subset(Kind.LOO, null, comparisonId);
    }

    public static Subset subgroup(String variable, String value) {
        return new Subset(Kind.SUBGROUP, variable, value);
    }

    public String label() {
        return switch (kind) {
            case ALL -> "all";
            case LOO -> "loo:" + value;
            case SUBGROUP -> "subgroup:" + variable + "=" + value;
        };
    }

    public static Subset parse(String label) {
        if (label.equals("all")) {
            return ALL;
        }
        if (label.startsWith("loo:")) {
            return leaveOut(label.substring(4));
        }
        if (label.startsWith("subgroup:") && label.indexOf('=') > 9) {
            int eq = label.indexOf('=');
            return subgroup(label.substring(9, eq), label.substring(eq + 1));
        }
        throw new IllegalArgumentException("unknown subset '" + label + "' (expected all, loo:<id> or subgroup:<var>=<value>)");
    }

    /** Whether a study of the pool belongs to this subset. */
    public boolean includes(StudyRecord study) {
        return switch (kind) {
            case ALL -> true;
            case LOO -> !study.comparisonId().equals(value);
            case SUBGROUP -> value.equals(String.valueOf(study.attribute(variable)));
        };
    }
}
