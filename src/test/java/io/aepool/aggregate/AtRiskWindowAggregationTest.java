package io.aepool.aggregate;

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
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The ADaM at-risk window: a trial subject's qualifying events count only when dated inside its window, and its
 * person-time runs over exactly the same days, so an exposure-adjusted rate never divides events of one span by the
 * time of another. Treatment window: TRTSDT..TRTEDT + lag; randomised period xx: TRxxSDT..TRxxEDT + lag, under
 * TRTxxA.
 */
@ExtendWith(SharedSpark.class)
class AtRiskWindowAggregationTest {

    static final List<TreatmentArm> TREATMENTS = List.of(
            new TreatmentArm("Drug 10 mg", "experimental", 10.0), new TreatmentArm("Placebo", "control", null));

    /** ADSL with two randomised periods and the lag caps (death, end of study). */
    static final StructType ADSL = new StructType().add("STUDYID", DataTypes.StringType)
            .add("USUBJID", DataTypes.StringType).add("TRT01A", DataTypes.StringType).add("SAFFL", DataTypes.StringType)
            .add("TRTSDT", DataTypes.DateType).add("TRTEDT", DataTypes.DateType)
            .add("TR01SDT", DataTypes.DateType).add("TR01EDT", DataTypes.DateType)
            .add("TRT02A", DataTypes.StringType).add("TR02SDT", DataTypes.DateType).add("TR02EDT", DataTypes.DateType)
            .add("DTHDT", DataTypes.DateType).add("EOSDT", DataTypes.DateType);

    static final StructType ADAE = new StructType().add("STUDYID", DataTypes.StringType)
            .add("USUBJID", DataTypes.StringType).add("AEBODSYS", DataTypes.StringType)
            .add("AEDECOD", DataTypes.StringType).add("AESER", DataTypes.StringType).add("TRTEMFL", DataTypes.StringType)
            .add("ASTDT", DataTypes.DateType);

    static final OutcomeDefinition FIRST_INFECTION = new OutcomeDefinition("infection", true, false,
            List.of("Infections and infestations"), List.of());
    static final OutcomeDefinition INFECTION_EPISODES = new OutcomeDefinition("infection_episodes", true, false,
            List.of("Infections and infestations"), List.of(), false, false, List.of());

    private static Date d(String iso) {
        return iso == null ? null : Date.valueOf(iso);
    }

    /** One subject on one treatment throughout, TRTSDT..TRTEDT; no periods, no death, no end of study given. */
    private static Row onTreatment(String id, String arm, String start, String end) {
        return RowFactory.create("T1", id, arm, "Y", d(start), d(end), null, null, null, null, null, null, null);
    }

    private static Row infection(String id, String onset) {
        return RowFactory.create("T1", id, "INFECTIONS AND INFESTATIONS", "NASOPHARYNGITIS", "N", "Y", d(onset));
    }

    /** arm -> outcome -> {n, events, event_count, days} (days = person_years × 365.25, rounded; -1 when unknown) */
    private static Map<String, long[]> arms(SparkSession spark, List<Row> adsl, List<Row> adae, AtRiskWindow window,
                                            OutcomeDefinition... outcomes) {
        Dataset<Row> table = SubjectAggregator.aggregate(spark, spark.createDataFrame(adsl, ADSL),
                spark.createDataFrame(adae, ADAE), TREATMENTS, List.of(outcomes), window, "test");
        Map<String, long[]> out = new TreeMap<>();
        for (Row r : table.collectAsList()) {
            Double py = r.getAs("person_years");
            out.put(r.<String>getAs("arm_id") + "/" + r.<String>getAs("outcome"), new long[]{r.<Long>getAs("n"),
                    r.<Long>getAs("events"), r.<Long>getAs("event_count"), py == null ? -1 : Math.round(py * 365.25)});
        }
        return out;
    }

