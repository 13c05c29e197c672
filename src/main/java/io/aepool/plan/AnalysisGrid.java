package io.aepool.plan;

import io.aepool.stats.CiMethod;
import io.aepool.stats.EffectMeasure;
import io.aepool.stats.PoolingMethod;
import io.aepool.stats.Poolers;
import io.aepool.stats.ZeroCellRule;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * Expands the conf's axes into analysis specs: every pool × outcome × measure × method × interval ×
 * zero rule, each on all studies, on each leave-one-out subset and on each subgroup.
 * Combinations with no meaning are left out here, once: Peto is an odds ratio method, and
 * Hartung–Knapp intervals belong to random-effects models.
 */
public final class AnalysisGrid {

    private AnalysisGrid() {
    }

    public static boolean isMeaningful(EffectMeasure measure, PoolingMethod method, CiMethod ci) {
        return Poolers.supports(measure, method, ci);
    }

    public static List<AnalysisSpec> expand(GridAxes axes, List<StudyRecord> studies) {
        List<AnalysisSpec> specs = new ArrayList<>();
        TreeSet<String> outcomes = new TreeSet<>();
        studies.forEach(s -> outcomes.add(s.outcome()));
        for (Pool pool : axes.pools()) {
            for (String outcome : outcomes) {
                List<StudyRecord> inPool = studies.stream()
                        .filter(s -> s.outcome().equals(outcome) && pool.contains(s)).toList();
                if (inPool.isEmpty()) {
                    continue;
                }
                List<Subset> subsets = subsets(axes, inPool);
                for (EffectMeasure measure : axes.measures()) {
                    for (PoolingMethod method : axes.methods()) {
                        for (CiMethod ci : axes.ciMethods()) {
                            if (!isMeaningful(measure, method, ci)) {
                                continue;
                            }
                            for (ZeroCellRule zero : axes.zeroRules()) {
                                for (Subset subset : subsets) {
                                    specs.add(new AnalysisSpec(pool.name(), outcome, measure, method, ci, zero, subset));
                                }
                            }
                        }
                    }
                }
            }
        }
        return specs;
    }

    private static List<Subset> subsets(GridAxes axes, List<StudyRecord> inPool) {
        List<Subset> subsets = new ArrayList<>();
        subsets.add(Subset.ALL);
        if (axes.leaveOneOut() && inPool.size() > 1) {
            inPool.stream().map(StudyRecord::comparisonId).sorted().forEach(id -> subsets.add(Subset.leaveOut(id)));
        }
        for (String variable : axes.subgroupVariables()) {
            new TreeSet<>(inPool.stream().map(s -> String.valueOf(s.attribute(variable))).toList())
                    .forEach(value -> subsets.add(Subset.subgroup(variable, value)));
        }
        return subsets;
    }

    /** One subgroup test per whole-pool analysis and subgroup variable. */
    public static List<SubgroupTestSpec> subgroupTests(GridAxes axes, List<AnalysisSpec> specs) {
        List<SubgroupTestSpec> tests = new ArrayList<>();
        for (AnalysisSpec spec : specs) {
            if (spec.subset().kind() == Subset.Kind.ALL) {
                axes.subgroupVariables().forEach(v -> tests.add(new SubgroupTestSpec(spec, v)));
            }
        }
        return tests;
    }
}
