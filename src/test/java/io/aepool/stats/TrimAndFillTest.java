package io.aepool.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class TrimAndFillTest {

    private static final ZeroCellRule RULE = ZeroCellRule.DEFAULT;

    /** IRD studies with person-time 1000 in both arms: y = (x1 − x2)/1000, v = (x1 + x2)/1000². */
    private static StudyCounts ird(String id, long x1, long x2) {
        return StudyCounts.rate(id, x1, 1000, x2, 1000);
    }

    /** Five studies with equal variance (x1 + x2 = 20) and y·1000 = sign · (0, 8, 10, 12, 14). */
    private static List<StudyCounts> equalVariance(int sign) {
        long[] half = {0, 4, 5, 6, 7};
        String[] ids = {"a", "b", "c", "d", "e"};
        StudyCounts[] out = new StudyCounts[5];
        for (int i = 0; i < 5; i++) {
            out[i] = ird(ids[i], 10 + sign * half[i], 10 - sign * half[i]);
        }
        return List.of(out);
    }

    @Test
    void handWorkedL0ExampleFillsOneMirroredStudy() {
        // y = 2·(0, 4, 5, 6, 7) (×1e-3). Equal variances make the side regression singular: metafor then takes "left".
        // In units of 2e-3: iteration 1: mean 4.4, centred −4.4 −0.4 0.6 1.6 2.6, positive ranks 2 + 3 + 4 = 9,
        // L0 = (36 − 30)/9 → 1. Iteration 2: mean of 0, 4, 5, 6 = 3.75, centred −3.75 0.25 1.25 2.25 3.25, S = 10,
        // L0 = 10/9 → 1: stable. Filled: 2·3.75 − 7 = 0.5; adjusted mean of 0, 4, 5, 6, 7, 0.5 = 3.75.
        TrimAndFillResult r = TrimAndFill.of(equalVariance(1), EffectMeasure.IRD, PoolingMethod.IV, RULE);
        assertTrue(r.isOk(), r.status());
        assertEquals(TrimAndFill.Side.LEFT, r.side());
        assertEquals(1, r.k0());
        assertEquals(1.7008717176852144, r.k0Se(), 1e-12);
        assertEquals(1, r.filled().size());
        EffectSize f = r.filled().get(0);
        assertEquals("filled:e", f.studyId());
        assertEquals(1e-3, f.yi(), 1e-15);
        assertEquals(20e-6, f.vi(), 1e-18);
        assertEquals(6, r.adjusted().k());
        assertEquals(5, r.observed().k());
        assertEquals(8.8e-3, r.observed().theta(), 1e-15);
        assertEquals(7.5e-3, r.adjusted().theta(), 1e-15);
        assertEquals(Math.sqrt(20e-6 / 6), r.adjusted().se(), 1e-15);
        assertTrue(r.fewerThanTenStudies());
    }

    @Test
    void theMirrorImageOnTheRightSideFillsTheMirroredStudy() {
        TrimAndFillResult r = TrimAndFill.of(equalVariance(-1), EffectMeasure.IRD, PoolingMethod.IV, CiMethod.WALD_Z,
                RULE, TrimAndFill.Side.RIGHT);
        assertEquals(TrimAndFill.Side.RIGHT, r.side());
        assertEquals(1, r.k0());
        assertEquals(-1e-3, r.filled().get(0).yi(), 1e-15);
        assertEquals(-7.5e-3, r.adjusted().theta(), 1e-15);
    }

    @Test
    void aSymmetricFunnelFillsNothingAndKeepsTheObservedModel() {
        List<StudyCounts> sym = List.of(ird("a", 10, 10), ird("b", 12, 8), ird("c", 8, 12), ird("d", 15, 5), ird("e", 5, 15));
        TrimAndFillResult r = TrimAndFill.of(sym, EffectMeasure.IRD, PoolingMethod.DL, RULE);
        assertEquals(0, r.k0());
        assertTrue(r.filled().isEmpty());
        assertSame(r.observed(), r.adjusted());
    }

    @Test
    void negativeSlopeOnTheStandardErrorMeansStudiesMissingOnTheRight() {
        // small (high-variance) studies have the lower effects
        double[] y = {-1.0, -0.6, -0.2, 0.0, 0.1};
        double[] v = {0.5, 0.3, 0.1, 0.05, 0.02};
        assertEquals(TrimAndFill.Side.RIGHT, TrimAndFill.estimateSide(y, v, PoolingMethod.IV));
        double[] flipped = {1.0, 0.6, 0.2, 0.0, -0.1};
        assertEquals(TrimAndFill.Side.LEFT, TrimAndFill.estimateSide(flipped, v, PoolingMethod.DL));
    }

    @Test
    void mantelHaenszelAndPetoAreRejected() {
        assertThrows(IllegalArgumentException.class,
                () -> TrimAndFill.of(equalVariance(1), EffectMeasure.IRD, PoolingMethod.MH, RULE));
        assertThrows(IllegalArgumentException.class,
                () -> TrimAndFill.of(equalVariance(1), EffectMeasure.OR, PoolingMethod.PETO, RULE));
        assertThrows(IllegalArgumentException.class, () -> TrimAndFill.of(equalVariance(1), EffectMeasure.IRD,
                PoolingMethod.IV, CiMethod.HKSJ, RULE, null));
    }

    @Test
    void fewerThanThreeStudiesAreNotEstimable() {
        TrimAndFillResult r = TrimAndFill.of(equalVariance(1).subList(0, 2), EffectMeasure.IRD, PoolingMethod.DL, RULE);
        assertEquals("not estimable: fewer than 3 studies", r.status());
        assertEquals(-1, r.k0());
        assertTrue(r.filled().isEmpty());
        assertEquals(2, r.adjusted().k());
    }
}
