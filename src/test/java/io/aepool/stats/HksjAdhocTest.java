package io.aepool.stats;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * The ad hoc Hartung–Knapp interval truncates the scaling factor at 1 (Röver, Knapp & Friede 2015): it equals
 * plain HKSJ when studies vary more than their variances say, and is never narrower than Wald's variance.
 * Checked against metafor's DL/Z and DL/HKSJ standard errors (reference README).
 */
class HksjAdhocTest {

    private static PooledEstimate fit(String dataset, CiMethod ci) {
        return Poolers.create(EffectMeasure.RR, PoolingMethod.DL, ci, ZeroCellRule.DEFAULT)
                .pool(ReferenceData.load(dataset).studies());
    }

    @Test
    void equalsHksjWhenTheScalingFactorExceedsOne() {
        // bcg: metafor's HKSJ se 0.180696628335547 > Wald se 0.178742089535403
        PooledEstimate adhoc = fit("bcg", CiMethod.HKSJ_ADHOC);
        assertEquals(0.180696628335547, adhoc.se(), 1e-12);
        assertEquals(fit("bcg", CiMethod.HKSJ).ciLow(), adhoc.ciLow(), 1e-14);
    }

    @Test
    void fallsBackToTheWaldVarianceWithATQuantileWhenTheFactorIsBelowOne() {
        // hine1989: metafor's HKSJ se 0.151402196168143 < Wald se 0.269850593539467 (k = 6)
        PooledEstimate adhoc = fit("hine1989", CiMethod.HKSJ_ADHOC);
        assertEquals(0.269850593539467, adhoc.se(), 1e-12);
        double t5 = 2.570581835636314; // qt(0.975, 5)
        assertEquals(adhoc.theta() - t5 * 0.269850593539467, adhoc.ciLow(), 1e-9);
        assertEquals(CiMethod.HKSJ_ADHOC, adhoc.ciMethod());
    }

    @Test
    void belongsToRandomEffectsModelsOnly() {
        assertFalse(Poolers.supports(EffectMeasure.RR, PoolingMethod.IV, CiMethod.HKSJ_ADHOC));
        assertEquals(CiMethod.HKSJ_ADHOC, CiMethod.parse("hksj-adhoc"));
    }
}
