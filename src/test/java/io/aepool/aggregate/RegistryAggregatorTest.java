package io.aepool.aggregate;

import io.aepool.ingest.RegistryExtract;
import io.aepool.testing.DataFrameAssert;
import io.aepool.testing.SharedSpark;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Date;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Person-time at risk in a registry, as a specification. An exposure episode puts a patient at risk from its start
 * to its end plus the risk window, censored at the end of the observation period holding the start, at death and at
 * the as-of date; the at-risk intervals of one exposure group that overlap or touch are merged so no day counts
 * twice. Days count inclusively (end − start + 1) and person-years are days / 365.25. A first-event outcome stops a
 * patient's time at the first event inside at-risk time; a recurrent outcome counts every event inside it.
 */
@ExtendWith(SharedSpark.class)
class RegistryAggregatorTest {

    static final StructType EXPOSURES = new StructType().add("registry_id", DataTypes.StringType)
            .add("patient_id", DataTypes.StringType).add("drug", DataTypes.StringType)
            .add("exposure_group", DataTypes.StringType).add("start_date", DataTypes.DateType)
            .add("end_date", DataTypes.DateType);
    static final StructType EVENTS = new StructType().add("registry_id", DataTypes.StringType)
            .add("patient_id", DataTypes.StringType).add("event_date", DataTypes.DateType)
            .add("term", DataTypes.StringType).add("soc", DataTypes.StringType).add("serious", DataTypes.StringType)
            .add("hospitalised", DataTypes.StringType).add("concept_id", DataTypes.LongType);
    static final StructType PATIENTS = new StructType().add("registry_id", DataTypes.StringType)
            .add("patient_id", DataTypes.StringType).add("death_date", DataTypes.DateType)
            .add("birth_year", DataTypes.IntegerType).add("condition", DataTypes.StringType);
    static final StructType OBSERVATION = new StructType().add("registry_id", DataTypes.StringType)
            .add("patient_id", DataTypes.StringType).add("observation_start", DataTypes.DateType)
            .add("observation_end", DataTypes.DateType);
    static final StructType INCIDENCE = new StructType().add("registry_id", DataTypes.StringType)
            .add("exposure_group", DataTypes.StringType).add("outcome", DataTypes.StringType)
            .add("stratum_variable", DataTypes.StringType).add("stratum", DataTypes.StringType)
            .add("patients", DataTypes.LongType).add("events", DataTypes.LongType)
            .add("person_years", DataTypes.DoubleType);

    /** The incidence table with the per-patient sums of a robust variance (days). */
    static final StructType INCIDENCE_WITH_SUMS = INCIDENCE.add("sum_events_squared", DataTypes.LongType)
            .add("sum_events_days", DataTypes.LongType).add("sum_days_squared", DataTypes.LongType);

    static final double DAYS_PER_YEAR = 365.25;

    /** The count columns of an incidence table (without the sums of a robust variance). */
    static Dataset<Row> counts(Dataset<Row> incidence) {
        return incidence.select("registry_id", "exposure_group", "outcome", "stratum_variable", "stratum", "patients",
                "events", "person_years");
    }

    /** GI bleeding, first event: time stops at a patient's first bleed. */
    static final OutcomeDefinition FIRST_BLEED = new OutcomeDefinition("gi_bleed", false, false, List.of(),
            List.of("GI haemorrhage"), true, false, List.of());
    /** GI bleeding, every event over the whole at-risk time. */
    static final OutcomeDefinition EVERY_BLEED = new OutcomeDefinition("gi_bleed_recurrent", false, false, List.of(),
            List.of("GI haemorrhage"), false, false, List.of());

    private static Date d(String iso) {
        return iso == null ? null : Date.valueOf(iso);
    }

    static Row exposure(String patient, String group, String start, String end) {
        return RowFactory.create("R1", patient, group + "-drug", group, d(start), d(end));
    }

    static Row event(String patient, String date, String term) {
        return RowFactory.create("R1", patient, d(date), term, "Gastrointestinal disorders", "Y", "N", null);
    }

    static Row patient(String patient, String death, Integer birthYear, String condition) {
        return RowFactory.create("R1", patient, d(death), birthYear, condition);
    }

    static Row observation(String patient, String start, String end) {
        return RowFactory.create("R1", patient, d(start), d(end));
    }

    /** A hand-built extract; patients and observation may be null, as in a registry without them. */
    static RegistryExtract extract(SparkSession spark, List<Row> exposures, List<Row> events, List<Row> patients,
                                   List<Row> observation) {
        return new RegistryExtract(spark.createDataFrame(exposures, EXPOSURES), spark.createDataFrame(events, EVENTS),
                patients == null ? null : spark.createDataFrame(patients, PATIENTS),
                observation == null ? null : spark.createDataFrame(observation, OBSERVATION));
    }

    static RegistryAggregator.Settings window(int days) {
        return new RegistryAggregator.Settings(days, null, List.of());
    }

    /** At-risk intervals as "patient group start..end", sorted. */
    static List<String> intervals(Dataset<Row> atRisk) {
        List<String> out = new ArrayList<>();
        for (Row r : atRisk.collectAsList()) {
            out.add(r.getString(r.fieldIndex("patient_id")) + " " + r.getString(r.fieldIndex("exposure_group")) + " "
                    + r.getDate(r.fieldIndex("risk_start")) + ".." + r.getDate(r.fieldIndex("risk_end")));
        }
        out.sort(null);
        return out;
    }

    static Row incidenceRow(String group, String outcome, String variable, String stratum, long patients, long events,
                            long days) {
        return RowFactory.create("R1", group, outcome, variable, stratum, patients, events, days / DAYS_PER_YEAR);
    }

    // ---- at-risk intervals -------------------------------------------------------------------------------------

    @Test
    void theRiskWindowExtendsEachEpisodeEnd(SparkSession spark) {
        RegistryExtract x = extract(spark, List.of(exposure("P1", "jak", "2020-01-01", "2020-01-10")), List.of(), null, null);
        assertEquals(List.of("P1 jak 2020-01-01..2020-01-10"), intervals(RegistryAggregator.atRisk(x, window(0))));
        // 2020-01-10 + 30 days: 21 days to 2020-01-31, 9 more to 2020-02-09
        assertEquals(List.of("P1 jak 2020-01-01..2020-02-09"), intervals(RegistryAggregator.atRisk(x, window(30))));
    }

    @Test
    void overlappingEpisodesOfOneGroupAreMerged(SparkSession spark) {
        RegistryExtract x = extract(spark, List.of(
                exposure("P1", "jak", "2020-01-01", "2020-01-31"),
                exposure("P1", "jak", "2020-01-05", "2020-01-10"), // inside the first
                exposure("P1", "jak", "2020-01-20", "2020-02-15"), // overlaps the first
                // the same episode twice is one episode
                exposure("P2", "jak", "2020-03-01", "2020-03-10"),
                exposure("P2", "jak", "2020-03-01", "2020-03-10")), List.of(), null, null);
        assertEquals(List.of("P1 jak 2020-01-01..2020-02-15", "P2 jak 2020-03-01..2020-03-10"),
                intervals(RegistryAggregator.atRisk(x, window(0))));
    }

