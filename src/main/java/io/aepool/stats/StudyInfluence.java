package io.aepool.stats;

/**
 * Case-deletion diagnostics of one study in an intercept-only model (metafor {@code influence.rma.uni};
 * Viechtbauer & Cheung 2010). "Deleted" quantities come from the model fitted without the study.
 *
 * @param rstudent      studentized deleted residual (y − θ₍₋ᵢ₎)/√(v + tau²₍₋ᵢ₎ + se²₍₋ᵢ₎)
 * @param dffits        (θ − θ₍₋ᵢ₎)/√(h·(tau²₍₋ᵢ₎ + v))
 * @param cooksDistance (θ − θ₍₋ᵢ₎)²/se²
 * @param covRatio      det Var(θ₍₋ᵢ₎)/det Var(θ) = se²₍₋ᵢ₎/se²
 * @param tau2Deleted   tau² without the study (0 for IV)
 * @param qDeleted      Cochran's Q without the study
 * @param hat           leverage w/Σw
 * @param weight        the study's weight in percent, 100·w/Σw
 * @param dfbetas       (θ − θ₍₋ᵢ₎)/√(1/Σⱼ 1/(vⱼ + tau²₍₋ᵢ₎)) over all k studies
 * @param influential   metafor's flag: |DFFITS| > 3√(1/(k − 1)), P(χ²₁ ≤ D) > 0.5, hat > 3/k or |DFBETAS| > 1
 */
public record StudyInfluence(String studyId, double rstudent, double dffits, double cooksDistance, double covRatio,
                             double tau2Deleted, double qDeleted, double hat, double weight, double dfbetas,
                             boolean influential) {
}
