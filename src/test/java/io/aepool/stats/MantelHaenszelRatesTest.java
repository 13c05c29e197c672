package io.aepool.stats;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aepool.stats.MantelHaenszelRates.Result;
import io.aepool.stats.MantelHaenszelRates.Stratum;
import java.util.List;
import org.apache.commons.math3.exception.NoDataException;
import org.apache.commons.math3.exception.NotPositiveException;
import org.apache.commons.math3.exception.NullArgumentException;
import org.apache.commons.math3.exception.OutOfRangeException;
import org.junit.jupiter.api.Test;

/**
 * Mantel–Haenszel rate ratio with the Greenland–Robins variance: a case computed by hand in exact fractions, the
 * published British doctors example, degenerate strata and the checks at the door. R's values for the same data are
 * compared in {@link RegistryRatesOracleTest}.
 */
class MantelHaenszelRatesTest {

    private static final double TOL = 1e-12;

    /**
     * By hand: stratum 1 (a 2, T1 1, b 1, T0 1, T 2): a·T0/T = 1, b·T1/T = 1/2, M·T1·T0/T² = 3/4; stratum 2 (a 1,
     * T1 1, b 2, T0 3, T 4): 3/4, 1/2, 9/16. IRR = (1 + 3/4)/(1/2 + 1/2) = 7/4; Var = (3/4 + 9/16)/(7/4 · 1) = 3/4.
     * A third stratum without comparator time drops out.
     */
    @Test
    void handComputedTwoStrataAndOneDropped() {
        Result r = MantelHaenszelRates.rateRatio(List.of(new Stratum(2, 1, 1, 1), new Stratum(1, 1, 2, 3),
                new Stratum(5, 2.5, 0, 0)), 0.95);
        double half = 1.959963984540054 * Math.sqrt(0.75);
        assertAll(() -> assertEquals(1.75, r.estimate(), TOL),
                () -> assertEquals(0.75, r.logVariance(), TOL),
                () -> assertEquals(1.75 * Math.exp(-half), r.low(), 1e-12),
                () -> assertEquals(1.75 * Math.exp(half), r.high(), 1e-12),
                () -> assertEquals(2, r.strataUsed()),
                () -> assertEquals(1, r.strataDropped()));
    }

    /** One stratum: the crude ratio, and the GR variance reduces to 1/a + 1/b. */
    @Test
    void oneStratumIsTheCrudeRatioWithPoissonVariance() {
        Result r = MantelHaenszelRates.rateRatio(List.of(new Stratum(17, 12.3, 3, 0.5)), 0.95);
        assertEquals((17 / 12.3) / (3 / 0.5), r.estimate(), 1e-12);
        assertEquals(1.0 / 17 + 1.0 / 3, r.logVariance(), 1e-12);
    }

    /**
     * Smoking and coronary deaths in British doctors by age (Doll &amp; Hill; the {@code dollhill3} data of Stata's
     * manual, [ST] epitab, {@code ir deaths smokes pyears, by(age)}, which prints IRR_MH 1.424682 with the 95%
     * interval 1.154703 to 1.757784 from the Greenland–Robins variance; crude 1.719823; Rothman, Greenland &amp; Lash
     * (2008) ch. 15 round it to 1.42). Checked to the 7 digits printed.
     */
    @Test
    void britishDoctorsPublishedExample() {
        Result r = MantelHaenszelRates.rateRatio(BRITISH_DOCTORS, 0.95);
        assertAll(() -> assertEquals(1.424682, r.estimate(), 5e-7),
                () -> assertEquals(1.154703, r.low(), 5e-7),
                () -> assertEquals(1.757784, r.high(), 5e-7),
                () -> assertEquals(5, r.strataUsed()),
                () -> assertEquals(0, r.strataDropped()));
    }

    /** Smokers: deaths, person-years; non-smokers: deaths, person-years; age 35–44 to 75–84. */
    static final List<Stratum> BRITISH_DOCTORS = List.of(
            new Stratum(32, 52407, 2, 18790), new Stratum(104, 43248, 12, 10673), new Stratum(206, 28612, 28, 5710),
            new Stratum(186, 12663, 28, 2585), new Stratum(102, 5317, 31, 1462));

    @Test
    void degenerateStrata() {
        Result noA = MantelHaenszelRates.rateRatio(List.of(new Stratum(0, 10, 3, 10), new Stratum(0, 5, 1, 5)), 0.95);
        Result noB = MantelHaenszelRates.rateRatio(List.of(new Stratum(2, 10, 0, 10)), 0.95);
        Result none = MantelHaenszelRates.rateRatio(List.of(new Stratum(0, 10, 0, 10)), 0.95);
        Result allDropped = MantelHaenszelRates.rateRatio(List.of(new Stratum(2, 0, 1, 10), new Stratum(3, 4, 0, 0)), 0.95);
        assertAll(() -> assertEquals(0, noA.estimate()), () -> assertTrue(Double.isNaN(noA.low())),
                () -> assertEquals(Double.POSITIVE_INFINITY, noB.estimate()), () -> assertTrue(Double.isNaN(noB.high())),
                () -> assertTrue(Double.isNaN(none.estimate())), () -> assertEquals(1, none.strataUsed()),
                () -> assertTrue(Double.isNaN(allDropped.estimate())), () -> assertEquals(0, allDropped.strataUsed()),
                () -> assertEquals(2, allDropped.strataDropped()));
    }

    @Test
    void inputsAreCheckedAtTheDoor() {
        assertAll(() -> assertThrows(NotPositiveException.class, () -> new Stratum(-1, 1, 1, 1)),
                () -> assertThrows(NotPositiveException.class, () -> new Stratum(1, 1, -2, 1)),
                () -> assertThrows(NotPositiveException.class, () -> new Stratum(1, -1, 1, 1)),
                () -> assertThrows(NotPositiveException.class, () -> new Stratum(1, 1, 1, Double.NaN)),
                () -> assertThrows(NotPositiveException.class, () -> new Stratum(1, Double.POSITIVE_INFINITY, 1, 1)),
                () -> assertThrows(NullArgumentException.class, () -> MantelHaenszelRates.rateRatio(null, 0.95)),
                () -> assertThrows(NoDataException.class, () -> MantelHaenszelRates.rateRatio(List.of(), 0.95)),
                () -> assertThrows(OutOfRangeException.class,
                        () -> MantelHaenszelRates.rateRatio(List.of(new Stratum(1, 1, 1, 1)), 1.0)));
    }
}
