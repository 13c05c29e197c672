package io.aepool.stats;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A study whose rate ratio is adjusted over its own strata (a registry's Mantel–Haenszel sums) enters the IRR
 * analyses in place of its crude counts: the MH pooler adds its sums as strata of the pooled MH estimate, the
 * inverse-variance poolers take ln IRR_MH with the Greenland–Robins variance; every other measure uses the counts.
 */
class StratifiedRateRatioTest {

    static final ZeroCellRule RULE = ZeroCellRule.DEFAULT;
    /** A registry's three strata: (a, T1, b, T0). */
    static final List<MantelHaenszelRates.Stratum> STRATA = List.of(new MantelHaenszelRates.Stratum(2, 10, 1, 20),
            new MantelHaenszelRates.Stratum(1, 5, 3, 15), new MantelHaenszelRates.Stratum(6, 30, 2, 8));

    /** The registry: its crude counts (the strata summed) and its stratified sums. */
    static StudyCounts registry() {
        RateRatioSums sums = MantelHaenszelRates.sums(STRATA, 1, 1).sums();
        return StudyCounts.rate("REG", 9, 45, 6, 43).withStratified(sums);
    }

    @Test
    void theMantelHaenszelPoolerTakesEachStratumOfTheRegistryAsAStratumOfItsOwn() {
        StudyCounts trial = StudyCounts.rate("T1", 4, 12.5, 2, 11);
        PooledEstimate withRegistry = Poolers.create(EffectMeasure.IRR, PoolingMethod.MH, CiMethod.WALD_Z, RULE)
                .pool(List.of(trial, registry()));
        // the same analysis with the registry's strata given as three studies
        PooledEstimate strataAsStudies = Poolers.create(EffectMeasure.IRR, PoolingMethod.MH, CiMethod.WALD_Z, RULE)
                .pool(List.of(trial, StudyCounts.rate("S1", 2, 10, 1, 20), StudyCounts.rate("S2", 1, 5, 3, 15),
                        StudyCounts.rate("S3", 6, 30, 2, 8)));
        // and by hand: Σ a·T0/T over the four strata / Σ b·T1/T
        double num = 4 * 11 / 23.5 + 2 * 20 / 30.0 + 1 * 15 / 20.0 + 6 * 8 / 38.0;
        double den = 2 * 12.5 / 23.5 + 1 * 10 / 30.0 + 3 * 5 / 20.0 + 2 * 30 / 38.0;
        assertAll(() -> assertEquals(Math.log(num / den), withRegistry.theta(), 1e-12),
                () -> assertEquals(strataAsStudies.theta(), withRegistry.theta(), 1e-12),
                () -> assertEquals(strataAsStudies.se(), withRegistry.se(), 1e-12),
                () -> assertEquals(2, withRegistry.k()));
    }

    @Test
    void inverseVarianceMethodsTakeTheAdjustedLogRatioWithTheGreenlandRobinsVariance() {
        MantelHaenszelRates.Result mh = MantelHaenszelRates.rateRatio(STRATA, 0.95);
        EffectSize e = EffectSizes.of(registry(), EffectMeasure.IRR, RULE).orElseThrow();
        PooledEstimate alone = Poolers.create(EffectMeasure.IRR, PoolingMethod.IV, CiMethod.WALD_Z, RULE)
                .pool(List.of(registry()));
        // the crude ratio differs: (9/45)/(6/43) = 1.433 against the adjusted 1.60
        EffectSize crude = EffectSizes.of(StudyCounts.rate("REG", 9, 45, 6, 43), EffectMeasure.IRR, RULE).orElseThrow();
        assertAll(() -> assertEquals(Math.log(mh.estimate()), e.yi(), 1e-12),
                () -> assertEquals(mh.logVariance(), e.vi(), 1e-12),
                () -> assertEquals(mh.low(), alone.ciLowNatural(), 1e-12),
                () -> assertEquals(mh.high(), alone.ciHighNatural(), 1e-12),
                () -> assertEquals(Math.log((9 / 45.0) / (6 / 43.0)), crude.yi(), 1e-12),
                () -> assertTrue(Math.abs(crude.yi() - e.yi()) > 0.05));
        // other measures use the counts: the rate difference is the crude one
        EffectSize ird = EffectSizes.of(registry(), EffectMeasure.IRD, RULE).orElseThrow();
        assertEquals(9 / 45.0 - 6 / 43.0, ird.yi(), 1e-12);
    }

    @Test
    void aDesignEffectWidensTheVarianceAndAGroupWithoutEventsFallsBackToTheCrudeCountsUnderTheZeroRule() {
        RateRatioSums sums = MantelHaenszelRates.sums(STRATA, 1, 1).sums();
        double v = EffectSizes.of(registry(), EffectMeasure.IRR, RULE).orElseThrow().vi();
        StudyCounts overdispersed = StudyCounts.rate("REG", 9, 45, 6, 43).withStratified(sums.withDispersion(2.5));
        assertEquals(2.5 * v, EffectSizes.of(overdispersed, EffectMeasure.IRR, RULE).orElseThrow().vi(), 1e-12);
        // the table's MH interval widened by the same factor
        MantelHaenszelRates.Result mh = MantelHaenszelRates.rateRatio(STRATA, 0.95);
        MantelHaenszelRates.Result wide = mh.scaled(2.5, 0.95);
        assertAll(() -> assertEquals(2.5 * v, wide.logVariance(), 1e-12),
                () -> assertEquals(mh.estimate() * Math.exp(1.959963984540054 * Math.sqrt(2.5 * v)), wide.high(), 1e-9),
                () -> assertEquals(mh, mh.scaled(1, 0.95)),
                () -> assertThrows(org.apache.commons.math3.exception.OutOfRangeException.class, () -> mh.scaled(0.9, 0.95)));

        // no comparator events in the strata used: the sums are not usable, the crude counts take the zero rule
        RateRatioSums noB = MantelHaenszelRates.sums(List.of(new MantelHaenszelRates.Stratum(3, 10, 0, 10)), 1, 1).sums();
        StudyCounts zero = StudyCounts.rate("Z", 3, 10, 0, 10).withStratified(noB);
        assertFalse(zero.hasUsableStratifiedRatio());
        assertEquals(EffectSizes.of(StudyCounts.rate("Z", 3, 10, 0, 10), EffectMeasure.IRR, RULE).orElseThrow().yi(),
                EffectSizes.of(zero, EffectMeasure.IRR, RULE).orElseThrow().yi(), 1e-15);
    }

    @Test
    void aSharedComparatorEntersAtItsShareInEveryStratum() {
        // half of the comparator's events and time: b and T0 halved in each stratum
        RateRatioSums half = MantelHaenszelRates.sums(STRATA, 0.5, 0.5).sums();
        double num = 2 * 10 / 20.0 + 1 * 7.5 / 12.5 + 6 * 4 / 34.0;
        double den = 0.5 * 10 / 20.0 + 1.5 * 5 / 12.5 + 1 * 30 / 34.0;
        assertAll(() -> assertEquals(num, half.exposed(), 1e-12), () -> assertEquals(den, half.reference(), 1e-12),
                () -> assertThrows(org.apache.commons.math3.exception.OutOfRangeException.class,
                        () -> MantelHaenszelRates.sums(STRATA, 0, 1)),
                () -> assertThrows(InvalidStudyException.class,
                        () -> StudyCounts.binary("B", 1, 10, 1, 10).withStratified(half)),
                () -> assertThrows(IllegalArgumentException.class, () -> half.withDispersion(0.5)));
    }
}
