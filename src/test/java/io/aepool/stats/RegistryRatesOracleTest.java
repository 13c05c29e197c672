package io.aepool.stats;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.aepool.stats.ClusteredPoissonRates.CrossSums;
import io.aepool.stats.ClusteredPoissonRates.GroupSums;
import io.aepool.stats.MantelHaenszelRates.Stratum;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The MH rate ratio with Greenland–Robins variance against R's {@code epiR::epi.2by2(method = "cohort.time")} and
 * {@code metafor::rma.mh(measure = "IRR")} (each stratum a study), and the
 * patient-clustered sandwich variances against {@code sandwich::vcovCL(glm(y ~ 0 + group + offset(log(t)), poisson),
 * cluster = ~patient, type = "HC0", cadjust = FALSE)}: {@code src/test/resources/oracle/registry-rates.json}, made by
 * {@code make-registry-rates-oracle.R} (R 4.2.2, epiR 2.0.57, metafor 3.8-1, sandwich 3.0-2; 15 significant digits). To 1e-6 relative.
 */
class RegistryRatesOracleTest {

    private static final double REL_TOL = 1e-6;

    private static final JsonNode ORACLE = load();

    @TestFactory
    Stream<DynamicTest> mantelHaenszelIsEpiR() {
        List<DynamicTest> tests = new ArrayList<>();
        ORACLE.get("mantel_haenszel").forEach(c -> tests.add(DynamicTest.dynamicTest(c.get("name").asText(), () -> {
            List<Stratum> strata = new ArrayList<>();
            for (int j = 0; j < c.get("a").size(); j++) {
                strata.add(new Stratum(c.get("a").get(j).asLong(), c.get("t1").get(j).asDouble(),
                        c.get("b").get(j).asLong(), c.get("t0").get(j).asDouble()));
            }
            int used = strata.size();
            // strata without person-time in one group, which R never sees: they must drop out
            c.get("dropped").forEach(d -> strata.add(1, new Stratum(d.get("a").asLong(), d.get("t1").asDouble(),
                    d.get("b").asLong(), d.get("t0").asDouble())));
            MantelHaenszelRates.Result r = MantelHaenszelRates.rateRatio(strata, c.get("conf_level").asDouble());
            assertAll(() -> close("estimate", c.get("estimate").asDouble(), r.estimate()),
                    () -> close("low", c.get("low").asDouble(), r.low()),
                    () -> close("high", c.get("high").asDouble(), r.high()),
                    () -> close("metafor estimate", c.get("metafor_estimate").asDouble(), r.estimate()),
                    () -> close("metafor low", c.get("metafor_low").asDouble(), r.low()),
                    () -> close("metafor high", c.get("metafor_high").asDouble(), r.high()),
                    () -> assertEquals(used, r.strataUsed()),
                    () -> assertEquals(c.get("dropped").size(), r.strataDropped()));
        })));
        return tests.stream();
    }

    @TestFactory
    Stream<DynamicTest> sandwichIsVcovCl() {
        List<DynamicTest> tests = new ArrayList<>();
        ORACLE.get("sandwich").forEach(c -> tests.add(DynamicTest.dynamicTest(c.get("name").asText(), () -> {
            // patient-level rows to the sums a Spark job aggregates: per group, and across groups per patient
            Map<String, double[]> a = new HashMap<>();
            Map<String, double[]> b = new HashMap<>();
            for (int i = 0; i < c.get("y").size(); i++) {
                String patient = c.get("patient").get(i).asText();
                Map<String, double[]> m = c.get("group").get(i).asText().equals("a") ? a : b;
                double[] yt = m.computeIfAbsent(patient, k -> new double[2]);
                yt[0] += c.get("y").get(i).asDouble();
                yt[1] += c.get("t").get(i).asDouble();
            }
            GroupSums sa = sums(a);
            GroupSums sb = sums(b);
            double yy = 0;
            double yt = 0;
            double ty = 0;
            double tt = 0;
            for (Map.Entry<String, double[]> e : a.entrySet()) {
                double[] other = b.get(e.getKey());
                if (other != null) {
                    yy += e.getValue()[0] * other[0];
                    yt += e.getValue()[0] * other[1];
                    ty += e.getValue()[1] * other[0];
                    tt += e.getValue()[1] * other[1];
                }
            }
            CrossSums both = new CrossSums(yy, yt, ty, tt);
            assertAll(() -> close("log rate a", c.get("log_rate_a").asDouble(), Math.log(sa.rate())),
                    () -> close("var log rate a", c.get("var_log_rate_a").asDouble(),
                            ClusteredPoissonRates.logRateVariance(sa)),
                    () -> close("var log rate b", c.get("var_log_rate_b").asDouble(),
                            ClusteredPoissonRates.logRateVariance(sb)),
                    () -> close("var log irr", c.get("var_log_irr").asDouble(),
                            ClusteredPoissonRates.logRateRatioVariance(sa, sb, both)));
        })));
        return tests.stream();
    }

    private static GroupSums sums(Map<String, double[]> patients) {
        double y = 0;
        double t = 0;
        double yy = 0;
        double yt = 0;
        double tt = 0;
        for (double[] p : patients.values()) {
            y += p[0];
            t += p[1];
            yy += p[0] * p[0];
            yt += p[0] * p[1];
            tt += p[1] * p[1];
        }
        return new GroupSums(y, t, yy, yt, tt);
    }

    private static void close(String what, double expected, double actual) {
        assertEquals(expected, actual, REL_TOL * Math.max(Math.abs(expected), 1e-3), what);
    }

    private static JsonNode load() {
        try (InputStream in = RegistryRatesOracleTest.class.getResourceAsStream("/oracle/registry-rates.json")) {
            if (in == null) {
                throw new IllegalStateException("missing oracle/registry-rates.json");
            }
            return new ObjectMapper().readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
