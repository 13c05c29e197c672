package io.aepool.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class PredictionIntervalTest {

    private static final List<StudyCounts> BCG = ReferenceData.load("bcg").studies();

    private static PooledEstimate dl(PredictionInterval pi, List<StudyCounts> studies) {
        return Poolers.create(EffectMeasure.RR, PoolingMethod.DL, CiMethod.WALD_Z, ZeroCellRule.DEFAULT, pi).pool(studies);
    }

    @Test
    void theFourArgumentCreateIsTheTKMinusTwoDefault() {
        PooledEstimate byDefault = Poolers.create(EffectMeasure.RR, PoolingMethod.DL, CiMethod.WALD_Z, ZeroCellRule.DEFAULT).pool(BCG);
        assertEquals(byDefault, dl(PredictionInterval.T_K_MINUS_2, BCG));
        assertEquals(11, byDefault.piDf());
    }

    @Test
    void theHalfWidthIsTheQuantileTimesRootOfTau2PlusSe2() {
        // bcg: k = 13; t(11, 0.975) = 2.200985160, t(12, 0.975) = 2.178812830, z(0.975) = 1.959963985
        PooledEstimate t2 = dl(PredictionInterval.T_K_MINUS_2, BCG);
        PooledEstimate t1 = dl(PredictionInterval.T_K_MINUS_1, BCG);
        PooledEstimate z = dl(PredictionInterval.Z, BCG);
        double root = Math.sqrt(t2.tau2() + t2.se() * t2.se());
        assertEquals(2.200985160, (t2.piHigh() - t2.theta()) / root, 1e-8);
        assertEquals(2.178812830, (t1.piHigh() - t1.theta()) / root, 1e-8);
        assertEquals(1.959963985, (z.piHigh() - z.theta()) / root, 1e-8);
        assertEquals(1.959963985, (z.theta() - z.piLow()) / root, 1e-8);
        assertEquals(12, t1.piDf());
        assertEquals(0, z.piDf(), "0 records the normal quantile");
        assertEquals(t2.ciLow(), z.ciLow(), 0, "only the prediction interval changes");
    }

    @Test
    void twoStudiesHaveAnIntervalOnlyWithZOrTKMinusOne() {
        List<StudyCounts> two = BCG.subList(0, 2);
        assertEquals(-1, dl(PredictionInterval.T_K_MINUS_2, two).piDf());
        assertTrue(Double.isNaN(dl(PredictionInterval.T_K_MINUS_2, two).piLow()));
        assertEquals(1, dl(PredictionInterval.T_K_MINUS_1, two).piDf());
        assertEquals(0, dl(PredictionInterval.Z, two).piDf());
        assertTrue(Double.isFinite(dl(PredictionInterval.Z, two).piLow()));
        assertEquals(-1, dl(PredictionInterval.Z, BCG.subList(0, 1)).piDf(), "one study: no interval");
    }

    @Test
    void fixedEffectMethodsHaveNoPredictionIntervalWhateverTheOption() {
        PooledEstimate iv = Poolers.create(EffectMeasure.RR, PoolingMethod.IV, CiMethod.WALD_Z, ZeroCellRule.DEFAULT,
                PredictionInterval.Z).pool(BCG);
        assertEquals(-1, iv.piDf());
    }

    @ParameterizedTest
    @EnumSource(PredictionInterval.class)
    void labelsParseBack(PredictionInterval pi) {
        assertEquals(pi, PredictionInterval.parse(pi.label()));
        assertEquals(pi, PredictionInterval.parse(pi.name().toLowerCase()));
    }

    @Test
    void unknownLabelsAndNullAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> PredictionInterval.parse("t(k-3)"));
        assertThrows(IllegalArgumentException.class, () -> Poolers.create(EffectMeasure.RR, PoolingMethod.DL,
                CiMethod.WALD_Z, ZeroCellRule.DEFAULT, null));
    }
}
