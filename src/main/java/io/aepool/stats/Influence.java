package io.aepool.stats;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Case-deletion influence diagnostics for the inverse-variance and random-effects models (metafor
 * {@code influence.rma.uni}, Viechtbauer & Cheung 2010) and the Baujat et al. (2002) plot coordinates (metafor
 * {@code baujat}). Each study is left out in turn and the model refitted with the same method (tau² re-estimated).
 * Needs at least {@value #MIN_STUDIES} studies.
 */
public final class Influence {

    /** Fewest studies: every leave-one-out model keeps at least two. */
    public static final int MIN_STUDIES = 3;

    private Influence() {
    }

    /**
     * Diagnostics of each study that enters the model.
     *
     * @throws IllegalArgumentException for MH or Peto
     */
    public static InfluenceDiagnostics of(List<StudyCounts> studies, EffectMeasure measure, PoolingMethod method,
                                          ZeroCellRule rule) {
        if (!TrimAndFill.supports(method)) {
            throw new IllegalArgumentException("influence diagnostics need the inverse-variance or a random-effects model, not " + method);
        }
        String label = rule.label();
        SmallStudyTests.Input in = SmallStudyTests.Input.of(studies, measure, rule, MIN_STUDIES);
        int k = in.k();
        if (in.reason() != null) {
            return new InfluenceDiagnostics(measure, method, label, k, List.of(), List.of(), "not estimable: " + in.reason());
        }
        double[] y = in.y();
        double[] v = in.v();
        Fit full = fit(method, y, v);
        if (full.failure != null) {
            return new InfluenceDiagnostics(measure, method, label, k, List.of(), List.of(), "not converged: " + full.failure);
        }
        double sw = Models.sumWeights(v, full.tau2);
        List<StudyInfluence> out = new ArrayList<>(k);
        List<BaujatPoint> baujat = new ArrayList<>(k);
        double dffitsCut = 3 * Math.sqrt(1.0 / (k - 1));
        String failure = null;
        for (int i = 0; i < k; i++) {
            double[] yd = without(y, i);
            double[] vd = without(v, i);
            Fit del = fit(method, yd, vd);
            if (del.failure != null && failure == null) {
                failure = "without " + in.effects().get(i).studyId() + ": " + del.failure;
            }
            double w = 1 / (v[i] + full.tau2);
            double hat = w / sw;
            double diff = full.theta - del.theta;
            // Viechtbauer & Cheung (2010) studentized deleted residual
            double rstudent = (y[i] - del.theta) / Math.sqrt(v[i] + del.tau2 + del.var);
            // DFFITS (Viechtbauer & Cheung 2010; metafor influence.rma.uni)
            double dffits = diff / Math.sqrt(hat * (del.tau2 + v[i]));
            // Cook's distance with the full model's variance (Viechtbauer & Cheung 2010)
            double cook = diff * diff / full.var;
            // covariance ratio det(Var θ₍₋ᵢ₎)/det(Var θ) (Belsley, Kuh & Welsch 1980)
            double covRatio = del.var / full.var;
            // DFBETAS: variance at tau²₍₋ᵢ₎ over all k studies (metafor influence.rma.uni)
            double dfbetas = diff / Math.sqrt(1 / Models.sumWeights(v, del.tau2));
            boolean influential = Math.abs(dffits) > dffitsCut
                    || Dist.chiSquareUpper(cook, 1) < 0.5
                    || hat > 3.0 / k
                    || Math.abs(dfbetas) > 1;
            out.add(new StudyInfluence(in.effects().get(i).studyId(), rstudent, dffits, cook, covRatio, del.tau2, del.q,
                    hat, 100 * hat, dfbetas, influential));
            // Baujat et al. (2002): squared Pearson residual against the standardised squared change of θ
            double r = y[i] - full.theta;
            baujat.add(new BaujatPoint(in.effects().get(i).studyId(), r * r / (v[i] + full.tau2), diff * diff / del.var));
        }
        String status = failure == null ? PooledEstimate.OK : "not converged: " + failure;
        return new InfluenceDiagnostics(measure, method, label, k, out, baujat, status);
    }

    private record Fit(double theta, double var, double tau2, double q, String failure) {
    }

    private static Fit fit(PoolingMethod method, double[] y, double[] v) {
        double tau2 = 0;
        String failure = null;
        if (method.isRandomEffects()) {
            TauSquared.Estimate est = TauSquared.estimate(method, y, v);
            tau2 = est.tau2();
            failure = est.failure();
            if (Double.isNaN(tau2)) {
                return new Fit(Double.NaN, Double.NaN, Double.NaN, Double.NaN, failure == null ? "tau² is NaN" : failure);
            }
        }
        double theta = Models.weightedMean(y, v, tau2);
        double q = Models.cochranQ(y, v, Models.weightedMean(y, v, 0));
        return new Fit(theta, 1 / Models.sumWeights(v, tau2), tau2, q, failure);
    }

    private static double[] without(double[] a, int i) {
        double[] out = Arrays.copyOf(a, a.length - 1);
        System.arraycopy(a, i + 1, out, i, a.length - i - 1);
        return out;
    }
}
