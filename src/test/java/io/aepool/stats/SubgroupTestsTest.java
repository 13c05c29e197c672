package io.aepool.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class SubgroupTestsTest {

    private static PooledEstimate group(double theta, double se) {
        double n = Double.NaN;
        return new PooledEstimate(EffectMeasure.RR, PoolingMethod.MH, CiMethod.WALD_Z, "only0:0.5,drop00", 3, theta, se,
                n, n, n, n, 2, n, n, n, 0, n, n, n, n, n, n, -1, PooledEstimate.OK);
    }

    private static PooledEstimate notEstimable() {
        return PooledEstimate.notEstimable(EffectMeasure.RR, PoolingMethod.MH, CiMethod.WALD_Z, "x", 0, "no studies");
    }

    @Test
    void qBetweenIsTheWeightedSpreadOfSubgroupEstimatesOnGMinusOneDf() {
        SubgroupTest t = SubgroupTests.of(List.of(group(0, 1), group(1, 1)));
        assertEquals(0.5, t.qBetween(), 1e-14);
        assertEquals(1, t.df());
        assertEquals(2, t.groups());
        assertEquals(0.47950012218695337, t.pValue(), 1e-12);
        assertEquals(PooledEstimate.OK, t.status());
    }

    @Test
    void fewerThanTwoSubgroupsIsNotEstimable() {
        SubgroupTest t = SubgroupTests.of(List.of(group(0.3, 0.1)));
        assertEquals("not estimable: fewer than 2 subgroups", t.status());
        assertTrue(Double.isNaN(t.qBetween()));
        assertTrue(Double.isNaN(t.pValue()));
        assertEquals(1, t.groups());
    }

    @Test
    void subgroupsThatCouldNotBePooledAreSkipped() {
        SubgroupTest t = SubgroupTests.of(List.of(group(0, 1), notEstimable(), group(1, 1)));
        assertEquals(2, t.groups());
        assertEquals(0.5, t.qBetween(), 1e-14);
        assertEquals("not estimable: fewer than 2 subgroups", SubgroupTests.of(List.of(group(0, 1), notEstimable())).status());
    }

    @Test
    void noSubgroupsIsNotEstimable() {
        assertEquals(0, SubgroupTests.of(List.of()).groups());
    }
}
