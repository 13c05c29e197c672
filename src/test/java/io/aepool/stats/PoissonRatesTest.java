package io.aepool.stats;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.aepool.stats.PoissonRates.RateInterval;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.commons.math3.exception.NotPositiveException;
import org.apache.commons.math3.exception.NotStrictlyPositiveException;
import org.apache.commons.math3.exception.OutOfRangeException;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Exact intervals of incidence rates and rate ratios. Oracle: R 4.2.2 {@code poisson.test}, values in
 * {@code src/test/resources/oracle/poisson-rates.json} made by {@code make-rates-oracle.R} (15 significant digits).
 */
class PoissonRatesTest {

    /** Every oracle value to 1e-9 relative; R prints 15 significant digits. */
    private static final double REL_TOL = 1e-9;

    private static final JsonNode ORACLE = load();

    @TestFactory
    Stream<DynamicTest> incidenceIntervalIsRsPoissonTestOfOneRate() {
        List<DynamicTest> tests = new ArrayList<>();
        ORACLE.get("incidence").forEach(c -> {
            long x = c.get("x").asLong();
            double t = c.get("T").asDouble();
            double level = c.get("conf_level").asDouble();
            String name = "poisson.test(" + x + ", " + t + ", conf.level = " + level + ")";
            tests.add(DynamicTest.dynamicTest(name, () -> assertMatches(name, c, PoissonRates.incidence(x, t, level))));
        });
        return tests.stream();
    }

    @TestFactory
    Stream<DynamicTest> rateRatioIsRsPoissonTestOfTwoRates() {
        List<DynamicTest> tests = new ArrayList<>();
        ORACLE.get("rate_ratio").forEach(c -> {
            long x1 = c.get("x1").asLong();
            long x2 = c.get("x2").asLong();
            double t1 = c.get("t1").asDouble();
            double t2 = c.get("t2").asDouble();
            double level = c.get("conf_level").asDouble();
            String name = "poisson.test(c(" + x1 + ", " + x2 + "), c(" + t1 + ", " + t2 + "), conf.level = " + level + ")";
            tests.add(DynamicTest.dynamicTest(name,
                    () -> assertMatches(name, c, PoissonRates.rateRatio(x1, t1, x2, t2, level))));
        });
        return tests.stream();
    }

    @Test
    void per100IsTheIncidenceScaledToHundredPersonYears() {
        JsonNode c = ORACLE.get("incidence").get(5); // poisson.test(17, 12.3)
        assertEquals(17, c.get("x").asLong());
        RateInterval r = PoissonRates.per100(17, 12.3, 0.95);
        assertClose("per100 estimate", 100 * c.get("estimate").asDouble(), r.estimate());
        assertClose("per100 low", 100 * c.get("low").asDouble(), r.low());
        assertClose("per100 high", 100 * c.get("high").asDouble(), r.high());
    }

    @ParameterizedTest(name = "x = {0}, T = {1}")
    @CsvSource({"0, 0.5", "1, 12.3", "3, 1234.5", "17, 12.3", "250, 1e6", "10000, 0.5"})
    void rateIntervalContainsTheEstimateAndWidensWithTheLevel(long x, double t) {
        RateInterval r95 = PoissonRates.incidence(x, t, 0.95);
        RateInterval r99 = PoissonRates.incidence(x, t, 0.99);
        assertAll(
                () -> assertTrue(r95.low() <= r95.estimate() && r95.estimate() <= r95.high(), "95% contains x/T"),
                () -> assertTrue(r99.low() <= r95.low() && r95.high() < r99.high(), "99% is wider than 95%"),
                () -> assertTrue(x == 0 ? r99.low() == r95.low() : r99.low() < r95.low(), "lower limit moves down"));
    }

    @ParameterizedTest(name = "{0}/{1} vs {2}/{3}")
    @CsvSource({"3, 1234.5, 17, 1234.5", "1, 0.5, 10000, 1e6", "250, 1234.5, 17, 12.3", "0, 12.3, 5, 10"})
    void rateRatioIntervalContainsTheEstimateAndWidensWithTheLevel(long xa, double ta, long xb, double tb) {
        RateInterval r95 = PoissonRates.rateRatio(xa, ta, xb, tb, 0.95);
        RateInterval r99 = PoissonRates.rateRatio(xa, ta, xb, tb, 0.99);
        assertAll(
                () -> assertTrue(r95.low() <= r95.estimate() && r95.estimate() <= r95.high(), "95% contains the IRR"),
                () -> assertTrue(r99.low() <= r95.low() && r95.high() < r99.high(), "99% is wider than 95%"));
    }

