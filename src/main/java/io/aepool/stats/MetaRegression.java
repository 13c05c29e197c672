package io.aepool.stats;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Meta-regression of the per-study effects on one study-level covariate: fixed-effect ({@link PoolingMethod#IV})
 * or mixed-effects (a random-effects method, whose estimator gives the residual tau²), with Wald z tests of the
 * coefficients and the omnibus QM test (metafor {@code rma.uni} with {@code mods}, {@code test = "z"}).
 */
public final class MetaRegression {

    private MetaRegression() {
    }

    /**
     * Regression on a numeric covariate. Studies whose covariate is null or NaN are left out.
     *
     * @throws IllegalArgumentException for MH or Peto (meta-regression works on per-study effects)
     */
    public static MetaRegressionResult numeric(List<StudyCounts> studies, Function<String, Double> covariateOfStudyId,
                                               String covariateName, EffectMeasure measure, PoolingMethod method,
                                               ZeroCellRule rule) {
        requireMethod(method);
        Data d = data(studies, measure, rule, id -> {
            Double x = covariateOfStudyId.apply(id);
            return x == null || Double.isNaN(x) ? null : x;
        });
        if (d.reason != null) {
            return notEstimable(measure, method, rule, covariateName, d.y.length, d.reason);
        }
        double[][] x = new double[d.y.length][];
        for (int i = 0; i < x.length; i++) {
            x[i] = new double[] {1, (Double) d.covariate.get(i)};
        }
        return fit(measure, method, rule, covariateName, d.y, d.v, x, List.of("intercept", covariateName));
    }

    /**
     * Regression on a categorical covariate (dummy coding against the first level in label order; QM on G − 1 df).
     * Studies whose level is null are left out.
     *
     * @throws IllegalArgumentException for MH or Peto
     */
    public static MetaRegressionResult categorical(List<StudyCounts> studies, Function<String, String> levelOfStudyId,
                                                   String covariateName, EffectMeasure measure, PoolingMethod method,
                                                   ZeroCellRule rule) {
        requireMethod(method);
        Data d = data(studies, measure, rule, levelOfStudyId::apply);
        if (d.reason != null) {
            return notEstimable(measure, method, rule, covariateName, d.y.length, d.reason);
        }
        TreeSet<String> levelSet = new TreeSet<>();
        d.covariate.forEach(l -> levelSet.add((String) l));
        List<String> levels = new ArrayList<>(levelSet);
        if (levels.size() < 2) {
            return notEstimable(measure, method, rule, covariateName, d.y.length, "fewer than 2 levels of " + covariateName);
        }
        int p = levels.size();
        double[][] x = new double[d.y.length][p];
        for (int i = 0; i < x.length; i++) {
            x[i][0] = 1;
            int level = levels.indexOf((String) d.covariate.get(i));
            if (level > 0) {
                x[i][level] = 1;
            }
        }
        List<String> names = new ArrayList<>();
        names.add("intercept");
        for (int l = 1; l < p; l++) {
            names.add(covariateName + "=" + levels.get(l));
        }
        return fit(measure, method, rule, covariateName, d.y, d.v, x, names);
    }

    private static MetaRegressionResult fit(EffectMeasure measure, PoolingMethod method, ZeroCellRule rule, String name,
                                            double[] y, double[] v, double[][] x, List<String> names) {
        int k = y.length;
        int p = x[0].length;
        if (k <= p) {
            return notEstimable(measure, method, rule, name, k, "fewer than " + (p + 1) + " studies for " + p + " coefficients");
        }
        MixedEffects.Fit fit = MixedEffects.fit(y, v, x, method);
        if (fit == null) {
            return notEstimable(measure, method, rule, name, k, name + " does not vary between studies (or its levels are confounded)");
        }
        if (fit.beta() == null) {
            return notEstimable(measure, method, rule, name, k, "residual tau²: " + fit.failure());
        }
        List<MetaRegressionCoefficient> coefs = new ArrayList<>(p);
        for (int a = 0; a < p; a++) {
            double b = fit.beta()[a];
            double se = Math.sqrt(fit.vb()[a][a]);
            double z = b / se;
            coefs.add(new MetaRegressionCoefficient(names.get(a), b, se, z, Dist.twoSidedNormalP(z),
                    b - Models.Z_CRIT * se, b + Models.Z_CRIT * se));
        }
        // omnibus Wald test of the covariate's coefficients, chi-square on p − 1 df (metafor QM)
        double qm = MixedEffects.wald(fit.beta(), fit.vb(), 1);
        double tau2 = fit.tau2();
        double i2 = method.isRandomEffects() ? tau2 / (tau2 + fit.typicalV()) : 0;
        double r2 = Double.NaN;
        if (method.isRandomEffects()) {
            double tau2Re = TauSquared.estimate(method, y, v).tau2();
            // proportional reduction in tau² (Raudenbush 2009; metafor R2)
            r2 = tau2Re > 0 ? Math.max(0, (tau2Re - tau2) / tau2Re) : 0;
        }
        String status = fit.converged() ? PooledEstimate.OK : "not converged: " + fit.failure();
        return new MetaRegressionResult(measure, method, rule.label(), name, k, coefs, tau2, i2, r2,
                fit.qe(), fit.qeDf(), Dist.chiSquareUpper(fit.qe(), fit.qeDf()), qm, p - 1,
                Dist.chiSquareUpper(qm, p - 1), k < SmallStudyTests.RECOMMENDED_STUDIES, status);
    }

    private static void requireMethod(PoolingMethod method) {
        if (!TrimAndFill.supports(method)) {
            throw new IllegalArgumentException("meta-regression needs the inverse-variance or a random-effects model, not " + method);
        }
    }

    private static MetaRegressionResult notEstimable(EffectMeasure measure, PoolingMethod method, ZeroCellRule rule,
                                                     String name, int k, String reason) {
        double n = Double.NaN;
        return new MetaRegressionResult(measure, method, rule.label(), name, k, List.of(), n, n, n, n, 0, n, n, 0, n,
                k < SmallStudyTests.RECOMMENDED_STUDIES, "not estimable: " + reason);
    }

    private record Data(double[] y, double[] v, List<Object> covariate, String reason) {
    }

    private static Data data(List<StudyCounts> studies, EffectMeasure measure, ZeroCellRule rule,
                             Function<String, Object> covariateOf) {
        SmallStudyTests.Input in = SmallStudyTests.Input.of(studies, measure, rule, 1);
        if (in.reason() != null) {
            return new Data(new double[0], new double[0], List.of(), in.reason());
        }
        List<Double> y = new ArrayList<>();
        List<Double> v = new ArrayList<>();
        List<Object> cov = new ArrayList<>();
        for (int i = 0; i < in.k(); i++) {
            Object c = covariateOf.apply(in.effects().get(i).studyId());
            if (c != null) {
                y.add(in.y()[i]);
                v.add(in.v()[i]);
                cov.add(c);
            }
        }
        double[] ya = y.stream().mapToDouble(Double::doubleValue).toArray();
        double[] va = v.stream().mapToDouble(Double::doubleValue).toArray();
        return new Data(ya, va, cov, ya.length == 0 ? "no study has a covariate value" : null);
    }
}
