package io.aepool.stats;

import java.util.List;
import java.util.function.ToDoubleFunction;

/** Creates the {@link Pooler} for a measure, pooling method, interval method and zero-cell rule. */
public final class Poolers {

    private Poolers() {
    }

    /**
     * The pooler for this combination.
     *
     * @throws IllegalArgumentException for a combination that is not defined (see {@link #supports})
     */
    public static Pooler create(EffectMeasure measure, PoolingMethod method, CiMethod ciMethod, ZeroCellRule rule) {
        return create(measure, method, ciMethod, rule, PredictionInterval.DEFAULT);
    }

    /**
     * The pooler for this combination with the given prediction-interval quantile (random-effects methods only;
     * fixed-effect methods have no prediction interval and ignore it).
     *
     * @throws IllegalArgumentException for a combination that is not defined (see {@link #supports})
     */
    public static Pooler create(EffectMeasure measure, PoolingMethod method, CiMethod ciMethod, ZeroCellRule rule,
                                PredictionInterval predictionInterval) {
        return create(measure, method, ciMethod, rule, predictionInterval, true);
    }

    /**
     * As {@link #create(EffectMeasure, PoolingMethod, CiMethod, ZeroCellRule, PredictionInterval)}; with
     * {@code heterogeneityIntervals = false} random-effects results leave out the Q-profile intervals of tau² and I²
     * (a root search each), as metafor's leave1out does.
     */
    public static Pooler create(EffectMeasure measure, PoolingMethod method, CiMethod ciMethod, ZeroCellRule rule,
                                PredictionInterval predictionInterval, boolean heterogeneityIntervals) {
        return create(measure, method, ciMethod, rule, predictionInterval, heterogeneityIntervals, BayesPrior.DEFAULT);
    }

    /**
     * As {@link #create(EffectMeasure, PoolingMethod, CiMethod, ZeroCellRule, PredictionInterval, boolean)}, with the
     * priors of the Bayesian model (read by {@link PoolingMethod#BAYES} only, whose interval must be
     * {@link CiMethod#CREDIBLE}; its prediction interval is always the posterior predictive one, whatever
     * {@code predictionInterval} says, and {@link PredictionInterval#POSTERIOR} gives the other methods none).
     */
    public static Pooler create(EffectMeasure measure, PoolingMethod method, CiMethod ciMethod, ZeroCellRule rule,
                                PredictionInterval predictionInterval, boolean heterogeneityIntervals, BayesPrior prior) {
        if (prior == null) {
            throw new IllegalArgumentException("the Bayesian prior must be given (BayesPrior.DEFAULT when unused)");
        }
        if (measure == null || method == null || ciMethod == null || rule == null || predictionInterval == null) {
            throw new IllegalArgumentException("measure, method, interval method, zero-cell rule and prediction interval must all be given");
        }
        String why = unsupportedReason(measure, method, ciMethod);
        if (why != null) {
            throw new IllegalArgumentException(why);
        }
        return switch (method) {
            case MH -> new MantelHaenszelPooler(measure, rule);
            case PETO -> new PetoPooler(rule);
            case CMEL -> new ConditionalLogisticPooler(rule);
            case BAYES -> new BayesianPooler(measure, rule, prior);
            case GLMM -> new BinomialNormalPooler(rule, predictionInterval);
            default -> new EffectSizePooler(measure, method, ciMethod, rule, predictionInterval, heterogeneityIntervals); // IV and random effects
        };
    }

    /**
     * The exact conditional logistic (fixed-effect, conditional maximum likelihood) odds ratio on the raw counts
     * (metafor {@code rma.glmm(measure = "OR", model = "CM.EL", method = "EE")}); see {@link ConditionalLogisticPooler}.
     * Its Q uses the per-study log odds ratios under {@link ZeroCellRule#DEFAULT}.
     */
    public static Pooler conditionalLogistic() {
        return conditionalLogistic(ZeroCellRule.DEFAULT);
    }

    /**
     * The exact conditional logistic odds ratio; the zero-cell rule only affects the per-study log odds ratios of
     * Cochran's Q and the {@code zeroRule} label (the estimate itself needs no correction).
     */
    public static Pooler conditionalLogistic(ZeroCellRule rule) {
        if (rule == null) {
            throw new IllegalArgumentException("zero-cell rule must be given");
        }
        return new ConditionalLogisticPooler(rule);
    }

