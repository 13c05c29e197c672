package io.aepool.plan;

import io.aepool.stats.CiMethod;
import io.aepool.stats.EffectMeasure;
import io.aepool.stats.PoolingMethod;
import io.aepool.stats.PredictionInterval;
import io.aepool.stats.ZeroCellRule;

import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * One analysis: a value. Equal specs have equal ids in every run (the id hashes the canonical text),
 * which is what lets nightly runs be compared row by row.
 */
public record AnalysisSpec(String pool, String outcome, EffectMeasure measure, PoolingMethod method,
                           CiMethod ciMethod, PredictionInterval predictionInterval, ZeroCellRule zeroRule,
                           Subset subset) implements Serializable {

    private static final int PARTS = 8;

    private static final String SEP = "|";

    /** Canonical text: {@code pool|outcome|measure|method|ci|prediction interval|zero rule|subset}. */
    public String canonical() {
        return String.join(SEP, pool, outcome, measure.name(), method.name(), ciMethod.label(),
                predictionInterval.label(), zeroRule.label(), subset.label());
    }

    public static AnalysisSpec parse(String canonical) {
        String[] p = canonical.split("\\|", PARTS);
        if (p.length != PARTS) {
            throw new IllegalArgumentException("analysis spec '" + canonical + "' must have " + PARTS + " '|'-separated parts");
        }
        return new AnalysisSpec(p[0], p[1], EffectMeasure.parse(p[2]), PoolingMethod.parse(p[3]), CiMethod.parse(p[4]),
                PredictionInterval.parse(p[5]), ZeroCellRule.parse(p[6]), Subset.parse(p[7]));
    }

    /** Stable id: the first 16 hex digits of SHA-256 of the canonical text. */
    public String id() {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(canonical().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(hash, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
    }

    /** The same analysis on another subset (used to find an analysis's siblings, e.g. its subgroups). */
    public AnalysisSpec withSubset(Subset other) {
        return new AnalysisSpec(pool, outcome, measure, method, ciMethod, predictionInterval, zeroRule, other);
    }

    /** The same analysis with another pooling method and interval (e.g. the fixed-effect input of a bias test). */
    public AnalysisSpec withMethod(PoolingMethod otherMethod, CiMethod otherCi) {
        return new AnalysisSpec(pool, outcome, measure, otherMethod, otherCi, predictionInterval, zeroRule, subset);
    }
}
