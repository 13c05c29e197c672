package io.aepool.plan;

import io.aepool.stats.RateRatioSums;
import io.aepool.stats.StudyCounts;

import java.io.Serializable;
import java.util.Map;

/**
 * One comparison of one outcome as the analyses see it: the 2×2 counts, person-time where known, and
 * the study attributes (condition, drug, year, ...) that pools and subgroups select on.
 * Plain fields so the table can be broadcast to Spark tasks.
 * <p>
 * {@code participantCounts} is false for rate data published as events and person-years per arm without arm sizes
 * (metafor's {@code x1i, t1i, x2i, t2i}): {@code nExp} and {@code nCtl} are then 0 and mean "unknown" (the engine's
 * {@link StudyCounts#rate} convention), and such a study enters rate measures only. {@code inputOrder} is the study's
 * row in the study tables as read (files in conf order, rows in file order): cumulative analyses add studies of
 * the same year, or of no year, in that order. {@code stratifiedRateRatio} (null unless set) is a registry's rate
 * ratio adjusted over its strata: the IRR analyses take it in place of the crude counts ({@link StudyCounts}).
 */
public record StudyRecord(String outcome, String comparisonId, long eventsExp, long nExp, long eventsCtl, long nCtl,
                          Double personYearsExp, Double personYearsCtl, Integer year,
                          Map<String, String> attributes, boolean participantCounts, long inputOrder,
                          RateRatioSums stratifiedRateRatio)
        implements Serializable {

    /** A comparison without a stratified rate ratio. */
    public StudyRecord(String outcome, String comparisonId, long eventsExp, long nExp, long eventsCtl, long nCtl,
                       Double personYearsExp, Double personYearsCtl, Integer year,
                       Map<String, String> attributes, boolean participantCounts, long inputOrder) {
        this(outcome, comparisonId, eventsExp, nExp, eventsCtl, nCtl, personYearsExp, personYearsCtl, year, attributes,
                participantCounts, inputOrder, null);
    }

    public StudyRecord {
        attributes = Map.copyOf(attributes);
        if (!participantCounts && (nExp != 0 || nCtl != 0)) {
            throw new IllegalArgumentException(comparisonId + ": arm sizes are unknown, so n must be 0, not "
                    + nExp + " and " + nCtl);
        }
    }

    /** A comparison with arm sizes, in no particular input order (ties of year then follow the comparison id). */
    public StudyRecord(String outcome, String comparisonId, long eventsExp, long nExp, long eventsCtl, long nCtl,
                       Double personYearsExp, Double personYearsCtl, Integer year, Map<String, String> attributes) {
        this(outcome, comparisonId, eventsExp, nExp, eventsCtl, nCtl, personYearsExp, personYearsCtl, year, attributes,
                true, 0);
    }

    /** This comparison with a rate ratio adjusted over its strata, and one more attribute saying how. */
    public StudyRecord withStratifiedRateRatio(RateRatioSums sums, String attribute, String description) {
        Map<String, String> more = new java.util.LinkedHashMap<>(attributes);
        more.put(attribute, description);
        return new StudyRecord(outcome, comparisonId, eventsExp, nExp, eventsCtl, nCtl, personYearsExp, personYearsCtl,
                year, more, participantCounts, inputOrder, sums);
    }

    /** The experimental arm's size, or null when the study gave events and person-years only. */
    public Long knownNExp() {
        return participantCounts ? nExp : null;
    }

    /** The control arm's size, or null when the study gave events and person-years only. */
    public Long knownNCtl() {
        return participantCounts ? nCtl : null;
    }

    public boolean hasPersonTime() {
        return personYearsExp != null && personYearsCtl != null;
    }

    /** The value of a study attribute, or of study_id / comparison_id / outcome. */
    public String attribute(String name) {
        return switch (name) {
            case "comparison_id" -> comparisonId;
            case "outcome" -> outcome;
            default -> attributes.get(name);
        };
    }

    /** Counts for the engine: binary counts plus person-time when both arms have it. */
    public StudyCounts counts() {
        return new StudyCounts(comparisonId, eventsExp, nExp, eventsCtl, nCtl,
                personYearsExp == null ? Double.NaN : personYearsExp,
                personYearsCtl == null ? Double.NaN : personYearsCtl, hasPersonTime() ? stratifiedRateRatio : null);
    }
}
