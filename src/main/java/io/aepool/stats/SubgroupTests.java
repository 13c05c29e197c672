package io.aepool.stats;

import java.util.List;

/** Test for differences between subgroup estimates. */
public final class SubgroupTests {

    /** Status when fewer than two subgroups have a pooled estimate. */
    public static final String FEWER_THAN_TWO = "not estimable: fewer than 2 subgroups";

    private SubgroupTests() {
    }

    /**
     * Q-between over the subgroups whose estimate is ok (and has a positive finite se):
     * Q = Σ w_g(θ_g − θ̄)², w_g = 1/se_g², θ̄ = Σ w_g θ_g / Σ w_g, on G − 1 df (Borenstein et al. 2009, ch. 19).
     */
    public static SubgroupTest of(List<PooledEstimate> groupEstimates) {
        int g = 0;
        double sw = 0;
        double swy = 0;
        for (PooledEstimate e : groupEstimates) {
            if (usable(e)) {
                double w = 1 / (e.se() * e.se());
                g++;
                sw += w;
                swy += w * e.theta();
            }
        }
        if (g < 2) {
            return new SubgroupTest(Double.NaN, Math.max(g - 1, 0), Double.NaN, g, FEWER_THAN_TWO);
        }
        double mean = swy / sw;
        double q = 0;
        for (PooledEstimate e : groupEstimates) {
            if (usable(e)) {
                q += (e.theta() - mean) * (e.theta() - mean) / (e.se() * e.se());
            }
        }
        return new SubgroupTest(q, g - 1, Dist.chiSquareUpper(q, g - 1), g, PooledEstimate.OK);
    }

    private static boolean usable(PooledEstimate e) {
        return e != null && e.isOk() && Double.isFinite(e.theta()) && Double.isFinite(e.se()) && e.se() > 0;
    }
}
