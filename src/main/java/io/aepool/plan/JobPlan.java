package io.aepool.plan;

import io.aepool.stats.BayesPrior;
import io.aepool.stats.CiMethod;
import io.aepool.stats.EffectMeasure;
import io.aepool.stats.PoolingMethod;
import io.aepool.stats.PredictionInterval;
import io.aepool.stats.ZeroCellRule;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a run computes, from the conf's choices and the study records: the pools (a pool mixing designs also runs
 * once per design), the grid's axes, the specs and the primary analysis. A value, built in one call: nothing is set
 * as a side effect for a later step to read.
 *
 * @param pools              by name, in the conf's order, each mixed-design pool followed by its per-design pools
 * @param primaryHksjReplaced the conf's primary asked for the untruncated Hartung–Knapp interval and runs with the
 *                           ad hoc one instead (the caller says so)
 */
public record JobPlan(Map<String, Pool> pools, GridAxes axes, List<AnalysisSpec> specs, AnalysisSpec primary,
                      boolean primaryHksjReplaced) {

    public JobPlan {
        pools = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(pools)); // the conf's order kept
        specs = List.copyOf(specs);
    }

    /** A pool as the conf declares it. */
    public record PoolDeclaration(String name, Map<String, Set<String>> where, boolean combineDesigns) {
    }

    /** The grid's axes other than pools, as the conf declares them (defaults already applied). */
    public record AxisChoices(List<EffectMeasure> measures, List<PoolingMethod> methods, List<CiMethod> ciMethods,
                              List<PredictionInterval> predictionIntervals, List<ZeroCellRule> zeroRules,
                              boolean leaveOneOut, boolean cumulative, boolean leaveSubgroupOut,
                              List<String> subgroupVariables, boolean subgroupCommonTau2,
                              List<String> metaRegressionCovariates, BayesPrior bayesPrior) {

        /** Choices without Bayesian priors of their own. */
        public AxisChoices(List<EffectMeasure> measures, List<PoolingMethod> methods, List<CiMethod> ciMethods,
                           List<PredictionInterval> predictionIntervals, List<ZeroCellRule> zeroRules,
                           boolean leaveOneOut, boolean cumulative, boolean leaveSubgroupOut,
                           List<String> subgroupVariables, boolean subgroupCommonTau2,
                           List<String> metaRegressionCovariates) {
            this(measures, methods, ciMethods, predictionIntervals, zeroRules, leaveOneOut, cumulative, leaveSubgroupOut,
                    subgroupVariables, subgroupCommonTau2, metaRegressionCovariates, BayesPrior.DEFAULT);
        }
    }

    /** The conf's primary analysis; a null part takes its default (first pool, outcome, measure, method; Wald). */
    public record PrimaryChoice(String pool, String outcome, EffectMeasure measure, PoolingMethod method,
                                CiMethod ciMethod) {
        public static final PrimaryChoice DEFAULTS = new PrimaryChoice(null, null, null, null, null);
    }

    /**
     * @param records the study records of the run (at least one)
     * @throws IllegalArgumentException naming the conf key ({@code pools}, {@code analysis...}, {@code primary...})
     *                                  when the conf does not fit the data
     */
    public static JobPlan of(List<PoolDeclaration> declared, AxisChoices choices, PrimaryChoice primary,
                             List<StudyRecord> records) {
        Map<String, Pool> pools = new LinkedHashMap<>();
        boolean mixedDesigns = false;
        for (PoolDeclaration p : declared) {
            mixedDesigns |= declare(pools, p, records);
        }
        GridAxes axes = axes(new ArrayList<>(pools.values()), choices, mixedDesigns);
        checkColumns(axes.subgroupVariables(), "analysis.subgroups", records);
        checkColumns(axes.metaRegressionCovariates(), "analysis.meta_regression", records);
        boolean hksj = primary.ciMethod() == CiMethod.HKSJ;
        return new JobPlan(pools, axes, AnalysisGrid.expand(axes, records), primary(primary, pools, axes, records), hksj);
    }

    /**
     * Adds the pool and, when its studies are of more than one design and it does not choose one, a pool per design:
     * designs are never silently mixed (the design subgroup and the per-design pools are reported beside it).
     *
     * @return whether the pool mixes designs
     */
    private static boolean declare(Map<String, Pool> pools, PoolDeclaration p, List<StudyRecord> records) {
        Pool pool;
        try {
            pool = new Pool(p.name(), p.where(), p.combineDesigns());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("pools: " + e.getMessage());
        }
        put(pools, pool);
        TreeSet<String> designs = new TreeSet<>(records.stream().filter(pool::contains)
                .map(r -> String.valueOf(r.attribute(AnalysisGrid.DESIGN))).toList());
        if (designs.size() < 2 || p.where().containsKey(AnalysisGrid.DESIGN)) {
            return false;
        }
        for (String design : designs) {
            Map<String, Set<String>> one = new LinkedHashMap<>(p.where());
            one.put(AnalysisGrid.DESIGN, Set.of(design));
            put(pools, new Pool(p.name() + "[" + design + "]", one));
        }
        return true;
    }

    private static void put(Map<String, Pool> pools, Pool pool) {
        if (pools.put(pool.name(), pool) != null) {
            throw new IllegalArgumentException("pools: pool name '" + pool.name() + "' is used twice");
        }
    }

    private static GridAxes axes(List<Pool> pools, AxisChoices c, boolean mixedDesigns) {
        List<String> subgroups = new ArrayList<>(c.subgroupVariables());
        if (mixedDesigns && !subgroups.contains(AnalysisGrid.DESIGN)) {
            subgroups.add(0, AnalysisGrid.DESIGN); // trials against registries: the test between designs
        }
        try {
            return new GridAxes(pools, c.measures(), c.methods(), c.ciMethods(), c.predictionIntervals(), c.zeroRules(),
                    c.leaveOneOut(), c.cumulative(), c.leaveSubgroupOut(), subgroups, c.subgroupCommonTau2(),
                    c.metaRegressionCovariates(), c.bayesPrior());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("analysis: " + e.getMessage());
        }
    }

    private static void checkColumns(List<String> variables, String key, List<StudyRecord> records) {
        for (String v : variables) {
            if (records.stream().allMatch(r -> r.attribute(v) == null)) {
                throw new IllegalArgumentException(key + ": '" + v + "' is not a column of the studies table");
            }
        }
    }

    private static AnalysisSpec primary(PrimaryChoice p, Map<String, Pool> pools, GridAxes axes,
                                        List<StudyRecord> records) {
        String pool = p.pool() != null ? p.pool() : pools.keySet().iterator().next();
        if (!pools.containsKey(pool)) {
            throw new IllegalArgumentException("primary.pool: unknown pool '" + pool + "' (pools: " + pools.keySet() + ")");
        }
        String outcome = p.outcome() != null ? p.outcome() : records.get(0).outcome();
        if (records.stream().noneMatch(r -> r.outcome().equals(outcome))) {
            throw new IllegalArgumentException("primary.outcome: unknown outcome '" + outcome + "' (outcomes in the data: "
                    + new TreeSet<>(records.stream().map(StudyRecord::outcome).toList()) + ")");
        }
        CiMethod ci = p.ciMethod() == null ? CiMethod.WALD_Z
                // the headline never shows an interval narrower than Wald's (metafor test = "adhoc")
                : p.ciMethod() == CiMethod.HKSJ ? CiMethod.HKSJ_ADHOC : p.ciMethod();
        PoolingMethod method = p.method() != null ? p.method() : axes.methods().get(0);
        if (method.isBayesian()) {
            ci = CiMethod.CREDIBLE; // the Bayesian model's one interval, whatever was asked
        }
        try {
            return new AnalysisSpec(pool, outcome, p.measure() != null ? p.measure() : axes.measures().get(0),
                    method, ci, AnalysisGrid.predictionIntervals(axes, method).get(0), axes.zeroRules().get(0),
                    Subset.ALL, axes.bayesPrior());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("primary: " + e.getMessage());
        }
    }

    /** Pools whose studies mix designs and that keep designs apart: each design alone, no estimate across them. */
    public List<String> designsKeptApart(List<StudyRecord> records) {
        return pools.values().stream().filter(pool -> !pool.combineDesigns()
                && AnalysisRunner.mixedDesigns(records.stream().filter(pool::contains).toList()) != null)
                .map(Pool::name).toList();
    }

    /** Pools holding a registry comparison: their counts are small-cell suppressed wherever they are shared. */
    public Set<String> registryPools(List<StudyRecord> records) {
        Set<String> out = new TreeSet<>();
        pools.values().forEach(p -> {
            if (records.stream().anyMatch(r -> p.contains(r) && AnalysisGrid.isRegistry(r))) {
                out.add(p.name());
            }
        });
        return out;
    }

    /** Comparison ids of the registry comparisons: withheld with their small counts wherever they are shared. */
    public Set<String> registryComparisons(List<StudyRecord> records) {
        return new TreeSet<>(records.stream().filter(AnalysisGrid::isRegistry).map(StudyRecord::comparisonId).toList());
    }

    /** The zero rule the conf lists first: methods pooling raw counts show their per-study-effect siblings at it. */
    public ZeroCellRule configuredZeroRule() {
        return axes.zeroRules().get(0);
    }
}