    @Test
    void anEventAfterTheLastDoseCountsOnlyInsideTheLagAndTimeRunsOverTheLagToo(SparkSession spark) {
        // both on drug 2020-01-01..2020-01-31 (31 days)
        List<Row> adsl = List.of(onTreatment("T1-001", "Drug 10 mg", "2020-01-01", "2020-01-31"),
                onTreatment("T1-002", "Drug 10 mg", "2020-01-01", "2020-01-31"));
        List<Row> adae = List.of(
                infection("T1-001", "2020-02-10"),   // 10 days after the last dose: inside a 14-day lag
                infection("T1-002", "2020-02-15"),   // 15 days after: beyond it, although flagged treatment-emergent
                infection("T1-002", "2020-01-20"));  // on treatment

        Map<String, long[]> lag14 = arms(spark, adsl, adae, AtRiskWindow.treatment(14), FIRST_INFECTION, INFECTION_EPISODES);
        // first events: T1-001 at risk 01-01..02-10 (41 days), T1-002 01-01..01-20 (20 days)
        assertArm(lag14.get("Drug 10 mg/infection"), 2, 2, 2, 41 + 20);
        // recurrent events: the 02-15 infection is outside the window; each subject is at risk 31 + 14 = 45 days
        assertArm(lag14.get("Drug 10 mg/infection_episodes"), 2, 2, 2, 45 + 45);

        Map<String, long[]> noLag = arms(spark, adsl, adae, AtRiskWindow.treatment(0), FIRST_INFECTION, INFECTION_EPISODES);
        // without a lag only the on-treatment infection counts, over 31 days each (T1-002 censored at 01-20)
        assertArm(noLag.get("Drug 10 mg/infection"), 2, 1, 1, 31 + 20);
        assertArm(noLag.get("Drug 10 mg/infection_episodes"), 2, 1, 1, 31 + 31);
    }

    @Test
    void theLagStopsAtDeathAndAtTheEndOfStudyButNeverShortensTheTreatment(SparkSession spark) {
        List<Row> adsl = List.of(
                // died 5 days after the last dose: at risk 31 + 5 days, whatever the lag
                RowFactory.create("T1", "T1-001", "Drug 10 mg", "Y", d("2020-01-01"), d("2020-01-31"),
                        null, null, null, null, null, d("2020-02-05"), null),
                // left the study 3 days after the last dose
                RowFactory.create("T1", "T1-002", "Drug 10 mg", "Y", d("2020-01-01"), d("2020-01-31"),
                        null, null, null, null, null, null, d("2020-02-03")),
                // an end of study recorded before the last dose does not cut treatment days
                RowFactory.create("T1", "T1-003", "Drug 10 mg", "Y", d("2020-01-01"), d("2020-01-31"),
                        null, null, null, null, null, null, d("2020-01-15")));
        List<Row> adae = List.of(infection("T1-002", "2020-02-04")); // after the end of study: not counted
        List<Row> withUnknownEnd = new java.util.ArrayList<>(adsl);
        // no last dose: the window's end is unknown, not the end of study, so the arm's person-time is unknown
        withUnknownEnd.add(RowFactory.create("T1", "T1-004", "Placebo", "Y", d("2020-01-01"), null,
                null, null, null, null, null, null, d("2020-03-01")));
        Map<String, long[]> lag30 = arms(spark, withUnknownEnd, adae, AtRiskWindow.treatment(30), INFECTION_EPISODES);
        assertArm(lag30.get("Drug 10 mg/infection_episodes"), 3, 0, 0, 36 + 34 + 31);
        assertArm(lag30.get("Placebo/infection_episodes"), 1, 0, 0, -1);
    }

    /**
     * A placebo-to-active switch: period 1 placebo (TRT01A), period 2 drug (TRT02A). TRTSDT..TRTEDT spans both, so the
     * treatment window counts the period-2 infection under placebo; the randomised period 1 does not.
     */
    static final List<Row> SWITCH_ADSL = List.of(
            RowFactory.create("T1", "T1-001", "Placebo", "Y", d("2020-01-01"), d("2020-06-30"),
                    d("2020-01-01"), d("2020-03-31"), "Drug 10 mg", d("2020-04-01"), d("2020-06-30"), null, null),
            RowFactory.create("T1", "T1-002", "Drug 10 mg", "Y", d("2020-01-01"), d("2020-06-30"),
                    d("2020-01-01"), d("2020-03-31"), "Drug 10 mg", d("2020-04-01"), d("2020-06-30"), null, null),
            // stopped during period 1: no period-2 dates, so not at risk in period 2
            RowFactory.create("T1", "T1-003", "Placebo", "Y", d("2020-01-01"), d("2020-02-29"),
                    d("2020-01-01"), d("2020-02-29"), null, null, null, null, null));

