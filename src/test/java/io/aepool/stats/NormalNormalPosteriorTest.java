package io.aepool.stats;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static io.aepool.stats.MetaforReferenceTest.assertClose;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Bayesian normal–normal model agrees with R's integrate() over the same posterior
 * ({@code src/test/resources/oracle/make-bayes-glmm-oracle.R}) to 1e-6 relative.
 */
class NormalNormalPosteriorTest {

    /** Keys are DATA/MEASURE/tau prior/mu prior; DATA "hine1989-first1" is hine1989's first study alone. */
    @TestFactory
    Stream<DynamicNode> posteriorAgreesWithRIntegrate() {
        JsonNode all = MetaforOracleTest.load("bayes-normal-normal.json");
        List<DynamicNode> tests = new ArrayList<>();
        all.properties().forEach(e -> tests.add(DynamicTest.dynamicTest(e.getKey(), () -> {
            String[] key = e.getKey().split("/");
            JsonNode exp = e.getValue();
            EffectSizes.Usable u = usable(key[0], EffectMeasure.parse(key[1]));
            double muSd = exp.get("mu_prior_sd").isNull() ? Double.POSITIVE_INFINITY : exp.get("mu_prior_sd").asDouble();
            BayesPrior prior = new BayesPrior(exp.get("tau_prior_scale").asDouble(), muSd, exp.get("threshold").asDouble());
            NormalNormalPosterior.Summary s = NormalNormalPosterior.of(u.y(), u.v(), prior)
                    .summary(Math.log(prior.threshold()));
            String w = e.getKey();
            assertAll(w,
                    () -> assertEquals(exp.get("k").asInt(), s.k(), w + " k"),
                    () -> assertClose(w, "mu_median", exp.get("mu_median"), s.muMedian()),
                    () -> assertClose(w, "mu_low", exp.get("mu_low"), s.muLow()),
                    () -> assertClose(w, "mu_high", exp.get("mu_high"), s.muHigh()),
                    () -> assertClose(w, "mu_mean", exp.get("mu_mean"), s.muMean()),
                    () -> assertClose(w, "mu_sd", exp.get("mu_sd"), s.muSd()),
                    () -> assertClose(w, "tau_median", exp.get("tau_median"), s.tauMedian()),
                    () -> assertClose(w, "tau_low", exp.get("tau_low"), s.tauLow()),
                    () -> assertClose(w, "tau_high", exp.get("tau_high"), s.tauHigh()),
                    () -> assertClose(w, "pred_low", exp.get("pred_low"), s.predLow()),
                    () -> assertClose(w, "pred_high", exp.get("pred_high"), s.predHigh()),
                    () -> assertClose(w, "prob_above_1", exp.get("prob_above_1"), s.probAbove0()),
                    () -> assertClose(w, "prob_above_threshold", exp.get("prob_above_threshold"), s.probAboveLogThreshold()));
        })));
        return tests.stream();
    }

    private static EffectSizes.Usable usable(String data, EffectMeasure measure) {
        List<StudyCounts> studies = switch (data) {
            case "sparse10" -> ReferenceData.load("oracle", "sparse10").studies();
            case "hine1989-first1" -> ReferenceData.load("hine1989").studies().subList(0, 1);
            default -> ReferenceData.load(data).studies();
        };
        return EffectSizes.usable(studies, measure, ZeroCellRule.DEFAULT);
    }

    @Test
    void quadratureHasConvergedTheSummaryIsTheSameOnAFinerRule() {
        EffectSizes.Usable u = usable("li2007", EffectMeasure.OR);
        NormalNormalPosterior.Summary s = NormalNormalPosterior.of(u.y(), u.v(), BayesPrior.DEFAULT).summary(Math.log(1.25));
        // the same posterior with twice the data, halved: the likelihood sharpens, the rule must still resolve it
        double[] y2 = new double[u.k() * 2];
        double[] v2 = new double[u.k() * 2];
        for (int i = 0; i < u.k(); i++) {
            y2[i] = y2[i + u.k()] = u.y()[i];
            v2[i] = v2[i + u.k()] = u.v()[i];
        }
        NormalNormalPosterior.Summary d = NormalNormalPosterior.of(y2, v2, BayesPrior.DEFAULT).summary(Math.log(1.25));
        assertTrue(d.muHigh() - d.muLow() < s.muHigh() - s.muLow(), "more data, narrower interval");
        assertTrue(d.tauHigh() - d.tauLow() < s.tauHigh() - s.tauLow(), "more data, narrower tau interval");
    }

    @Test
    void aFlatMuPriorAndAVeryWideNormalOneAgree() {
        EffectSizes.Usable u = usable("bcg", EffectMeasure.RR);
        NormalNormalPosterior.Summary flat = NormalNormalPosterior.of(u.y(), u.v(), BayesPrior.DEFAULT).summary(0.2);
        NormalNormalPosterior.Summary wide = NormalNormalPosterior.of(u.y(), u.v(), new BayesPrior(0.5, 1e4, 1.25)).summary(0.2);
        assertEquals(flat.muMedian(), wide.muMedian(), 1e-6);
        assertEquals(flat.tauHigh(), wide.tauHigh(), 1e-6);
    }

    @Test
    void invalidInputIsRefusedAtTheDoorWithTheReason() {
        IllegalArgumentException noStudies = assertThrows(IllegalArgumentException.class,
                () -> NormalNormalPosterior.of(new double[0], new double[0], BayesPrior.DEFAULT));
        assertTrue(noStudies.getMessage().contains("at least one study"), noStudies.getMessage());
        IllegalArgumentException badV = assertThrows(IllegalArgumentException.class,
                () -> NormalNormalPosterior.of(new double[] {0.1}, new double[] {0}, BayesPrior.DEFAULT));
        assertTrue(badV.getMessage().contains("variance"), badV.getMessage());
        IllegalArgumentException scale = assertThrows(IllegalArgumentException.class, () -> new BayesPrior(0, 1, 1.25));
        assertTrue(scale.getMessage().contains("scale"), scale.getMessage());
    }

    @Test
    void priorLabelsRoundTrip() {
        for (BayesPrior p : List.of(BayesPrior.DEFAULT, new BayesPrior(1, 4, 1.5), new BayesPrior(0.25, 2.5, 1.1))) {
            assertEquals(p, BayesPrior.parse(p.label()), p.label());
        }
        assertEquals("hn(0.5),flat,>1.25", BayesPrior.DEFAULT.label());
    }
}