    @Test
    void zeroEventsHaveLowerLimitZero() {
        assertEquals(0.0, PoissonRates.incidence(0, 12.3, 0.95).low());
        assertEquals(0.0, PoissonRates.incidence(0, 12.3, 0.95).estimate());
        assertEquals(0.0, PoissonRates.rateRatio(0, 12.3, 5, 10, 0.95).low());
        assertEquals(0.0, PoissonRates.rateRatio(0, 12.3, 5, 10, 0.95).estimate());
    }

    @Test
    void noReferenceEventsGiveAnInfiniteRatioAndUpperLimit() {
        RateInterval r = PoissonRates.rateRatio(4, 10, 0, 12, 0.95);
        assertEquals(Double.POSITIVE_INFINITY, r.estimate());
        assertEquals(Double.POSITIVE_INFINITY, r.high());
        assertTrue(r.low() > 0 && Double.isFinite(r.low()));
    }

    @Test
    void noEventsInEitherArmCarryNoInformation() {
        RateInterval r = PoissonRates.rateRatio(0, 10, 0, 12, 0.95);
        assertTrue(Double.isNaN(r.estimate()) && Double.isNaN(r.low()) && Double.isNaN(r.high()));
    }

    @Test
    void ratioOfEqualRatesIsSymmetricOnTheLogScale() {
        // swapping the arms inverts the ratio and its limits: IRR(B vs A) = 1/IRR(A vs B)
        RateInterval ab = PoissonRates.rateRatio(17, 12.3, 3, 0.5, 0.95);
        RateInterval ba = PoissonRates.rateRatio(3, 0.5, 17, 12.3, 0.95);
        assertClose("estimate", 1 / ab.estimate(), ba.estimate());
        assertClose("low", 1 / ab.high(), ba.low());
        assertClose("high", 1 / ab.low(), ba.high());
    }

    @Test
    void badArgumentsAreRejectedAtTheDoorWithTypedExceptions() {
        assertAll(
                () -> assertThrows(NotPositiveException.class, () -> PoissonRates.incidence(-1, 1, 0.95)),
                () -> assertThrows(NotStrictlyPositiveException.class, () -> PoissonRates.incidence(1, 0, 0.95)),
                () -> assertThrows(NotStrictlyPositiveException.class, () -> PoissonRates.incidence(1, Double.NaN, 0.95)),
                () -> assertThrows(OutOfRangeException.class, () -> PoissonRates.incidence(1, 1, 0)),
                () -> assertThrows(OutOfRangeException.class, () -> PoissonRates.incidence(1, 1, 1)),
                () -> assertThrows(OutOfRangeException.class, () -> PoissonRates.per100(1, 1, 95)),
                () -> assertThrows(NotPositiveException.class, () -> PoissonRates.rateRatio(1, 1, -2, 1, 0.95)),
                () -> assertThrows(NotStrictlyPositiveException.class, () -> PoissonRates.rateRatio(1, 1, 2, -1, 0.95)),
                () -> assertThrows(OutOfRangeException.class, () -> PoissonRates.rateRatio(1, 1, 2, 1, Double.NaN)));
    }

    private static void assertMatches(String where, JsonNode expected, RateInterval actual) {
        assertAll(where,
                () -> assertClose(where + " estimate", value(expected.get("estimate")), actual.estimate()),
                () -> assertClose(where + " low", value(expected.get("low")), actual.low()),
                () -> assertClose(where + " high", value(expected.get("high")), actual.high()));
    }

    /** jsonlite writes R's Inf as the string "Inf". */
    private static double value(JsonNode n) {
        if (n.isTextual()) {
            return switch (n.asText()) {
                case "Inf" -> Double.POSITIVE_INFINITY;
                case "-Inf" -> Double.NEGATIVE_INFINITY;
                default -> Double.NaN;
            };
        }
        return n.asDouble();
    }

    private static void assertClose(String what, double expected, double actual) {
        if (expected == actual || (Double.isNaN(expected) && Double.isNaN(actual))) {
            return;
        }
        double diff = Math.abs(actual - expected);
        if (!(diff <= REL_TOL * Math.abs(expected))) {
            fail(String.format("%s: expected %.15g but was %.15g (relative difference %.3g)",
                    what, expected, actual, diff / Math.abs(expected)));
        }
    }

    private static JsonNode load() {
        try (InputStream in = PoissonRatesTest.class.getResourceAsStream("/oracle/poisson-rates.json")) {
            if (in == null) {
                throw new IllegalStateException("missing oracle/poisson-rates.json");
            }
            return new ObjectMapper().readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