    static final List<Row> SWITCH_ADAE = List.of(
            infection("T1-001", "2020-05-01"),   // placebo switcher, on drug in period 2
            infection("T1-002", "2020-02-01"),   // drug, period 1
            infection("T1-003", "2020-03-10"));  // placebo, 10 days after its last dose (and period 1's end)

    @Test
    void aSwitchToActiveInPeriodTwoDoesNotCountPeriodTwoEventsUnderThePeriodOneArm(SparkSession spark) {
        Map<String, long[]> period1 = arms(spark, SWITCH_ADSL, SWITCH_ADAE, AtRiskWindow.randomisedPeriod(1, 0),
                INFECTION_EPISODES);
        // placebo in period 1: 91 + 60 days (2020-01-01..03-31, ..02-29), no infection in period 1
        assertArm(period1.get("Placebo/infection_episodes"), 2, 0, 0, 91 + 60);
        assertArm(period1.get("Drug 10 mg/infection_episodes"), 1, 1, 1, 91);

        Map<String, long[]> period2 = arms(spark, SWITCH_ADSL, SWITCH_ADAE, AtRiskWindow.randomisedPeriod(2, 0),
                INFECTION_EPISODES);
        // period 2: both on drug (TRT02A), 91 days each (2020-04-01..06-30); the switcher's infection counts on drug,
        // T1-002's period-1 infection does not
        assertNull(period2.get("Placebo/infection_episodes"));
        assertArm(period2.get("Drug 10 mg/infection_episodes"), 2, 1, 1, 91 + 91);

        // the treatment window, as before the window existed, mixes the periods under TRT01A
        Map<String, long[]> treatment = arms(spark, SWITCH_ADSL, SWITCH_ADAE, AtRiskWindow.treatment(0), INFECTION_EPISODES);
        assertArm(treatment.get("Placebo/infection_episodes"), 2, 1, 1, 182 + 60);
    }

    @Test
    void aLagInAPeriodStopsTheDayBeforeTheNextPeriodStarts(SparkSession spark) {
        Map<String, long[]> period1 = arms(spark, SWITCH_ADSL, SWITCH_ADAE, AtRiskWindow.randomisedPeriod(1, 30),
                INFECTION_EPISODES);
        // T1-001's lag would run into period 2 (drug): it stops at 03-31, and its 05-01 infection stays out;
        // T1-003 has no period 2: its lag runs 30 days (03-01..03-30) and holds its 03-10 infection
        assertArm(period1.get("Placebo/infection_episodes"), 2, 1, 1, 91 + 90);
        assertArm(period1.get("Drug 10 mg/infection_episodes"), 1, 1, 1, 91);
    }

    @Test
    void anUndatedQualifyingEventStillCountsAndLeavesTheArmsFirstEventTimeUnknown(SparkSession spark) {
        List<Row> adsl = List.of(onTreatment("T1-001", "Drug 10 mg", "2020-01-01", "2020-01-31"),
                onTreatment("T1-002", "Placebo", "2020-01-01", "2020-01-31"));
        List<Row> adae = List.of(infection("T1-001", null));
        Map<String, long[]> lag0 = arms(spark, adsl, adae, AtRiskWindow.treatment(0), FIRST_INFECTION, INFECTION_EPISODES);
        assertArm(lag0.get("Drug 10 mg/infection"), 1, 1, 1, -1);
        assertArm(lag0.get("Drug 10 mg/infection_episodes"), 1, 1, 1, 31);
        assertArm(lag0.get("Placebo/infection"), 1, 0, 0, 31);
    }

    private static void assertArm(long[] actual, long n, long events, long eventCount, long days) {
        assertEquals(List.of(n, events, eventCount, days), List.of(actual[0], actual[1], actual[2], actual[3]),
                "n, subjects with events, events, days at risk");
    }
}
