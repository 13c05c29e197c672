package io.aepool.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class StudyCountsTest {

    private static InvalidStudyException invalid(Executable e) {
        return assertThrows(InvalidStudyException.class, e);
    }

    @Test
    void negativeCountsAreRejectedNamingTheColumn() {
        assertEquals("events_exp", invalid(() -> StudyCounts.binary("s", -1, 10, 0, 10)).field());
        assertEquals("n_ctl", invalid(() -> StudyCounts.binary("s", 1, 10, 0, -10)).field());
    }

    @Test
    void eventsCannotExceedSubjects() {
        InvalidStudyException e = invalid(() -> StudyCounts.binary("s7", 11, 10, 0, 10));
        assertEquals("s7", e.studyId());
        assertEquals("events_exp", e.field());
        assertEquals("study s7, events_exp: events (11) exceed subjects (10)", e.getMessage());
        assertEquals("events_ctl", invalid(() -> StudyCounts.binary("s", 1, 10, 12, 10)).field());
    }

    @Test
    void personTimeMustBePositive() {
        assertEquals("time_exp", invalid(() -> StudyCounts.rate("s", 1, 0, 1, 10)).field());
        assertEquals("time_ctl", invalid(() -> StudyCounts.rate("s", 1, 10, 1, -5)).field());
    }

    @Test
    void studyIdMustNotBeBlank() {
        assertEquals("study_id", invalid(() -> StudyCounts.binary(" ", 1, 10, 1, 10)).field());
    }

    @Test
    void zeroCellRuleLabelRoundTrips() {
        for (String label : new String[] {"only0:0.5,drop00", "all:1,keep00", "none,drop00"}) {
            assertEquals(label, ZeroCellRule.parse(label).label());
        }
    }
}
