package io.aepool.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The meta-regression engine reduces to the intercept-only estimators when X is a column of ones. */
class MixedEffectsTest {

    @ParameterizedTest
    @EnumSource(value = PoolingMethod.class, names = {"IV", "DL", "REML", "ML", "PM", "SJ", "HE"})
    void interceptOnlyDesignGivesTheRandomEffectsModel(PoolingMethod method) {
        for (String name : List.of("bcg", "li2007", "hine1989")) {
            List<EffectSize> es = EffectSizes.all(ReferenceData.load(name).studies(), EffectMeasure.OR, ZeroCellRule.DEFAULT);
            int k = es.size();
            double[] y = new double[k];
            double[] v = new double[k];
            double[][] x = new double[k][];
            for (int i = 0; i < k; i++) {
                y[i] = es.get(i).yi();
                v[i] = es.get(i).vi();
                x[i] = new double[] {1};
            }
            MixedEffects.Fit fit = MixedEffects.fit(y, v, x, method);
            double tau2 = method.isRandomEffects() ? TauSquared.estimate(method, y, v).tau2() : 0;
            assertNull(fit.failure(), name + " " + method);
            assertEquals(tau2, fit.tau2(), 1e-12 + 1e-9 * tau2, name + " " + method + " tau²");
            assertEquals(Models.weightedMean(y, v, tau2), fit.beta()[0], 1e-10, name + " " + method + " θ");
            assertEquals(1 / Models.sumWeights(v, tau2), fit.vb()[0][0], 1e-12, name + " " + method + " Var θ");
            assertEquals(Models.cochranQ(y, v, Models.weightedMean(y, v, 0)), fit.qe(), 1e-9, name + " Q");
            assertEquals(k - 1, fit.qeDf());
        }
    }
}
