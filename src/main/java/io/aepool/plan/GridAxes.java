package io.aepool.plan;

import io.aepool.stats.BayesPrior;
import io.aepool.stats.CiMethod;
import io.aepool.stats.EffectMeasure;
import io.aepool.stats.PoolingMethod;
import io.aepool.stats.PredictionInterval;
import io.aepool.stats.ZeroCellRule;

import java.util.List;

/** The axes a job's conf declares; the grid is their product, less combinations that make no sense. */
public record GridAxes(List<Pool> pools, List<EffectMeasure> measures, List<PoolingMethod> methods,
                       List<CiMethod> ciMethods, List<PredictionInterval> predictionIntervals,
                       List<ZeroCellRule> zeroRules, boolean leaveOneOut, boolean cumulative,
                       boolean leaveSubgroupOut, List<String> subgroupVariables, boolean subgroupCommonTau2,
                       List<String> metaRegressionCovariates, BayesPrior bayesPrior) {

    /** Axes without Bayesian priors of their own (a BAYES method takes {@link BayesPrior#DEFAULT}). */
    public GridAxes(List<Pool> pools, List<EffectMeasure> measures, List<PoolingMethod> methods,
                    List<CiMethod> ciMethods, List<PredictionInterval> predictionIntervals,
                    List<ZeroCellRule> zeroRules, boolean leaveOneOut, boolean cumulative,
                    boolean leaveSubgroupOut, List<String> subgroupVariables, boolean subgroupCommonTau2,
                    List<String> metaRegressionCovariates) {
        this(pools, measures, methods, ciMethods, predictionIntervals, zeroRules, leaveOneOut, cumulative,
                leaveSubgroupOut, subgroupVariables, subgroupCommonTau2, metaRegressionCovariates, BayesPrior.DEFAULT);
    }

    /** The common grid: default prediction interval, no cumulative or leave-subgroup-out, no meta-regression. */
    public static GridAxes of(List<Pool> pools, List<EffectMeasure> measures, List<PoolingMethod> methods,
                              List<CiMethod> ciMethods, List<ZeroCellRule> zeroRules, boolean leaveOneOut,
                              List<String> subgroupVariables) {
        return new GridAxes(pools, measures, methods, ciMethods, List.of(PredictionInterval.DEFAULT), zeroRules,
                leaveOneOut, false, false, subgroupVariables, false, List.of());
    }

    /**
     * The interval methods to run: as given, plus the ad hoc Hartung–Knapp interval wherever the untruncated one is
     * asked for. The untruncated interval is kept for parity with metafor's {@code test = "knha"}, but it is narrower
     * than Wald's when Q < k − 1, so every headline (console, report, summary of findings) shows the ad hoc one
     * (metafor {@code test = "adhoc"}, R meta {@code adhoc.hakn.ci = "se"}; Cochrane Handbook v6.5 §10.10.4.3).
     */
    static List<CiMethod> withAdHocHartungKnapp(List<CiMethod> ciMethods) {
        List<CiMethod> out = new java.util.ArrayList<>(ciMethods);
        if (out.contains(CiMethod.HKSJ) && !out.contains(CiMethod.HKSJ_ADHOC)) {
            out.add(out.indexOf(CiMethod.HKSJ) + 1, CiMethod.HKSJ_ADHOC);
        }
        return List.copyOf(out);
    }

    public GridAxes {
        predictionIntervals = List.copyOf(predictionIntervals);
        metaRegressionCovariates = List.copyOf(metaRegressionCovariates);
        pools = List.copyOf(pools);
        measures = List.copyOf(measures);
        methods = List.copyOf(methods);
        ciMethods = withAdHocHartungKnapp(ciMethods);
        zeroRules = List.copyOf(zeroRules);
        subgroupVariables = List.copyOf(subgroupVariables);
        bayesPrior = bayesPrior == null ? BayesPrior.DEFAULT : bayesPrior;
        if (pools.isEmpty() || measures.isEmpty() || methods.isEmpty() || ciMethods.isEmpty() || zeroRules.isEmpty()
                || predictionIntervals.isEmpty()) {
            throw new IllegalArgumentException("every grid axis (pools, measures, methods, ci_methods, prediction_intervals,"
                    + " zero_rules) needs at least one value");
        }
    }
}
