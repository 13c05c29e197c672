package io.aepool.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Trim and fill with Duval and Tweedie's R0 estimator. Agreement with metafor is in {@link MetaforOracleTest}. */
class TrimAndFillR0Test {

    /** IRD, person-time 1000 per arm, 20 events per study: equal variances, y = 2e-3·(−1, 0, 1, 8, 9). */
    private static final List<StudyCounts> FIVE = List.of(
            StudyCounts.rate("a", 9, 1000, 11, 1000),
            StudyCounts.rate("b", 10, 1000, 10, 1000),
            StudyCounts.rate("c", 11, 1000, 9, 1000),
            StudyCounts.rate("d", 18, 1000, 2, 1000),
            StudyCounts.rate("e", 19, 1000, 1, 1000));

    @Test
    void handWorkedR0Example() {
        // In units of 2e-3. Iteration 1: mean 3.4, centred −4.4 −3.4 −2.4 4.6 5.6, ranks of |·| 3 2 1 4 5; the
        // largest rank of a negative value is 3, so R0 = 5 − 3 − 1 = 1. Iteration 2: mean of −1, 0, 1, 8 = 2,
        // centred −3 −2 −1 6 7, largest negative rank 3, R0 = 1: stable. Fill 2·2 − 9 = −5; adjusted mean
        // (−1 + 0 + 1 + 8 + 9 − 5)/6 = 2. se(R0) = √(2·1 + 2) = 2. Equal variances: the side is "left".
        TrimAndFillResult r = TrimAndFill.of(FIVE, EffectMeasure.IRD, PoolingMethod.IV, CiMethod.WALD_Z,
                ZeroCellRule.DEFAULT, null, TrimAndFill.Estimator.R0);
        assertTrue(r.isOk(), r.status());
        assertEquals(TrimAndFill.Side.LEFT, r.side());
        assertEquals(1, r.k0());
        assertEquals(2, r.k0Se(), 1e-15);
        assertEquals("filled:e", r.filled().get(0).studyId());
        assertEquals(-10e-3, r.filled().get(0).yi(), 1e-15);
        assertEquals(4e-3, r.adjusted().theta(), 1e-15);
        assertEquals(6, r.adjusted().k());
    }

    @Test
    void l0IsTheDefaultEstimator() {
        TrimAndFillResult byDefault = TrimAndFill.of(FIVE, EffectMeasure.IRD, PoolingMethod.IV, CiMethod.WALD_Z,
                ZeroCellRule.DEFAULT, null);
        TrimAndFillResult l0 = TrimAndFill.of(FIVE, EffectMeasure.IRD, PoolingMethod.IV, CiMethod.WALD_Z,
                ZeroCellRule.DEFAULT, null, TrimAndFill.Estimator.L0);
        assertEquals(l0, byDefault);
    }

    @Test
    void theEstimatorMustBeGiven() {
        assertThrows(IllegalArgumentException.class, () -> TrimAndFill.of(FIVE, EffectMeasure.IRD, PoolingMethod.IV,
                CiMethod.WALD_Z, ZeroCellRule.DEFAULT, null, null));
    }
}