    /**
     * Random-effects pooling with a given tau² (weights 1/(v + tau²), Wald-z interval, no prediction or Q-profile
     * interval): the per-subgroup estimates of a model whose subgroups share one tau² (metafor's estimates from
     * {@code rma(yi, vi, mods = ~ factor(group) - 1)}, R meta {@code tau.common = TRUE}).
     *
     * @param method the random-effects method that estimated tau² (reported in the result)
     */
    public static Pooler givenTau2(EffectMeasure measure, PoolingMethod method, double tau2, ZeroCellRule rule) {
        if (!method.isRandomEffects() || !(tau2 >= 0)) {
            throw new IllegalArgumentException("a given tau² needs a random-effects method and tau² >= 0, not "
                    + method + " and " + tau2);
        }
        return studies -> {
            String missing = missingPersonTime(studies, measure);
            if (missing != null) {
                return PooledEstimate.notEstimable(measure, method, CiMethod.WALD_Z, rule.label(), 0, missing);
            }
            EffectSizes.Usable usable = EffectSizes.usable(studies, measure, rule);
            if (usable.k() == 0) {
                return PooledEstimate.notEstimable(measure, method, CiMethod.WALD_Z, rule.label(), 0,
                        noStudiesReason(studies.size(), 0));
            }
            return Models.withTau2(measure, method, CiMethod.WALD_Z, PredictionInterval.DEFAULT, false, rule.label(),
                    usable.y(), usable.v(), tau2, PooledEstimate.OK);
        };
    }

    /** True when {@link #create} accepts the combination: Peto only for OR, HKSJ only for random-effects methods. */
    public static boolean supports(EffectMeasure measure, PoolingMethod method, CiMethod ciMethod) {
        return unsupportedReason(measure, method, ciMethod) == null;
    }

    private static String unsupportedReason(EffectMeasure measure, PoolingMethod method, CiMethod ciMethod) {
        if (method == PoolingMethod.PETO && measure != EffectMeasure.OR) {
            return "Peto pooling is defined only for the odds ratio, not " + measure;
        }
        if (method == PoolingMethod.CMEL && measure != EffectMeasure.OR) {
            return "the conditional logistic model is defined only for the odds ratio, not " + measure;
        }
        if (method == PoolingMethod.GLMM && measure != EffectMeasure.OR) {
            return "the binomial-normal model (GLMM) is defined here for the odds ratio only, not " + measure;
        }
        if (method == PoolingMethod.BAYES && !measure.isRatio()) {
            return "the Bayesian model's half-normal prior on tau is set on the log scale of a ratio, not for " + measure;
        }
        if ((ciMethod == CiMethod.CREDIBLE) != (method == PoolingMethod.BAYES)) {
            return "the credible interval belongs to the Bayesian model and it has no other: " + method + " with "
                    + ciMethod.label();
        }
        if (ciMethod.isHartungKnapp() && !method.isRandomEffects()) {
            return "the HKSJ interval needs a random-effects method, not " + method;
        }
        return null;
    }

    /** A study without person-time cannot enter a rate measure: the reason, or null when all have it. */
    static String missingPersonTime(List<StudyCounts> studies, EffectMeasure measure) {
        if (!measure.isRate()) {
            return null;
        }
        for (StudyCounts s : studies) {
            if (!s.hasPersonTime()) {
                return "study " + s.studyId() + " has no person-time for " + measure;
            }
        }
        return null;
    }

    /**
     * IV fixed effect and random-effects models on the per-study effects. Leave-one-out from sums
     * ({@link LeaveOneOutPooler}) for IV and for DerSimonian–Laird with the Wald-z interval and no Q-profile
     * intervals: a study's terms are w, wy, w(y − c), w(y − c)², w² with w = 1/v and c the whole set's IV estimate.
     * O(1) per study: the IV estimate, its SE, Cochran's Q (Σw(y − c)² − (Σw(y − c))²/Σw), I², H², and DL's tau² (from
     * Q and C = ((Σw)² − Σw²)/Σw). Not O(1): DL's random-effects estimate needs Σ 1/(v + tau²) over the other studies
     * at their own tau², which no fixed sums give; it is one O(k) pass over the stored y and v (no effect sizes
     * recomputed), after which SE, interval, p and the prediction interval are O(1) again.
     */
    static final class EffectSizePooler implements LeaveOneOutPooler {
        // components of a study's terms: summed ones first, then y and v for DL's weighting pass
        private static final int W = 0;
        private static final int WY = 1;
        private static final int WD = 2;
        private static final int WD2 = 3;
        private static final int W2 = 4;
        private static final int Y = 5;
        private static final int V = 6;

        private final EffectMeasure measure;
        private final PoolingMethod method;
        private final CiMethod ciMethod;
        private final ZeroCellRule rule;
        private final PredictionInterval predictionInterval;
        private final boolean heterogeneityIntervals;
        /** The rule's label, built once: every result carries it. */
        private final String zeroRule;

        EffectSizePooler(EffectMeasure measure, PoolingMethod method, CiMethod ciMethod, ZeroCellRule rule,
                         PredictionInterval predictionInterval, boolean heterogeneityIntervals) {
            this.measure = measure;
            this.method = method;
            this.ciMethod = ciMethod;
            this.rule = rule;
            this.predictionInterval = predictionInterval;
            this.heterogeneityIntervals = heterogeneityIntervals;
            this.zeroRule = rule.label();
        }