    @Test
    void anEpisodeStartingTheDayAfterThePreviousAtRiskEndIsMerged(SparkSession spark) {
        RegistryExtract x = extract(spark, List.of(
                // at risk to 2020-01-10 + 5 = 2020-01-15; the next starts 2020-01-16 and is at risk to 01-20 + 5 = 01-25
                exposure("P1", "jak", "2020-01-01", "2020-01-10"),
                exposure("P1", "jak", "2020-01-16", "2020-01-20"),
                // the third episode touches the first (at risk to 2020-01-31 + 5 = 02-05), not the short second one
                // (at risk to 2020-01-15): it starts 2020-02-06 and is at risk to 02-08 + 5 = 02-13
                exposure("P2", "jak", "2020-01-01", "2020-01-31"),
                exposure("P2", "jak", "2020-01-05", "2020-01-10"),
                exposure("P2", "jak", "2020-02-06", "2020-02-08")), List.of(), null, null);
        assertEquals(List.of("P1 jak 2020-01-01..2020-01-25", "P2 jak 2020-01-01..2020-02-13"),
                intervals(RegistryAggregator.atRisk(x, window(5))));
    }

    @Test
    void aGapOfTwoDaysOrMoreKeepsIntervalsApart(SparkSession spark) {
        // at risk to 2020-01-15; the next starts 2020-01-17, two days later (2020-01-16 is not at risk)
        RegistryExtract x = extract(spark, List.of(
                exposure("P1", "jak", "2020-01-01", "2020-01-10"),
                exposure("P1", "jak", "2020-01-17", "2020-01-20")), List.of(), null, null);
        assertEquals(List.of("P1 jak 2020-01-01..2020-01-15", "P1 jak 2020-01-17..2020-01-25"),
                intervals(RegistryAggregator.atRisk(x, window(5))));
    }

    @Test
    void episodesOfDifferentGroupsAreNeverMerged(SparkSession spark) {
        RegistryExtract x = extract(spark, List.of(
                exposure("P1", "jak", "2020-01-01", "2020-01-31"),
                exposure("P1", "tnf", "2020-01-16", "2020-02-14")), List.of(), null, null);
        // tnf, started later, takes the overlap 01-16..01-31 (latest_exposure, the default)
        assertEquals(List.of("P1 jak 2020-01-01..2020-01-15", "P1 tnf 2020-01-16..2020-02-14"),
                intervals(RegistryAggregator.atRisk(x, window(0))));
    }

    @Test
    void followUpStopsAtDeath(SparkSession spark) {
        RegistryExtract x = extract(spark, List.of(
                exposure("P1", "jak", "2020-01-01", "2020-01-10"),  // at risk to 02-09, dies 01-20
                exposure("P2", "jak", "2020-01-01", "2020-01-10"),  // dies 03-01, after the at-risk end
                exposure("P3", "jak", "2020-02-01", "2020-02-10"),  // starts after death: nothing
                exposure("P4", "jak", "2020-01-01", "2020-01-10")), // no patients row: no death known
                List.of(), List.of(
                        patient("P1", "2020-01-20", 1970, "psoriasis"),
                        patient("P2", "2020-03-01", 1970, "psoriasis"),
                        patient("P3", "2020-01-01", 1970, "psoriasis")), null);
        assertEquals(List.of("P1 jak 2020-01-01..2020-01-20", "P2 jak 2020-01-01..2020-02-09",
                        "P4 jak 2020-01-01..2020-02-09"),
                intervals(RegistryAggregator.atRisk(x, window(30))));
    }

    @Test
    void dyingOnTheStartDayLeavesOneDay(SparkSession spark) {
        RegistryExtract x = extract(spark, List.of(exposure("P1", "jak", "2020-01-01", "2020-01-10")), List.of(),
                List.of(patient("P1", "2020-01-01", 1970, "psoriasis")), null);
        assertEquals(List.of("P1 jak 2020-01-01..2020-01-01"), intervals(RegistryAggregator.atRisk(x, window(30))));
    }

    @Test
    void followUpStopsAtTheEndOfObservation(SparkSession spark) {
        RegistryExtract x = extract(spark, List.of(exposure("P1", "jak", "2020-01-01", "2020-01-10")), List.of(), null,
                List.of(observation("P1", "2019-01-01", "2020-01-25")));
        assertEquals(List.of("P1 jak 2020-01-01..2020-01-25"), intervals(RegistryAggregator.atRisk(x, window(30))));
    }

    @Test
    void followUpStopsAtTheAsOfDate(SparkSession spark) {
        RegistryExtract x = extract(spark, List.of(
                exposure("P1", "jak", "2020-01-01", "2020-01-10"),
                exposure("P2", "jak", "2020-02-01", "2020-02-10")), // starts after the as-of date: nothing
                List.of(), null, null);
        RegistryAggregator.Settings asOf = new RegistryAggregator.Settings(30, LocalDate.of(2020, 1, 15), List.of());
        assertEquals(List.of("P1 jak 2020-01-01..2020-01-15"), intervals(RegistryAggregator.atRisk(x, asOf)));
    }

    @Test
    void anEpisodeStartingOutsideEveryObservationPeriodContributesNothing(SparkSession spark) {
        RegistryExtract x = extract(spark, List.of(
                // starts before observation; its risk window would reach into it
                exposure("P1", "jak", "2019-12-01", "2019-12-20"),
                // starts before observation and overlaps an episode that starts inside it: only the second counts
                exposure("P2", "jak", "2019-12-01", "2020-01-10"),
                exposure("P2", "jak", "2020-01-05", "2020-01-20"),
                // no observation period at all
                exposure("P3", "jak", "2020-01-05", "2020-01-20")),
                List.of(), null, List.of(
                        observation("P1", "2020-01-01", "2020-12-31"),
                        observation("P2", "2020-01-01", "2020-12-31")));
        assertEquals(List.of("P2 jak 2020-01-05..2020-01-20"), intervals(RegistryAggregator.atRisk(x, window(0))));
        // with a 30-day window P2's first episode is at risk to 2020-02-09 but still starts outside observation:
        // the second is at risk from 2020-01-05 to 2020-01-20 + 30 = 2020-02-19
        assertEquals(List.of("P2 jak 2020-01-05..2020-02-19"), intervals(RegistryAggregator.atRisk(x, window(30))));
    }

    @Test
    void eachEpisodeIsCensoredByTheObservationPeriodHoldingItsStart(SparkSession spark) {
        // two observation periods with February unobserved; a 60-day window carries the January episode's at-risk
        // time (to 2020-01-20 + 60 = 2020-03-20) over the March episode, yet it is censored at 2020-01-31 and the
        // March episode is at risk in its own period: 2020-03-10 to 2020-03-20 + 60 = 2020-05-19
        // (11 days to 03-31, 30 to 04-30, 19 more)
        RegistryExtract x = extract(spark, List.of(
                exposure("P1", "jak", "2020-01-01", "2020-01-20"),
                exposure("P1", "jak", "2020-03-10", "2020-03-20")),
                List.of(), null, List.of(
                        observation("P1", "2020-01-01", "2020-01-31"),
                        observation("P1", "2020-03-01", "2020-12-31")));
        assertEquals(List.of("P1 jak 2020-01-01..2020-01-31", "P1 jak 2020-03-10..2020-05-19"),
                intervals(RegistryAggregator.atRisk(x, window(60))));
    }

    // ---- events and person-time -------------------------------------------------------------------------------

