package io.aepool.stats;

import java.util.List;

/**
 * Influence diagnostics of every study (input order, studies that enter the model) and their Baujat coordinates.
 * Lists are empty when {@code status} is not {@link PooledEstimate#OK}.
 */
public record InfluenceDiagnostics(EffectMeasure measure, PoolingMethod method, String zeroRule, int k,
                                   List<StudyInfluence> studies, List<BaujatPoint> baujat, String status) {

    public InfluenceDiagnostics {
        studies = List.copyOf(studies);
        baujat = List.copyOf(baujat);
    }

    public boolean isOk() {
        return PooledEstimate.OK.equals(status);
    }
}