        @Override
        public PooledEstimate pool(List<StudyCounts> studies) {
            String missing = missingPersonTime(studies, measure);
            if (missing != null) {
                return PooledEstimate.notEstimable(measure, method, ciMethod, zeroRule, 0, missing);
            }
            EffectSizes.Usable usable = EffectSizes.usable(studies, measure, rule);
            if (usable.k() == 0) {
                return PooledEstimate.notEstimable(measure, method, ciMethod, zeroRule, 0,
                        noStudiesReason(studies.size(), usable.kept()));
            }
            if (method == PoolingMethod.IV) {
                return Models.inverseVariance(measure, zeroRule, usable.y(), usable.v());
            }
            return Models.randomEffects(measure, method, ciMethod, predictionInterval, heterogeneityIntervals, zeroRule,
                    usable.y(), usable.v());
        }

        @Override
        public PoolSums sums(List<StudyCounts> studies) {
            boolean fromSums = method == PoolingMethod.IV
                    || method == PoolingMethod.DL && ciMethod == CiMethod.WALD_Z && !heterogeneityIntervals;
            if (!fromSums || missingPersonTime(studies, measure) != null) {
                return null;
            }
            double[][] rows = new double[studies.size()][];
            double sw = 0;
            double swy = 0;
            for (int i = 0; i < rows.length; i++) {
                EffectSize e = EffectSizes.of(studies.get(i), measure, rule).filter(EffectSize::isUsable).orElse(null);
                if (e != null) {
                    double w = 1 / e.vi();
                    rows[i] = new double[] {w, w * e.yi(), 0, 0, w * w, e.yi(), e.vi()};
                    sw += w;
                    swy += w * e.yi();
                }
            }
            if (sw == 0) {
                return null;
            }
            double c = swy / sw;
            for (double[] row : rows) {
                if (row != null) {
                    double d = row[Y] - c;
                    row[WD] = row[W] * d;
                    row[WD2] = row[W] * d * d;
                }
            }
            return PoolSums.of(rows, W2 + 1, c);
        }

        @Override
        public PooledEstimate fromSums(PoolSums sums) {
            int k = sums.k();
            if (k == 0 || method == PoolingMethod.DL && k < 2 || !sums.isWellConditioned()) {
                return null;
            }
            double[] t = sums.totals();
            double sw = t[W];
            // Cochran (1954) Q from sums centred at c: Σw(y − c)² − (Σw(y − c))²/Σw
            ToDoubleFunction<double[]> cochranQ = x -> x[WD2] - x[WD] * x[WD] / x[W];
            double q = k > 1 ? cochranQ.applyAsDouble(t) : 0;
            if (k > 1 && !sums.isExact(cochranQ, q)) {
                return null;
            }
            if (method == PoolingMethod.IV) {
                // inverse-variance fixed-effect estimate θ = Σwy/Σw, se = 1/√Σw (Hedges & Olkin 1985)
                return Models.fixedEffect(measure, method, zeroRule, k, t[WY] / sw, 1 / Math.sqrt(sw), q, k - 1);
            }
            // "typical" within-study variance s² = (k − 1)Σw/((Σw)² − Σw²) (Higgins & Thompson 2002)
            ToDoubleFunction<double[]> typical = x -> (k - 1) * x[W] / (x[W] * x[W] - x[W2]);
            // DerSimonian & Laird (1986) tau² = max(0, (Q − (k − 1))/C), C = ((Σw)² − Σw²)/Σw = (k − 1)/s²
            ToDoubleFunction<double[]> dl = x -> Math.max(0, (cochranQ.applyAsDouble(x) - (k - 1))
                    / ((x[W] * x[W] - x[W2]) / x[W]));
            double s2 = typical.applyAsDouble(t);
            double tau2 = dl.applyAsDouble(t);
            if (!sums.isExact(typical, s2) || !sums.isExact(dl, tau2)) {
                return null;
            }
            double swr = 0;
            double swry = 0;
            for (int i = 0; i < sums.size(); i++) {
                double[] row = sums.term(i);
                if (row != null) {
                    double w = 1 / (row[V] + tau2);
                    swr += w;
                    swry += w * row[Y];
                }
            }
            return Models.waldZ(measure, method, ciMethod, predictionInterval, zeroRule, k, q, s2, tau2, swr,
                    swry / swr, null, PooledEstimate.OK);
        }
    }

    static String noStudiesReason(int given, int kept) {
        if (given == 0) {
            return "no studies";
        }
        if (kept == 0) {
            return "no studies left after dropping double-zero studies and studies with an empty arm";
        }
        return "no study has a finite effect and variance (zero cells without continuity correction)";
    }
}