    @Test
    void aFirstEventOutcomeStopsTimeAtTheFirstEventWhileARecurrentOutcomeCountsEveryEvent(SparkSession spark) {
        RegistryExtract x = extract(spark, List.of(
                exposure("P1", "jak", "2020-01-01", "2020-01-31"),
                exposure("P2", "jak", "2020-01-01", "2020-01-31"),
                exposure("P3", "jak", "2020-01-01", "2020-01-10"),
                exposure("P3", "jak", "2020-03-01", "2020-03-31"),
                exposure("P3", "jak", "2020-05-01", "2020-05-10"),
                exposure("P4", "jak", "2020-01-01", "2020-01-31")),
                List.of(
                        // P1: bleeds on 01-10 and 01-20; a headache is no bleed
                        event("P1", "2020-01-10", "GI haemorrhage"),
                        event("P1", "2020-01-20", "gi haemorrhage"),
                        event("P1", "2020-01-05", "Headache"),
                        // P2: a bleed before exposure and one after the at-risk end are not counted
                        event("P2", "2019-12-15", "GI haemorrhage"),
                        event("P2", "2020-02-05", "GI haemorrhage"),
                        // P3: three intervals; bleeds in the second and third
                        event("P3", "2020-03-05", "GI haemorrhage"),
                        event("P3", "2020-05-05", "GI haemorrhage"),
                        // P4: a bleed on the day exposure starts
                        event("P4", "2020-01-01", "GI haemorrhage")),
                null, null);
        Dataset<Row> actual = RegistryAggregator.incidence(spark, x, List.of(FIRST_BLEED, EVERY_BLEED), window(0));

        // first event: P1 01-01..01-10 = 10 days; P2 all 31 days of January; P3 01-01..01-10 = 10, then
        // 03-01..03-05 = 5, and nothing after the first bleed; P4 01-01..01-01 = 1 day. 10 + 31 + 15 + 1 = 57 days,
        // bleeds of P1, P3 and P4 = 3 patients with a first event
        // recurrent: P1 31 days, 2 bleeds; P2 31, none; P3 10 + 31 + 10 = 51, 2 bleeds; P4 31, 1 bleed
        // = 144 days and 5 bleeds
        // per patient (events, days), first event: P1 (1, 10), P2 (0, 31), P3 (1, 15), P4 (1, 1): Σy² = 3,
        // Σy·t = 26, Σt² = 100 + 961 + 225 + 1 = 1287; recurrent: P1 (2, 31), P2 (0, 31), P3 (2, 51), P4 (1, 31):
        // Σy² = 9, Σy·t = 62 + 102 + 31 = 195, Σt² = 3·961 + 2601 = 5484
        Dataset<Row> expected = spark.createDataFrame(List.of(
                RowFactory.create("R1", "jak", "gi_bleed", "all", "all", 4L, 3L, 57 / DAYS_PER_YEAR, 3L, 26L, 1287L),
                RowFactory.create("R1", "jak", "gi_bleed_recurrent", "all", "all", 4L, 5L, 144 / DAYS_PER_YEAR, 9L, 195L,
                        5484L)), INCIDENCE_WITH_SUMS);
        DataFrameAssert.assertSameRows(expected, actual, 1e-12);
    }

