package io.aepool.plan;

import io.aepool.stats.CiMethod;
import io.aepool.stats.EffectMeasure;
import io.aepool.stats.PoolingMethod;
import io.aepool.stats.PredictionInterval;
import io.aepool.stats.Poolers;
import io.aepool.stats.ZeroCellRule;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * Expands the conf's axes into analysis specs: every pool × outcome × measure × method × interval ×
 * zero rule, each on all studies, on each leave-one-out subset and on each subgroup.
 * Combinations with no meaning are left out here, once: Peto is an odds ratio method,
 * Hartung–Knapp intervals belong to random-effects models, and pools holding registries take rate measures only.
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
                boolean registries = inPool.stream().anyMatch(AnalysisGrid::isRegistry);
                for (EffectMeasure measure : axes.measures()) {
                    if (registries && !measure.isRate()) {
                        continue;
                    }
                    for (PoolingMethod method : axes.methods()) {
                        for (CiMethod ci : ciMethods(axes, method)) {
                            if (!isMeaningful(measure, method, ci)) {
                                continue;
                            }
                            for (PredictionInterval pi : predictionIntervals(axes, method)) {
                                for (ZeroCellRule zero : zeroRules(axes, method)) {
                                    for (Subset subset : subsets) {
                                        specs.add(new AnalysisSpec(pool.name(), outcome, measure, method, ci, pi, zero,
                                                subset, axes.bayesPrior()));
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return specs;
    }

    /**
     * The interval methods of a method's analyses: the Bayesian model has one, its credible interval, whatever the
     * conf's {@code ci_methods} (which are frequentist); the others take the conf's.
     */
    static List<CiMethod> ciMethods(GridAxes axes, PoolingMethod method) {
        return method.isBayesian() ? List.of(CiMethod.CREDIBLE) : axes.ciMethods();
    }

    /** Likewise the prediction intervals: the Bayesian model's is its posterior predictive interval, once. */
    static List<PredictionInterval> predictionIntervals(GridAxes axes, PoolingMethod method) {
        return method.isBayesian() ? List.of(PredictionInterval.POSTERIOR)
                : axes.predictionIntervals().stream().filter(pi -> pi != PredictionInterval.POSTERIOR).toList();
    }

    /**
     * The zero rules a method's analyses differ by: all of them for methods on per-study effects; for methods that
     * pool raw counts only the distinct double-zero choices (their estimate takes no correction), so MH is not run
     * and reported three times under three rules that change nothing in it.
     */
    static List<ZeroCellRule> zeroRules(GridAxes axes, PoolingMethod method) {
        if (method.usesContinuityCorrection()) {
            return axes.zeroRules();
        }
        return new ArrayList<>(new java.util.LinkedHashSet<>(axes.zeroRules().stream().map(ZeroCellRule::withoutCorrection).toList()));
    }

    /** Name of the study attribute that says whether a comparison is a randomised trial or a registry. */
    public static final String DESIGN = "design";

    /**
     * Registry comparisons (design registry) enter only rate measures: their patients are followed for different
     * lengths of time, so only events per person-time compare across exposure groups and with trials.
     */
    public static boolean isRegistry(StudyRecord study) {
        return "registry".equals(study.attribute(DESIGN));
    }

    private static List<Subset> subsets(GridAxes axes, List<StudyRecord> inPool) {
        List<Subset> subsets = new ArrayList<>();
        subsets.add(Subset.ALL);
        if (axes.leaveOneOut() && inPool.size() > 1) {
            inPool.stream().map(StudyRecord::comparisonId).sorted().forEach(id -> subsets.add(Subset.leaveOut(id)));
        }
        for (String variable : axes.subgroupVariables()) {
            TreeSet<String> values = new TreeSet<>(inPool.stream().map(s -> String.valueOf(s.attribute(variable))).toList());
            if (variable.equals(DESIGN) && values.size() < 2) {
                continue; // design joins the subgroups for pools that mix designs; elsewhere it would repeat "all"
            }
            values.forEach(value -> subsets.add(Subset.subgroup(variable, value)));
            if (axes.leaveSubgroupOut() && values.size() > 1) {
                values.forEach(value -> subsets.add(Subset.leaveSubgroupOut(variable, value)));
            }
        }
        if (axes.cumulative()) {
            inPool.stream().sorted(Subset.CUMULATIVE_ORDER)
                    .forEach(s -> subsets.add(Subset.cumulativeThrough(s.comparisonId())));
        }
        return subsets;
    }

    /** The family tables the axes ask for; each runs over its own base analyses. */
    public static List<FamilyTable> familyTables(GridAxes axes) {
        return List.of(new SubgroupTestsTable(axes.subgroupVariables(), axes.subgroupCommonTau2()),
                new SubgroupCommonTau2Table(axes.subgroupVariables(), axes.subgroupCommonTau2()),
                new ForestTable(axes.subgroupVariables()), new SmallStudyTestsTable(), new TrimAndFillTable(),
                new FunnelTable(), new InfluenceTable(), new MetaRegressionTable(axes.metaRegressionCovariates()));
    }
}
