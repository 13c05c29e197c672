package io.aepool.stats;

/**
 * One study's coordinates in the Baujat et al. (2002) plot.
 *
 * @param contributionToQ x: (y − θ)²/(v + tau²), the study's share of Cochran's Q (tau² = 0 for IV, as in Baujat)
 * @param influence       y: (θ₍₋ᵢ₎ − θ)²/se²₍₋ᵢ₎, the standardised shift of the pooled estimate without the study
 */
public record BaujatPoint(String studyId, double contributionToQ, double influence) {
}
