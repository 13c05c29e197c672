package io.aepool.plan;

import io.aepool.stats.StudyCounts;

import java.io.Serializable;
import java.util.Map;

/**
 * One comparison of one outcome as the analyses see it: the 2×2 counts, person-time where known, and
 * the study attributes (condition, drug, year, ...) that pools and subgroups select on.
 * Plain fields so the table can be broadcast to Spark tasks.
 */
public record StudyRecord(String outcome, String comparisonId, long eventsExp, long nExp, long eventsCtl, long nCtl,
                          Double personYearsExp, Double personYearsCtl, Integer year,
                          Map<String, String> attributes) implements Serializable {

    public StudyRecord {
        attributes = Map.copyOf(attributes);
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
                personYearsCtl == null ? Double.NaN : personYearsCtl);
    }
}
