package io.aepool.stats;

/**
 * One study's comparison: experimental arm against control arm.
 * For binary measures {@code nExp}/{@code nCtl} are subjects at risk; for rate measures
 * {@code timeExp}/{@code timeCtl} are person-time (NaN when unknown).
 * Validated at construction: the engine downstream trusts these invariants.
 * <p>
 * {@code stratified} (null for most studies) is the study's rate ratio adjusted over its own strata (a registry's
 * Mantel–Haenszel sums over condition × age band × sex): the incidence rate ratio takes it in place of the crude
 * counts (see {@link EffectSizes} and the MH pooler); every other measure uses the counts.
 */
public record StudyCounts(String studyId, long eventsExp, long nExp, long eventsCtl, long nCtl,
                          double timeExp, double timeCtl, RateRatioSums stratified) {

    /** Counts without a stratified rate ratio. */
    public StudyCounts(String studyId, long eventsExp, long nExp, long eventsCtl, long nCtl, double timeExp,
                       double timeCtl) {
        this(studyId, eventsExp, nExp, eventsCtl, nCtl, timeExp, timeCtl, null);
    }

    public StudyCounts {
        if (studyId == null || studyId.isBlank()) {
            throw new InvalidStudyException(String.valueOf(studyId), "study_id", "must not be blank");
        }
        requireNonNegative(studyId, "events_exp", eventsExp);
        requireNonNegative(studyId, "n_exp", nExp);
        requireNonNegative(studyId, "events_ctl", eventsCtl);
        requireNonNegative(studyId, "n_ctl", nCtl);
        if (eventsExp > nExp && nExp > 0) {
            throw new InvalidStudyException(studyId, "events_exp", "events (" + eventsExp + ") exceed subjects (" + nExp + ")");
        }
        if (eventsCtl > nCtl && nCtl > 0) {
            throw new InvalidStudyException(studyId, "events_ctl", "events (" + eventsCtl + ") exceed subjects (" + nCtl + ")");
        }
        if (!Double.isNaN(timeExp) && !(timeExp > 0)) {
            throw new InvalidStudyException(studyId, "time_exp", "person-time must be positive, was " + timeExp);
        }
        if (!Double.isNaN(timeCtl) && !(timeCtl > 0)) {
            throw new InvalidStudyException(studyId, "time_ctl", "person-time must be positive, was " + timeCtl);
        }
    }

    /** A binary study without person-time. */
    public static StudyCounts binary(String studyId, long eventsExp, long nExp, long eventsCtl, long nCtl) {
        return new StudyCounts(studyId, eventsExp, nExp, eventsCtl, nCtl, Double.NaN, Double.NaN);
    }

    /** A rate study: events over person-time, arm sizes unknown (0). */
    public static StudyCounts rate(String studyId, long eventsExp, double timeExp, long eventsCtl, double timeCtl) {
        return new StudyCounts(studyId, eventsExp, 0, eventsCtl, 0, timeExp, timeCtl);
    }

    /** The same counts with a stratified rate ratio (which needs person-time in both arms). */
    public StudyCounts withStratified(RateRatioSums sums) {
        if (sums != null && !hasPersonTime()) {
            throw new InvalidStudyException(studyId, "time_exp", "a stratified rate ratio needs person-time in both arms");
        }
        return new StudyCounts(studyId, eventsExp, nExp, eventsCtl, nCtl, timeExp, timeCtl, sums);
    }

    /** The stratified rate ratio applies and both groups have events in its strata. */
    public boolean hasUsableStratifiedRatio() {
        return stratified != null && stratified.isUsable();
    }

    public boolean hasPersonTime() {
        return !Double.isNaN(timeExp) && !Double.isNaN(timeCtl);
    }

    private static void requireNonNegative(String id, String column, long value) {
        if (value < 0) {
            throw new InvalidStudyException(id, column, "must be >= 0, was " + value);
        }
    }
}
