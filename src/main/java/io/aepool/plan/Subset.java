package io.aepool.plan;

import java.io.Serializable;
import java.util.Comparator;
import java.util.List;

/**
 * Which studies of a pool an analysis uses: all ({@code all}), all but one ({@code loo:<id>}), one subgroup
 * ({@code subgroup:<variable>=<value>}), all but one subgroup ({@code lso:<variable>=<value>}) or the studies up
 * to and including one in order of year ({@code cum:<id>}, cumulative meta-analysis). The label is the stable
 * text written in results.
 */
public record Subset(Kind kind, String variable, String value) implements Serializable {

    public enum Kind { ALL, LOO, SUBGROUP, LEAVE_SUBGROUP_OUT, CUMULATIVE }

    /**
     * Cumulative order: by year (unknown years last); studies of the same year, or without one, in input order (their
     * row in the study tables), as metafor's {@code cumul(res, order = year)} keeps the data's order among ties (a
     * stable sort); the comparisons of one study (dose arms) by comparison id.
     */
    public static final Comparator<StudyRecord> CUMULATIVE_ORDER = Comparator
            .comparing(StudyRecord::year, Comparator.nullsLast(Comparator.naturalOrder()))
            .thenComparingLong(StudyRecord::inputOrder)
            .thenComparing(StudyRecord::comparisonId);

    /**
     * How a pool's cumulative analyses order their studies: {@code year} when every study has one, {@code input order
     * (no year)} when none has, else {@code year, then input order (studies without a year last)}.
     */
    public static String cumulativeOrder(List<StudyRecord> pool) {
        long dated = pool.stream().filter(s -> s.year() != null).count();
        if (dated == pool.size()) {
            return "year";
        }
        return dated == 0 ? "input order (no year)" : "year, then input order (studies without a year last)";
    }

    public static final Subset ALL = new Subset(Kind.ALL, null, null);

    public static Subset leaveOut(String comparisonId) {
        return new Subset(Kind.LOO, null, comparisonId);
    }

    public static Subset subgroup(String variable, String value) {
        return new Subset(Kind.SUBGROUP, variable, value);
    }

    public static Subset leaveSubgroupOut(String variable, String value) {
        return new Subset(Kind.LEAVE_SUBGROUP_OUT, variable, value);
    }

    public static Subset cumulativeThrough(String comparisonId) {
        return new Subset(Kind.CUMULATIVE, null, comparisonId);
    }

    public String label() {
        return switch (kind) {
            case ALL -> "all";
            case LOO -> "loo:" + value;
            case SUBGROUP -> "subgroup:" + variable + "=" + value;
            case LEAVE_SUBGROUP_OUT -> "lso:" + variable + "=" + value;
            case CUMULATIVE -> "cum:" + value;
        };
    }

    /** The kind as written in the results' {@code subset_kind} column. */
    public String kindLabel() {
        return switch (kind) {
            case ALL -> "all";
            case LOO -> "loo";
            case SUBGROUP -> "subgroup";
            case LEAVE_SUBGROUP_OUT -> "lso";
            case CUMULATIVE -> "cum";
        };
    }

    public static Subset parse(String label) {
        if (label.equals("all")) {
            return ALL;
        }
        if (label.startsWith("loo:")) {
            return leaveOut(label.substring(4));
        }
        if (label.startsWith("cum:")) {
            return cumulativeThrough(label.substring(4));
        }
        if (label.startsWith("subgroup:") && label.indexOf('=') > 9) {
            int eq = label.indexOf('=');
            return subgroup(label.substring(9, eq), label.substring(eq + 1));
        }
        if (label.startsWith("lso:") && label.indexOf('=') > 4) {
            int eq = label.indexOf('=');
            return leaveSubgroupOut(label.substring(4, eq), label.substring(eq + 1));
        }
        throw new IllegalArgumentException("unknown subset '" + label
                + "' (expected all, loo:<id>, subgroup:<var>=<value>, lso:<var>=<value> or cum:<id>)");
    }

    /** The studies of this subset, from the pool's studies of one outcome. */
    public List<StudyRecord> select(List<StudyRecord> pool) {
        return switch (kind) {
            case ALL -> pool;
            case LOO -> pool.stream().filter(s -> !s.comparisonId().equals(value)).toList();
            case SUBGROUP -> pool.stream().filter(s -> value.equals(String.valueOf(s.attribute(variable)))).toList();
            case LEAVE_SUBGROUP_OUT -> pool.stream().filter(s -> !value.equals(String.valueOf(s.attribute(variable)))).toList();
            case CUMULATIVE -> {
                List<StudyRecord> ordered = pool.stream().sorted(CUMULATIVE_ORDER).toList();
                int last = ordered.stream().map(StudyRecord::comparisonId).toList().indexOf(value);
                yield last < 0 ? List.of() : ordered.subList(0, last + 1);
            }
        };
    }
}
