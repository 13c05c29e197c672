package io.aepool.stats;

import java.util.List;

/**
 * Duval and Tweedie's (2000) trim and fill: the number of studies estimated missing on one side of the funnel
 * plot, the studies filled in (mirror images of the most extreme studies on the other side) and the model
 * refitted to the observed plus filled studies.
 *
 * @param side        the side of the funnel plot on which studies were estimated missing (null when not estimable)
 * @param k0          estimated number of missing studies (L0 or R0 estimator, rounded, >= 0); -1 when not estimable
 * @param k0Se        standard error of the unrounded estimate (L0: Duval & Tweedie's; R0: √(2·max(0, R0) + 2))
 * @param filled      the filled-in studies on the analysis scale; each id is {@code "filled:" + id of the mirrored study}
 * @param observed    the model on the observed studies
 * @param adjusted    the model on the observed plus filled studies ({@code adjusted.k() = observed.k() + k0});
 *                    equal to {@code observed} when k0 = 0
 * @param fewerThanTenStudies true when fewer than 10 studies were observed (Sterne et al. 2011)
 */
public record TrimAndFillResult(TrimAndFill.Side side, int k0, double k0Se, List<EffectSize> filled,
                                PooledEstimate observed, PooledEstimate adjusted, boolean fewerThanTenStudies,
                                String status) {

    public TrimAndFillResult {
        filled = List.copyOf(filled);
    }

    public boolean isOk() {
        return PooledEstimate.OK.equals(status);
    }
}