    @Test
    void aCleanWindowTakesTheDaysAfterEachEventOutOfTimeAtRiskAndItsEventsOutOfTheCount(SparkSession spark) {
        OutcomeDefinition clean = new OutcomeDefinition("gi_bleed_recurrent", false, false, List.of(),
                List.of("GI haemorrhage"), false, false, List.of(), 10);
        RegistryExtract x = extract(spark, List.of(
                exposure("P1", "jak", "2020-01-01", "2020-01-31"),
                exposure("P2", "jak", "2020-01-01", "2020-01-31"),
                exposure("P3", "jak", "2020-01-01", "2020-01-31")),
                List.of(
                        // P1: 01-10 counts and excludes 01-11..01-20; 01-15 falls inside (not counted) and extends the
                        // era to 01-25; 01-25 falls inside too and adds 01-26..02-04: 21 of January's days excluded
                        event("P1", "2020-01-10", "GI haemorrhage"),
                        event("P1", "2020-01-15", "GI haemorrhage"),
                        event("P1", "2020-01-25", "GI haemorrhage"),
                        // P2: a bleed before exposure excludes 12-29..01-07 (7 days at risk); 01-20 counts and
                        // excludes 01-21..01-30 (10 more)
                        event("P2", "2019-12-28", "GI haemorrhage"),
                        event("P2", "2020-01-20", "GI haemorrhage")),
                null, null);
        Dataset<Row> actual = RegistryAggregator.incidence(spark, x, List.of(clean), window(0));

        // P1 (1 event, 31 − 21 = 10 days), P2 (1, 31 − 17 = 14), P3 (0, 31): 2 events, 55 days;
        // Σy² = 2, Σy·t = 10 + 14 = 24, Σt² = 100 + 196 + 961 = 1257
        Dataset<Row> expected = spark.createDataFrame(List.of(RowFactory.create("R1", "jak", "gi_bleed_recurrent", "all",
                "all", 3L, 2L, 55 / DAYS_PER_YEAR, 2L, 24L, 1257L)), INCIDENCE_WITH_SUMS);
        DataFrameAssert.assertSameRows(expected, actual, 1e-12);

        // without the window: every bleed inside January counts over all 93 days
        Dataset<Row> plain = RegistryAggregator.incidence(spark, x, List.of(EVERY_BLEED), window(0));
        assertEquals(4L, counts(plain).first().<Long>getAs("events"));
        // a first-event outcome has no clean window (its time ends at the first event)
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> new OutcomeDefinition("x",
                false, false, List.of(), List.of("GI haemorrhage"), true, false, List.of(), 10));
    }

    @Test
    void aCleanWindowAheadOfTheAsOfDateHoldsTheDaysUntilARecomputation(SparkSession spark) {
        OutcomeDefinition clean = new OutcomeDefinition("gi_bleed_recurrent", false, false, List.of(),
                List.of("GI haemorrhage"), false, false, List.of(), 10);
        RegistryExtract x = extract(spark, List.of(exposure("P1", "jak", "2020-01-01", "2020-03-31")),
                List.of(event("P1", "2020-01-10", "GI haemorrhage"), event("P1", "2020-02-10", "GI haemorrhage")),
                null, null);
        // each step: the stored contributions as of the first date, a run as of the second, whether the patient is due
        // (a run also recomputes a patient with a row dated after the stored date: RegistryReader, not tested here,
        // so no bleed falls between the two dates)
        for (String[] step : new String[][] {{"2020-01-10", "2020-01-15", "due"}, {"2020-01-15", "2020-01-18", "grows"},
                {"2020-01-15", "2020-01-20", "grows"}, {"2020-01-15", "2020-01-21", "due"},
                {"2020-01-22", "2020-02-05", "grows"}, {"2020-02-12", "2020-02-20", "grows"},
                {"2020-02-12", "2020-03-05", "due"}}) {
            LocalDate through = LocalDate.parse(step[0]);
            LocalDate asOf = LocalDate.parse(step[1]);
            Dataset<Row> early = RegistryAggregator.contributions(spark, x, List.of(clean),
                    new RegistryAggregator.Settings(0, through, List.of()));
            boolean due = !RegistryAggregator.due(early, asOf).isEmpty();
            assertEquals(step[2].equals("due"), due, String.join(" ", step));
            Dataset<Row> resumed = due ? RegistryAggregator.contributions(spark, x, List.of(clean),
                    new RegistryAggregator.Settings(0, asOf, List.of()))
                    : RegistryAggregator.extended(early, through, asOf);
            Dataset<Row> direct = RegistryAggregator.contributions(spark, x, List.of(clean),
                    new RegistryAggregator.Settings(0, asOf, List.of()));
            DataFrameAssert.assertSameRows(counts(RegistryAggregator.incidence(direct)),
                    counts(RegistryAggregator.incidence(resumed)), 1e-12);
        }
    }

    @Test
    void anEventInTheRiskWindowCountsAndOneTheDayAfterDoesNot(SparkSession spark) {
        // exposure 2020-01-01..2020-01-10, window 30: at risk to 2020-02-09 (40 days)
        RegistryExtract x = extract(spark, List.of(
                exposure("P1", "jak", "2020-01-01", "2020-01-10"),
                exposure("P2", "jak", "2020-01-01", "2020-01-10")),
                List.of(event("P1", "2020-02-09", "GI haemorrhage"), event("P2", "2020-02-10", "GI haemorrhage")),
                null, null);
        Dataset<Row> actual = RegistryAggregator.incidence(spark, x, List.of(FIRST_BLEED), window(30));
        // P1 bleeds on the last at-risk day: 40 days and an event; P2 bleeds a day too late: 40 days, no event
        Dataset<Row> expected = spark.createDataFrame(List.of(
                incidenceRow("jak", "gi_bleed", "all", "all", 2, 1, 80)), INCIDENCE);
        DataFrameAssert.assertSameRows(expected, counts(actual), 1e-12);
    }

    @Test
    void aPatientExposedToTwoGroupsContributesEachDayAndEventToOneGroup(SparkSession spark) {
        // jak 01-01..01-31, tnf 01-16..02-14; the bleed on 01-20 falls in the overlap 01-16..01-31. Default rule
        // (latest_exposure): tnf, started later, takes the overlap; jak keeps 01-01..01-15
        RegistryExtract x = extract(spark, List.of(
                exposure("P1", "jak", "2020-01-01", "2020-01-31"),
                exposure("P1", "tnf", "2020-01-16", "2020-02-14")),
                List.of(event("P1", "2020-01-20", "GI haemorrhage")), null, null);
        Dataset<Row> contributions = RegistryAggregator.contributions(spark, x, List.of(FIRST_BLEED, EVERY_BLEED), window(0));
        Dataset<Row> actual = RegistryAggregator.incidence(contributions);
        // first event: jak 01-01..01-15 = 15 days, no bleed; tnf 01-16..01-20 = 5 days, the bleed
        // recurrent: jak 15 days, no bleed; tnf 16 days in January (16..31) + 14 in February = 30 days, the bleed
        Dataset<Row> expected = spark.createDataFrame(List.of(
                incidenceRow("jak", "gi_bleed", "all", "all", 1, 0, 15),
                incidenceRow("tnf", "gi_bleed", "all", "all", 1, 1, 5),
                incidenceRow("jak", "gi_bleed_recurrent", "all", "all", 1, 0, 15),
                incidenceRow("tnf", "gi_bleed_recurrent", "all", "all", 1, 1, 30)), INCIDENCE);
        DataFrameAssert.assertSameRows(expected, counts(actual), 1e-12);
        // the same patient in both groups: cross sums of the recurrent outcome, jak (0 events, 15 days) and tnf (1, 30),
        // for each ordered pair of groups; the first-event outcome is not summed
        StructType crossSchema = new StructType().add("registry_id", DataTypes.StringType)
                .add("outcome", DataTypes.StringType).add("stratum_variable", DataTypes.StringType)
                .add("stratum", DataTypes.StringType).add("group_a", DataTypes.StringType)
                .add("group_b", DataTypes.StringType).add("patients_both", DataTypes.LongType)
                .add("sum_events_a_events_b", DataTypes.LongType).add("sum_events_a_days_b", DataTypes.LongType)
                .add("sum_days_a_events_b", DataTypes.LongType).add("sum_days_a_days_b", DataTypes.LongType);
        Dataset<Row> expectedCross = spark.createDataFrame(List.of(
                RowFactory.create("R1", "gi_bleed_recurrent", "all", "all", "jak", "tnf", 1L, 0L, 0L, 15L, 450L),
                RowFactory.create("R1", "gi_bleed_recurrent", "all", "all", "tnf", "jak", 1L, 0L, 15L, 0L, 450L)),
                crossSchema);
        DataFrameAssert.assertSameRows(expectedCross,
                RegistryAggregator.crossSums(contributions, Set.of("gi_bleed_recurrent")), 1e-12);
    }

    static RegistryAggregator.Settings rule(int days, RegistryAggregator.Attribution attribution) {
        return new RegistryAggregator.Settings(days, null, List.of(), attribution);
    }

    /**
     * Risk window 30 days. P1: a JAK inhibitor started inside the 30-day tail of a biologic (tnf); P2: a short JAK
     * course inside a long biologic episode (the biologic resumes after the JAK's window); P3: both started the same day.
     */
    @Test
    void latestExposureGivesOverlappingDaysToTheMostRecentlyStartedAndTheEarlierResumesAfter(SparkSession spark) {
        RegistryExtract x = extract(spark, List.of(
                // P1: tnf at risk 01-01..04-30 (03-31 + 30); jak started 04-10, at risk 04-10..05-20 (04-20 + 30)
                exposure("P1", "tnf", "2020-01-01", "2020-03-31"),
                exposure("P1", "jak", "2020-04-10", "2020-04-20"),
                // P2: tnf at risk 01-01..12-30 (11-30 + 30); a short jak trial 03-01..03-05, at risk 03-01..04-04
                exposure("P2", "tnf", "2020-01-01", "2020-11-30"),
                exposure("P2", "jak", "2020-03-01", "2020-03-05"),
                // P3: both started on 06-01 (tnf at risk 06-01..07-30 = 06-30 + 30; jak 06-01..07-10 = 06-10 + 30):
                // the days they share, 06-01..07-10, go to neither; tnf keeps 07-11..07-30
                exposure("P3", "tnf", "2020-06-01", "2020-06-30"),
                exposure("P3", "jak", "2020-06-01", "2020-06-10")),
                List.of(event("P1", "2020-04-15", "GI haemorrhage"),   // overlap: jak's
                        event("P2", "2020-03-20", "GI haemorrhage"),   // inside jak's window: jak's
                        event("P2", "2020-06-01", "GI haemorrhage"),   // after the jak window: tnf's again
                        event("P3", "2020-06-05", "GI haemorrhage")),  // shared start: neither group's
                null, null);
        assertEquals(List.of("P1 jak 2020-04-10..2020-05-20", "P1 tnf 2020-01-01..2020-04-09",
                        "P2 jak 2020-03-01..2020-04-04", "P2 tnf 2020-01-01..2020-02-29", "P2 tnf 2020-04-05..2020-12-30",
                        "P3 tnf 2020-07-11..2020-07-30"),
                intervals(RegistryAggregator.atRisk(x, rule(30, RegistryAggregator.Attribution.LATEST_EXPOSURE))));
        Dataset<Row> actual = RegistryAggregator.incidence(spark, x, List.of(EVERY_BLEED),
                rule(30, RegistryAggregator.Attribution.LATEST_EXPOSURE));
        // jak: P1 04-10..05-20 = 21 + 20 = 41 days, P2 03-01..04-04 = 31 + 4 = 35 days; events P1 04-15, P2 03-20
        // tnf: P1 01-01..04-09 = 31 + 29 + 31 + 9 = 100 days; P2 01-01..02-29 = 60 days and 04-05..12-30 =
        //      (366 − 60 − 31 − 4) − 1 = 270 days; P3 07-11..07-30 = 20 days; event P2 06-01
        Dataset<Row> expected = spark.createDataFrame(List.of(
                incidenceRow("jak", "gi_bleed_recurrent", "all", "all", 2, 2, 41 + 35),
                incidenceRow("tnf", "gi_bleed_recurrent", "all", "all", 3, 1, 100 + 60 + 270 + 20)), INCIDENCE);
        DataFrameAssert.assertSameRows(expected, counts(actual), 1e-12);
    }

    @Test
    void censorAtSwitchEndsAGroupsTimeTheDayBeforeAnotherGroupsEpisodeStarts(SparkSession spark) {
        // the same patients as above, under censor_at_switch
        RegistryExtract x = extract(spark, List.of(
                exposure("P1", "tnf", "2020-01-01", "2020-03-31"),
                exposure("P1", "jak", "2020-04-10", "2020-04-20"),
                exposure("P2", "tnf", "2020-01-01", "2020-11-30"),
                exposure("P2", "jak", "2020-03-01", "2020-03-05"),
                exposure("P3", "tnf", "2020-06-01", "2020-06-30"),
                exposure("P3", "jak", "2020-06-01", "2020-06-10")),
                List.of(event("P1", "2020-04-15", "GI haemorrhage"), event("P2", "2020-03-20", "GI haemorrhage"),
                        event("P2", "2020-06-01", "GI haemorrhage"), event("P3", "2020-06-05", "GI haemorrhage")),
                null, null);
        // P1 tnf ends 04-09 (jak starts 04-10); P2 tnf ends 02-29 for good (no resumption after the jak trial);
        // P3: each started the day the other did, so each ends the day before its own start: no time at all
        assertEquals(List.of("P1 jak 2020-04-10..2020-05-20", "P1 tnf 2020-01-01..2020-04-09",
                        "P2 jak 2020-03-01..2020-04-04", "P2 tnf 2020-01-01..2020-02-29"),
                intervals(RegistryAggregator.atRisk(x, rule(30, RegistryAggregator.Attribution.CENSOR_AT_SWITCH))));
        Dataset<Row> actual = RegistryAggregator.incidence(spark, x, List.of(FIRST_BLEED, EVERY_BLEED),
                rule(30, RegistryAggregator.Attribution.CENSOR_AT_SWITCH));
        // jak: 41 + 35 = 76 days, bleeds P1 04-15 and P2 03-20 (first event: P1 04-10..04-15 = 6 days, P2
        //      03-01..03-20 = 20 days); tnf: P1 100 days, P2 60 days, no bleed (P2's 06-01 bleed is after its end)
        Dataset<Row> expected = spark.createDataFrame(List.of(
                incidenceRow("jak", "gi_bleed", "all", "all", 2, 2, 6 + 20),
                incidenceRow("tnf", "gi_bleed", "all", "all", 2, 0, 100 + 60),
                incidenceRow("jak", "gi_bleed_recurrent", "all", "all", 2, 2, 76),
                incidenceRow("tnf", "gi_bleed_recurrent", "all", "all", 2, 0, 160)), INCIDENCE);
        DataFrameAssert.assertSameRows(expected, counts(actual), 1e-12);
    }

    /**
     * New-user design, risk window 0. N1: observed from 2018-01-01, first JAK 2020-03-01..03-31 (790 days of prior
     * observation), a bleed on 03-15. N2: observed from 2019-06-01 only (274 days before its JAK on 2020-03-01). N3:
     * JAK 2019-01-01..06-30 and again 2020-01-01..01-31 (the first course ends inside the second's 365-day washout).
     * N4: JAK 2016-01 and again 2020-01 (four years apart: a new user twice). N5: JAK 2020-05-01..05-31 with a bleed
     * on 2020-02-01 (before the index date) and another on 05-10.
     */
    static RegistryExtract newUserPatients(SparkSession spark) {
        return extract(spark, List.of(
                        exposure("N1", "jak", "2020-03-01", "2020-03-31"),
                        exposure("N2", "jak", "2020-03-01", "2020-03-31"),
                        exposure("N3", "jak", "2019-01-01", "2019-06-30"),
                        exposure("N3", "jak", "2020-01-01", "2020-01-31"),
                        exposure("N4", "jak", "2016-01-01", "2016-01-31"),
                        exposure("N4", "jak", "2020-01-01", "2020-01-31"),
                        exposure("N5", "jak", "2020-05-01", "2020-05-31")),
                List.of(event("N1", "2020-03-15", "GI haemorrhage"), event("N5", "2020-02-01", "GI haemorrhage"),
                        event("N5", "2020-05-10", "GI haemorrhage")),
                null,
                List.of(observation("N1", "2018-01-01", null), observation("N2", "2019-06-01", null),
                        observation("N3", "2015-01-01", null), observation("N4", "2014-01-01", null),
                        observation("N5", "2015-01-01", null)));
    }

    static RegistryAggregator.Settings newUser(RegistryAggregator.NewUser nu) {
        return new RegistryAggregator.Settings(0, null, List.of(), null, nu);
    }

    @Test
    void aWashoutOf365DaysKeepsNewUsersOnlyAndAPriorOutcomeRemovesAnEraForThatOutcome(SparkSession spark) {
        Dataset<Row> actual = RegistryAggregator.incidence(spark, newUserPatients(spark), List.of(FIRST_BLEED, EVERY_BLEED),
                newUser(new RegistryAggregator.NewUser(365, 0, false, true, RegistryAggregator.NewUser.ALL_PRIOR_TIME)));
        // N1 enters: first event 03-01..03-15 = 15 days with its bleed, recurrent 31 days. N2 out (274 < 365 days
        // observed). N3: the 2019 course enters (01-01..06-30 = 31+28+31+30+31+30 = 181 days), the 2020 one not (the
        // 2019 course lies in 2019-01-01..2019-12-31). N4: both courses, 31 + 31 = 62 days. N5: a bleed before its
        // index date (lookback: all prior time) keeps it out for both bleeding outcomes.
        Dataset<Row> expected = spark.createDataFrame(List.of(
                incidenceRow("jak", "gi_bleed", "all", "all", 3, 1, 15 + 181 + 62),
                incidenceRow("jak", "gi_bleed_recurrent", "all", "all", 3, 1, 31 + 181 + 62)), INCIDENCE);
        DataFrameAssert.assertSameRows(expected, counts(actual), 1e-12);
    }

    static final StructType ATTRITION = new StructType().add("registry_id", DataTypes.StringType)
            .add("exposure_group", DataTypes.StringType).add("outcome", DataTypes.StringType)
            .add("step_order", DataTypes.IntegerType).add("step", DataTypes.StringType)
            .add("patients", DataTypes.LongType).add("person_years", DataTypes.DoubleType);

    static Row attritionRow(String outcome, int order, String step, long patients, long days) {
        return RowFactory.create("R1", "jak", outcome, order, step, patients, days / DAYS_PER_YEAR);
    }

    @Test
    void theAttritionTableCountsPatientsAndPersonTimeAtEachStep(SparkSession spark) {
        Dataset<Row> contributions = RegistryAggregator.contributions(spark, newUserPatients(spark),
                List.of(FIRST_BLEED, EVERY_BLEED),
                newUser(new RegistryAggregator.NewUser(365, 0, false, true, RegistryAggregator.NewUser.ALL_PRIOR_TIME)));
        // in the extract and in observation: N1 31, N2 31, N3 181 + 31, N4 31 + 31, N5 31 days: 5 patients, 367 days;
        // new users after the washout: N1 31, N3 181, N4 62, N5 31: 4 patients, 305 days; N5's prior bleed removes it:
        // 3 patients, 274 days; at risk: the incidence rows (first event: N1 stops at its bleed, 15 + 181 + 62 = 258)
        List<Row> expected = new ArrayList<>();
        for (String outcome : List.of("gi_bleed", "gi_bleed_recurrent")) {
            expected.add(attritionRow(outcome, 1, "in_extract", 5, 367));
            expected.add(attritionRow(outcome, 2, "in_observation", 5, 367));
            expected.add(attritionRow(outcome, 3, "new_user_after_washout", 4, 305));
            expected.add(attritionRow(outcome, 4, "prior_outcome_removed", 3, 274));
            expected.add(attritionRow(outcome, 5, "at_risk", 3, outcome.equals("gi_bleed") ? 258 : 274));
        }
        DataFrameAssert.assertSameRows(spark.createDataFrame(expected, ATTRITION),
                RegistryAggregator.attrition(contributions), 1e-12);
    }

    @Test
    void firstExposureOnlyAndAShortPriorOutcomeLookback(SparkSession spark) {
        Dataset<Row> actual = RegistryAggregator.incidence(spark, newUserPatients(spark), List.of(FIRST_BLEED, EVERY_BLEED),
                newUser(new RegistryAggregator.NewUser(365, 0, true, true, 30)));
        // as above, but N4 only its 2016 course (31 days); N5's 02-01 bleed is outside 04-01..04-30, so it enters:
        // first event 05-01..05-10 = 10 days with the 05-10 bleed, recurrent 31 days
        Dataset<Row> expected = spark.createDataFrame(List.of(
                incidenceRow("jak", "gi_bleed", "all", "all", 4, 2, 15 + 181 + 31 + 10),
                incidenceRow("jak", "gi_bleed_recurrent", "all", "all", 4, 2, 31 + 181 + 31 + 31)), INCIDENCE);
        DataFrameAssert.assertSameRows(expected, counts(actual), 1e-12);
    }

    @Test
    void minPriorObservationAloneKeepsPrevalentUsers(SparkSession spark) {
        Dataset<Row> actual = RegistryAggregator.incidence(spark, newUserPatients(spark), List.of(FIRST_BLEED, EVERY_BLEED),
                newUser(new RegistryAggregator.NewUser(0, 800, false, false, RegistryAggregator.NewUser.ALL_PRIOR_TIME)));
        // 800 days observed before the index date: N1 (790) and N2 out; N3 both courses (181 + 31 = 212 days); N4
        // its 2020 course only (31 days: the 2016 one has 730 days observed before it, 2014-01-01..2015-12-31); N5
        // with no clean window: first event 10 days, recurrent 31, one bleed
        Dataset<Row> expected = spark.createDataFrame(List.of(
                incidenceRow("jak", "gi_bleed", "all", "all", 3, 1, 212 + 31 + 10),
                incidenceRow("jak", "gi_bleed_recurrent", "all", "all", 3, 1, 212 + 31 + 31)), INCIDENCE);
        DataFrameAssert.assertSameRows(expected, counts(actual), 1e-12);
        // without new_user every episode enters: N1 and N2 too (31 days each, N1's bleed)
        Dataset<Row> all = RegistryAggregator.incidence(spark, newUserPatients(spark), List.of(EVERY_BLEED), window(0));
        DataFrameAssert.assertSameRows(spark.createDataFrame(List.of(
                incidenceRow("jak", "gi_bleed_recurrent", "all", "all", 5, 2, 31 + 31 + 212 + 62 + 31)), INCIDENCE), counts(all), 1e-12);
    }

    @Test
    void timeRunningAtTheAsOfDateGrowsArithmeticallyToWhatALaterDateRecomputes(SparkSession spark) {
        // nothing dated after T1 (no episode starts and no event falls after it): as of T2, each patient's share is
        // the share as of T1 with the running days extended, so a nightly run need not recompute these patients
        LocalDate t1 = LocalDate.of(2020, 3, 1);
        LocalDate t2 = LocalDate.of(2020, 6, 30);
        RegistryExtract x = extract(spark, List.of(
                        exposure("P1", "jak", "2020-01-01", "2020-12-31"),  // runs past T2
                        exposure("P2", "jak", "2020-02-01", "2020-03-20"),  // at risk to 04-19: stops between the dates
                        exposure("P3", "tnf", "2020-01-15", "2021-01-01"),  // dies on 05-01
                        exposure("P4", "jak", "2020-01-01", "2020-12-31"),  // bleeds on 02-15: first-event time stopped
                        exposure("P5", "jak", "2019-06-01", "2019-07-01"),  // over before T1
                        exposure("P6", "tnf", "2020-01-01", "2020-12-31"),  // observation ends 04-10
                        exposure("P7", "jak", "2020-01-01", "2020-02-20"),  // two episodes merged, running past T2
                        exposure("P7", "jak", "2020-02-25", "2020-08-01"),
                        exposure("P7", "tnf", "2020-02-10", "2020-02-12")), // and a closed interval of another group
                List.of(event("P4", "2020-02-15", "GI haemorrhage"), event("P7", "2020-01-20", "GI haemorrhage")),
                List.of(patient("P1", null, 1975, "psoriasis"), patient("P2", null, 1990, "eczema"),
                        patient("P3", "2020-05-01", 1960, "psoriasis"), patient("P4", null, 1980, null),
                        patient("P5", null, 1985, "eczema"), patient("P6", null, 1970, "eczema"),
                        patient("P7", null, 1999, "psoriasis")),
                List.of(observation("P1", "2019-01-01", null), observation("P2", "2019-01-01", null),
                        observation("P3", "2019-01-01", null), observation("P4", "2019-01-01", null),
                        observation("P5", "2019-01-01", null), observation("P6", "2019-01-01", "2020-04-10"),
                        observation("P7", "2019-01-01", null)));
        List<OutcomeDefinition> outcomes = List.of(FIRST_BLEED, EVERY_BLEED);
        List<String> strata = List.of("condition", "age_band");
        Dataset<Row> asOfT1 = RegistryAggregator.contributions(spark, x, outcomes,
                new RegistryAggregator.Settings(30, t1, strata));
        Dataset<Row> asOfT2 = RegistryAggregator.contributions(spark, x, outcomes,
                new RegistryAggregator.Settings(30, t2, strata));

        // except P7: under latest_exposure its first JAK episode (at risk to 03-21) gives 02-10..03-13 to the tnf
        // episode and resumes on 03-14, after T1, with no row dated after T1: a marker row says it is due for
        // recomputation once the as-of date reaches 03-14 (a nightly run then recomputes it)
        assertEquals(List.of("R1 P7"), RegistryAggregator.due(asOfT1, t2).collectAsList().stream()
                .map(r -> r.getString(0) + " " + r.getString(1)).toList());
        List<String> extended = rows(RegistryAggregator.extended(asOfT1, t1, t2)).stream()
                .filter(r -> !r.contains(RegistryAggregator.RECOMPUTE)).toList();
        assertEquals(rows(asOfT2), extended);
        // and the dates made a difference: P1's time grew (to run on until 2020-12-31 + 30 days), P2's stopped at its
        // window's end, P4's first-event time had stopped at its bleed
        assertEquals(false, rows(asOfT1).equals(extended));
        assertEquals(List.of("P1 jak gi_bleed all all 0 61 2021-01-30", "P2 jak gi_bleed all all 0 30 2020-04-19",
                        "P4 jak gi_bleed all all 1 46 null"),
                rows(asOfT1).stream().filter(r -> r.matches("P[124] jak gi_bleed all .*")).toList());
        assertEquals(List.of("P1 jak gi_bleed all all 0 182 2021-01-30", "P2 jak gi_bleed all all 0 79 null",
                        "P4 jak gi_bleed all all 1 46 null"),
                extended.stream().filter(r -> r.matches("P[124] jak gi_bleed all .*")).toList());
    }

    /** Contribution rows as "patient group outcome variable stratum events days open_until", sorted. */
    private static List<String> rows(Dataset<Row> contributions) {
        List<String> out = new ArrayList<>();
        for (Row r : contributions.collectAsList()) {
            Date until = r.getDate(r.fieldIndex("open_until"));
            out.add(String.join(" ", r.getString(r.fieldIndex("patient_id")), r.getString(r.fieldIndex("exposure_group")),
                    r.getString(r.fieldIndex("outcome")), r.getString(r.fieldIndex("stratum_variable")),
                    r.getString(r.fieldIndex("stratum")), String.valueOf(r.getLong(r.fieldIndex("events"))),
                    String.valueOf(r.getLong(r.fieldIndex("days"))),
                    String.valueOf(until)));
        }
        out.sort(null);
        return out;
    }

    @Test
    void strataByAPatientColumnAndByAgeBandAtTheStartOfEachInterval(SparkSession spark) {
        RegistryExtract x = extract(spark, List.of(
                // born 1975: 2020 - 1975 = 45 at the first interval (40-49), 2025 - 1975 = 50 at the second (50-59)
                exposure("P1", "jak", "2020-01-01", "2020-01-31"),
                exposure("P1", "jak", "2025-03-01", "2025-03-10"),
                // born 1990: 2020 - 1990 = 30 (30-39)
                exposure("P2", "jak", "2020-01-01", "2020-01-10"),
                // born 1970, no condition recorded: 2020 - 1970 = 50 (50-59), condition unknown
                exposure("P3", "jak", "2020-01-01", "2020-01-05"),
                // not in the patients table: unknown in both
                exposure("P4", "jak", "2020-01-01", "2020-01-02")),
                List.of(event("P1", "2025-03-05", "GI haemorrhage")),
                List.of(patient("P1", null, 1975, "psoriasis"), patient("P2", null, 1990, "eczema"),
                        patient("P3", null, 1970, null)), null);
        RegistryAggregator.Settings strata = new RegistryAggregator.Settings(0, null, List.of("condition", "age_band"));
        Dataset<Row> actual = RegistryAggregator.incidence(spark, x, List.of(FIRST_BLEED), strata);

        // P1: 31 days in January 2020, then 03-01..03-05 = 5 days to the bleed; P2 10 days; P3 5 days; P4 2 days
        Dataset<Row> expected = spark.createDataFrame(List.of(
                incidenceRow("jak", "gi_bleed", "all", "all", 4, 1, 31 + 5 + 10 + 5 + 2),
                incidenceRow("jak", "gi_bleed", "condition", "psoriasis", 1, 1, 31 + 5),
                incidenceRow("jak", "gi_bleed", "condition", "eczema", 1, 0, 10),
                incidenceRow("jak", "gi_bleed", "condition", "unknown", 2, 0, 5 + 2),
                incidenceRow("jak", "gi_bleed", "age_band", "40-49", 1, 0, 31),
                incidenceRow("jak", "gi_bleed", "age_band", "50-59", 2, 1, 5 + 5),
                incidenceRow("jak", "gi_bleed", "age_band", "30-39", 1, 0, 10),
                incidenceRow("jak", "gi_bleed", "age_band", "unknown", 1, 0, 2),
                // the two jointly (the strata of a Mantel–Haenszel rate ratio): one stratum per combination
                incidenceRow("jak", "gi_bleed", "condition×age_band", "psoriasis×40-49", 1, 0, 31),
                incidenceRow("jak", "gi_bleed", "condition×age_band", "psoriasis×50-59", 1, 1, 5),
                incidenceRow("jak", "gi_bleed", "condition×age_band", "eczema×30-39", 1, 0, 10),
                incidenceRow("jak", "gi_bleed", "condition×age_band", "unknown×50-59", 1, 0, 5),
                incidenceRow("jak", "gi_bleed", "condition×age_band", "unknown×unknown", 1, 0, 2)), INCIDENCE);
        DataFrameAssert.assertSameRows(expected, counts(actual), 1e-12);
        assertEquals("condition×age_band", RegistryAggregator.adjustmentVariable(strata.strata()));
    }

    @Test
    void strataNeedAPatientsTable(SparkSession spark) {
        RegistryExtract x = extract(spark, List.of(exposure("P1", "jak", "2020-01-01", "2020-01-10")), List.of(), null, null);
        assertThrows(IllegalArgumentException.class, () -> RegistryAggregator.atRisk(x,
                new RegistryAggregator.Settings(0, null, List.of("condition"))));
        assertThrows(IllegalArgumentException.class, () -> new RegistryAggregator.Settings(-1, null, List.of()));
    }

    // ---- arms --------------------------------------------------------------------------------------------------

    static final StructType ARMS = new StructType().add("study_id", DataTypes.StringType)
            .add("arm_id", DataTypes.StringType).add("role", DataTypes.StringType).add("treatment", DataTypes.StringType)
            .add("dose_mg", DataTypes.DoubleType).add("outcome", DataTypes.StringType).add("n", DataTypes.LongType)
            .add("events", DataTypes.LongType).add("event_count", DataTypes.LongType)
            .add("person_years", DataTypes.DoubleType).add("origin", DataTypes.StringType);

    @Test
    void armsAreTheWholeRegistryRowsOfExperimentalGroupsAndThePooledComparator(SparkSession spark) {
        Dataset<Row> incidence = spark.createDataFrame(List.of(
                RowFactory.create("R1", "jak", "gi_bleed", "all", "all", 10L, 2L, 5.0),
                RowFactory.create("R1", "jak_high", "gi_bleed", "all", "all", 4L, 1L, 1.5),
                RowFactory.create("R1", "tnf", "gi_bleed", "all", "all", 20L, 3L, 8.0),
                // another comparator group: described in the incidence table only
                RowFactory.create("R1", "mtx", "gi_bleed", "all", "all", 15L, 1L, 6.0),
                // a stratum row is not an arm
                RowFactory.create("R1", "jak", "gi_bleed", "condition", "psoriasis", 6L, 1L, 3.0),
                // a recurrent outcome: events may exceed patients, so n is 0
                RowFactory.create("R1", "jak", "gi_bleed_recurrent", "all", "all", 10L, 4L, 5.5),
                RowFactory.create("R1", "tnf", "gi_bleed_recurrent", "all", "all", 20L, 6L, 9.0)), INCIDENCE);
        Dataset<Row> actual = RegistryAggregator.arms(incidence, Set.of("jak", "jak_high"), "tnf",
                List.of(FIRST_BLEED, EVERY_BLEED), "registry/r1");
        Dataset<Row> expected = spark.createDataFrame(List.of(
                RowFactory.create("R1", "jak", "experimental", "jak", null, "gi_bleed", 10L, 2L, 2L, 5.0, "registry/r1"),
                RowFactory.create("R1", "jak_high", "experimental", "jak_high", null, "gi_bleed", 4L, 1L, 1L, 1.5, "registry/r1"),
                RowFactory.create("R1", "tnf", "control", "tnf", null, "gi_bleed", 20L, 3L, 3L, 8.0, "registry/r1"),
                RowFactory.create("R1", "jak", "experimental", "jak", null, "gi_bleed_recurrent", 0L, 4L, 4L, 5.5, "registry/r1"),
                RowFactory.create("R1", "tnf", "control", "tnf", null, "gi_bleed_recurrent", 0L, 6L, 6L, 9.0, "registry/r1")),
                ARMS);
        DataFrameAssert.assertSameRows(expected, actual, 1e-12);
    }

    @Test
    void armsFromComputedIncidenceCarryPersonYearsInDaysOver365Point25(SparkSession spark) {
        RegistryExtract x = extract(spark, List.of(
                exposure("P1", "jak", "2020-01-01", "2020-12-31"),  // 366 days (2020 is a leap year)
                exposure("P2", "tnf", "2021-01-01", "2021-12-31")), // 365 days
                List.of(event("P2", "2021-07-01", "GI haemorrhage")), null, null);
        Dataset<Row> incidence = RegistryAggregator.incidence(spark, x, List.of(FIRST_BLEED), window(0));
        Dataset<Row> arms = RegistryAggregator.arms(incidence, Set.of("jak"), "tnf", List.of(FIRST_BLEED), "r1");
        // tnf: 2021-01-01..2021-07-01 = 31+28+31+30+31+30 + 1 = 182 days
        Dataset<Row> expected = spark.createDataFrame(List.of(
                RowFactory.create("R1", "jak", "experimental", "jak", null, "gi_bleed", 1L, 0L, 0L, 366 / 365.25, "r1"),
                RowFactory.create("R1", "tnf", "control", "tnf", null, "gi_bleed", 1L, 1L, 1L, 182 / 365.25, "r1")),
                ARMS);
        DataFrameAssert.assertSameRows(expected, arms, 1e-12);
        assertEquals(Arrays.asList(RegistryAggregator.INCIDENCE_COLUMNS.toArray()), Arrays.asList(incidence.columns()));
    }

    // ---- how the joins run -------------------------------------------------------------------------------------

    /**
     * Every plan node of an executed query, through adaptive stages, reused exchanges and cached relations (the
     * contributions query caches its per-interval rows).
     */
    static List<org.apache.spark.sql.execution.SparkPlan> planNodes(Dataset<Row> executed) {
        List<org.apache.spark.sql.execution.SparkPlan> nodes = new ArrayList<>();
        planNodes(executed.queryExecution().executedPlan(), nodes);
        return nodes;
    }

    static void planNodes(org.apache.spark.sql.execution.SparkPlan p, List<org.apache.spark.sql.execution.SparkPlan> out) {
        out.add(p);
        if (p instanceof org.apache.spark.sql.execution.adaptive.AdaptiveSparkPlanExec a) {
            planNodes(a.executedPlan(), out);
        } else if (p instanceof org.apache.spark.sql.execution.adaptive.QueryStageExec q) {
            planNodes(q.plan(), out);
        } else if (p instanceof org.apache.spark.sql.execution.exchange.ReusedExchangeExec r) {
            planNodes(r.child(), out);
        } else if (p instanceof org.apache.spark.sql.execution.columnar.InMemoryTableScanExec m) {
            planNodes(m.relation().cachedPlan(), out);
        }
        scala.jdk.javaapi.CollectionConverters.asJava(p.children()).forEach(c -> planNodes(c, out));
    }

    /** The broadcast exchanges of an executed query that carry a patient column (patient_id or a renamed __…pid). */
    static List<String> patientBroadcasts(Dataset<Row> executed) {
        List<String> out = new ArrayList<>();
        for (org.apache.spark.sql.execution.SparkPlan n : planNodes(executed)) {
            if (n instanceof org.apache.spark.sql.execution.exchange.BroadcastExchangeExec b) {
                List<String> names = scala.jdk.javaapi.CollectionConverters.asJava(b.output()).stream()
                        .map(a -> a.name()).toList();
                if (names.stream().anyMatch(c -> c.contains("patient_id") || c.endsWith("pid"))) {
                    out.add(names.toString());
                }
            }
        }
        return out;
    }

    static long sortMergeJoins(Dataset<Row> executed) {
        return planNodes(executed).stream().filter(n -> n instanceof org.apache.spark.sql.execution.joins.SortMergeJoinExec)
                .count();
    }

    @Test
    void patientLevelTablesAreSortMergeJoinedNeverBroadcastHoweverSmall(SparkSession spark) {
        // adaptive execution would broadcast each of these tiny tables at run time; at 1e7 events a query's broadcasts,
        // built together on the driver, overran a 2 GiB heap. Every join of the contributions and cross-sum queries
        // with patient rows on both sides is exercised: observation, patients (death), two overlapping groups
        // (attribution), a washout and first exposure only (new users), a prior outcome and a clean window
        OutcomeDefinition clean = new OutcomeDefinition("gi_bleed_recurrent", false, false, List.of(),
                List.of("GI haemorrhage"), false, false, List.of(), 10);
        RegistryExtract x = extract(spark, List.of(
                        exposure("P1", "jak", "2020-01-01", "2020-03-31"),
                        exposure("P1", "tnf", "2020-02-01", "2020-02-28"),
                        exposure("P2", "jak", "2020-01-01", "2020-01-31"),
                        exposure("P2", "jak", "2020-06-01", "2020-06-30")),
                List.of(event("P1", "2020-02-10", "GI haemorrhage"), event("P1", "2020-03-10", "GI haemorrhage"),
                        event("P2", "2019-12-01", "GI haemorrhage")),
                List.of(patient("P1", null, 1970, "psoriasis"), patient("P2", "2020-06-15", 1980, "psoriasis")),
                List.of(observation("P1", "2015-01-01", null), observation("P2", "2015-01-01", null)));
        RegistryAggregator.Settings settings = new RegistryAggregator.Settings(30, LocalDate.parse("2020-12-31"),
                List.of("condition"), null, new RegistryAggregator.NewUser(365, 0, true, true, 365));
        Dataset<Row> contributions = RegistryAggregator.contributions(spark, x, List.of(FIRST_BLEED, clean), settings);
        assertTrue(contributions.collectAsList().size() > 0); // executes this Dataset's own plan
        assertEquals(List.of(), patientBroadcasts(contributions));
        long sortMerge = sortMergeJoins(contributions);
        assertTrue(sortMerge >= 10, "sort-merge joins: " + sortMerge);

        Dataset<Row> cross = RegistryAggregator.crossSums(contributions.localCheckpoint(), Set.of(clean.name()));
        // P1 has jak and tnf time (its events follow both index dates): each ordered pair, whole registry and condition
        assertEquals(4, cross.collectAsList().size());
        assertEquals(List.of(), patientBroadcasts(cross));
    }
}
