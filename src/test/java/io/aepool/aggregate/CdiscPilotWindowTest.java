package io.aepool.aggregate;

import io.aepool.ingest.AdamReader;
import io.aepool.ingest.InputException;
import io.aepool.ingest.StudiesReader;
import io.aepool.ingest.Validation;
import io.aepool.testing.Files2;
import io.aepool.testing.SharedSpark;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Date;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * On the real CDISC pilot (CDISCPILOT01: 254 treated subjects, 3 arms), the per-arm counts and days at risk of an
 * ADaM at-risk window agree with the same numbers computed here in plain Java over the pilot's collected rows: subjects
 * at risk, subjects with an event, events and days, for the treatment window with and without a lag and for two
 * randomised periods (the pilot has one period; the test splits it at week 12 and lets placebo switch to low dose).
 */
@ExtendWith(SharedSpark.class)
class CdiscPilotWindowTest {

    static final String ADSL = "src/test/resources/cdisc-pilot/adsl.parquet";
    static final String ADAE = "src/test/resources/cdisc-pilot/adae.parquet";
    static final Set<String> ARMS = Set.of("Xanomeline High Dose", "Xanomeline Low Dose", "Placebo");
    static final List<TreatmentArm> TREATMENTS = List.of(
            new TreatmentArm("Xanomeline High Dose", "experimental", 81.0),
            new TreatmentArm("Xanomeline Low Dose", "experimental", 54.0),
            new TreatmentArm("Placebo", "control", null));
    // the pilot's many treatment-emergent infections, none after the last dose; and cardiac disorders, 15 of them
    // flagged treatment-emergent after the last dose (within 30 days): a window without a lag must leave those out
    static final OutcomeDefinition FIRST_INFECTION = new OutcomeDefinition("any_infection", true, false,
            List.of("Infections and infestations"), List.of());
    static final OutcomeDefinition CARDIAC_EPISODES = new OutcomeDefinition("cardiac_episodes", true, false,
            List.of("Cardiac disorders"), List.of(), false, false, List.of());

    @TempDir
    Path dir;

    /** A pilot subject as collected, plus the test's own split into periods 1 (to week 12) and 2 (the rest). */
    record Subject(String id, String trt01a, LocalDate trtsdt, LocalDate trtedt,
                   LocalDate tr01sdt, LocalDate tr01edt, String trt02a, LocalDate tr02sdt, LocalDate tr02edt) {
    }

    record Event(String id, String soc, String trtemfl, LocalDate astdt) {
    }

    /** A subject's window: its arm and first and last day at risk; null when not at risk. */
    record Window(String arm, LocalDate start, LocalDate end) {
    }

    @Test
    void theTreatmentWindowWithAndWithoutALagMatchesAPlainJavaCount(SparkSession spark) {
        Validation validation = Validation.defaults();
        Dataset<Row> studies = studies(spark, validation);
        List<Subject> subjects = subjects(spark);
        List<Event> events = events(spark);
        // the pilot gives no death or end-of-study date column, so no lag is cut short: windows are TRTSDT..TRTEDT+lag
        assertFalse(Arrays.asList(spark.read().parquet(ADSL).columns()).contains("DTHDT"));
        assertFalse(Arrays.asList(spark.read().parquet(ADSL).columns()).contains("EOSDT"));

        // a lag that ends among the pilot's post-treatment cardiac events: the earliest of them is inside it, the later out
        int splitting = (int) daysAfterLastDose(subjects, events, "CARDIAC DISORDERS").stream().mapToLong(x -> x).min().orElseThrow();
        for (int lag : new int[]{0, splitting, 30}) {
            Dataset<Row> adsl = AdamReader.readSubjects(spark, ADSL, studies, ARMS, validation, OptionalInt.empty(), lag > 0);
            Dataset<Row> adae = AdamReader.readEvents(spark, ADAE, adsl, validation);
            Map<String, List<Long>> actual = arms(SubjectAggregator.aggregate(spark, adsl, adae, TREATMENTS,
                    List.of(FIRST_INFECTION, CARDIAC_EPISODES), AtRiskWindow.treatment(lag), "pilot"));
            Function<Subject, Window> window = s -> new Window(s.trt01a(), s.trtsdt(), s.trtedt().plusDays(lag));
            Map<String, List<Long>> expected = new TreeMap<>();
            expected.putAll(expected(subjects, events, window, "INFECTIONS AND INFESTATIONS", true, "any_infection"));
            expected.putAll(expected(subjects, events, window, "CARDIAC DISORDERS", false, "cardiac_episodes"));
            assertEquals(expected, actual, "treatment window, lag " + lag + ": n, subjects with events, events, days");
        }

        // the window bites on the pilot: before it, all 15 treatment-emergent cardiac events after the last dose were
        // counted while time stopped at TRTEDT; without a lag they are out, with the splitting lag some, with 30 none
        long teCardiac = events.stream().filter(e -> "Y".equals(e.trtemfl()) && e.soc().equals("CARDIAC DISORDERS")).count();
        long inLag0 = cardiacEventsIn(subjects, events, 0);
        long inSplitting = cardiacEventsIn(subjects, events, splitting);
        assertEquals(teCardiac - 15, inLag0);
        assertTrue(inLag0 < inSplitting && inSplitting < teCardiac, inLag0 + " < " + inSplitting + " < " + teCardiac
                + " (lag " + splitting + ")");
        assertEquals(teCardiac, cardiacEventsIn(subjects, events, 30));
    }

    @Test
    void randomisedPeriodsOneAndTwoMatchAPlainJavaCountUnderEachPeriodsTreatment(SparkSession spark) {
        Validation validation = Validation.defaults();
        Dataset<Row> studies = studies(spark, validation);
        List<Subject> subjects = subjects(spark);
        List<Event> events = events(spark);
        String adslFile = withPeriods(spark, subjects);

        Dataset<Row> adsl1 = AdamReader.readSubjects(spark, adslFile, studies, ARMS, validation, OptionalInt.of(1), false);
        Map<String, List<Long>> period1 = arms(SubjectAggregator.aggregate(spark, adsl1,
                AdamReader.readEvents(spark, ADAE, adsl1, validation), TREATMENTS,
                List.of(FIRST_INFECTION, CARDIAC_EPISODES), AtRiskWindow.randomisedPeriod(1, 0), "pilot"));
        Function<Subject, Window> first = s -> new Window(s.trt01a(), s.tr01sdt(), s.tr01edt());
        Map<String, List<Long>> expected1 = new TreeMap<>();
        expected1.putAll(expected(subjects, events, first, "INFECTIONS AND INFESTATIONS", true, "any_infection"));
        expected1.putAll(expected(subjects, events, first, "CARDIAC DISORDERS", false, "cardiac_episodes"));
        assertEquals(expected1, period1, "period 1: n, subjects with events, events, days");

        Dataset<Row> adsl2 = AdamReader.readSubjects(spark, adslFile, studies, ARMS, validation, OptionalInt.of(2), false);
        Map<String, List<Long>> period2 = arms(SubjectAggregator.aggregate(spark, adsl2,
                AdamReader.readEvents(spark, ADAE, adsl2, validation), TREATMENTS,
                List.of(FIRST_INFECTION, CARDIAC_EPISODES), AtRiskWindow.randomisedPeriod(2, 0), "pilot"));
        Function<Subject, Window> second = s -> s.tr02sdt() == null ? null : new Window(s.trt02a(), s.tr02sdt(), s.tr02edt());
        Map<String, List<Long>> expected2 = new TreeMap<>();
        expected2.putAll(expected(subjects, events, second, "INFECTIONS AND INFESTATIONS", true, "any_infection"));
        expected2.putAll(expected(subjects, events, second, "CARDIAC DISORDERS", false, "cardiac_episodes"));
        assertEquals(expected2, period2, "period 2: n, subjects with events, events, days");

        // the split is real: period 2 has fewer subjects (those treated past week 12) and no placebo arm (switched)
        long atRisk2 = subjects.stream().filter(s -> s.tr02sdt() != null).count();
        assertTrue(atRisk2 > 0 && atRisk2 < 254, "subjects in period 2: " + atRisk2);
        assertFalse(period2.keySet().stream().anyMatch(k -> k.startsWith("Placebo/")));
    }

    @Test
    void aPeriodTheAdslDoesNotHaveIsAMissingColumnNamedWithThePeriod(SparkSession spark) {
        Validation validation = Validation.defaults();
        Dataset<Row> studies = studies(spark, validation);
        InputException e = assertThrows(InputException.class,
                () -> AdamReader.readSubjects(spark, ADSL, studies, ARMS, validation, OptionalInt.of(1), false));
        assertEquals("TR01SDT", e.column());
        assertTrue(e.getMessage().contains("period 1"), e.getMessage());
    }

    // ---- the independent count: plain Java over the pilot's rows ----

    /** arm/outcome -> [n, subjects with an event, events, days at risk] */
    private static Map<String, List<Long>> expected(List<Subject> subjects, List<Event> events,
                                                   Function<Subject, Window> windowOf, String soc, boolean firstEvent,
                                                   String outcome) {
        Map<String, List<Event>> bySubject = new HashMap<>();
        for (Event e : events) {
            if ("Y".equals(e.trtemfl()) && soc.equals(e.soc())) {
                bySubject.computeIfAbsent(e.id(), k -> new ArrayList<>()).add(e);
            }
        }
        Map<String, long[]> perArm = new TreeMap<>();
        for (Subject s : subjects) {
            Window w = windowOf.apply(s);
            if (w == null) {
                continue;
            }
            long[] a = perArm.computeIfAbsent(w.arm() + "/" + outcome, k -> new long[4]);
            LocalDate first = null;
            long count = 0;
            for (Event e : bySubject.getOrDefault(s.id(), List.of())) {
                if (!e.astdt().isBefore(w.start()) && !e.astdt().isAfter(w.end())) {
                    count++;
                    first = first == null || e.astdt().isBefore(first) ? e.astdt() : first;
                }
            }
            LocalDate last = firstEvent && first != null ? first : w.end();
            a[0]++;
            a[1] += count > 0 ? 1 : 0;
            a[2] += count;
            a[3] += ChronoUnit.DAYS.between(w.start(), last) + 1;
        }
        Map<String, List<Long>> out = new TreeMap<>();
        perArm.forEach((k, a) -> out.put(k, List.of(a[0], a[1], a[2], a[3])));
        return out;
    }

    /** Days from the last dose to each treatment-emergent event of the SOC dated after it. */
    private static List<Long> daysAfterLastDose(List<Subject> subjects, List<Event> events, String soc) {
        Map<String, LocalDate> lastDose = new HashMap<>();
        subjects.forEach(s -> lastDose.put(s.id(), s.trtedt()));
        return events.stream().filter(e -> "Y".equals(e.trtemfl()) && soc.equals(e.soc()))
                .map(e -> ChronoUnit.DAYS.between(lastDose.get(e.id()), e.astdt())).filter(d -> d > 0).toList();
    }

    private static long cardiacEventsIn(List<Subject> subjects, List<Event> events, int lag) {
        return expected(subjects, events, s -> new Window(s.trt01a(), s.trtsdt(), s.trtedt().plusDays(lag)),
                "CARDIAC DISORDERS", false, "c").values().stream().mapToLong(a -> a.get(2)).sum();
    }

    /** The job's arm table as arm/outcome -> [n, events, event_count, days], days = person_years × 365.25. */
    private static Map<String, List<Long>> arms(Dataset<Row> table) {
        Map<String, List<Long>> out = new TreeMap<>();
        for (Row r : table.collectAsList()) {
            double days = r.<Double>getAs("person_years") * 365.25;
            assertEquals(Math.rint(days), days, 1e-9, "whole days");
            out.put(r.<String>getAs("arm_id") + "/" + r.<String>getAs("outcome"),
                    List.of(r.<Long>getAs("n"), r.<Long>getAs("events"), r.<Long>getAs("event_count"), Math.round(days)));
        }
        return out;
    }

    private Dataset<Row> studies(SparkSession spark, Validation validation) {
        String file = Files2.write(dir, "studies.csv",
                "study_id,acronym,condition,drug,year,design,control_type,weeks,source",
                "CDISCPILOT01,CDISC pilot,alzheimer disease,xanomeline,2013,rct,placebo,26,PHUSE test data");
        return StudiesReader.read(spark, file, validation);
    }

    /**
     * The pilot's safety population (all 254 subjects are treated, with both dates), split here into period 1 (the
     * first 84 days, to week 12) and period 2 (the rest, for subjects treated longer), placebo switching to low dose.
     */
    private static List<Subject> subjects(SparkSession spark) {
        List<Subject> out = new ArrayList<>();
        for (Row r : spark.read().parquet(ADSL).filter("SAFFL = 'Y'")
                .select("USUBJID", "TRT01A", "TRTSDT", "TRTEDT").collectAsList()) {
            LocalDate start = r.getDate(2).toLocalDate();
            LocalDate end = r.getDate(3).toLocalDate();
            LocalDate week12 = start.plusDays(83);
            LocalDate end1 = end.isBefore(week12) ? end : week12;
            boolean second = end.isAfter(end1);
            String trt02a = "Placebo".equals(r.getString(1)) ? "Xanomeline Low Dose" : r.getString(1);
            out.add(new Subject(r.getString(0), r.getString(1), start, end, start, end1, second ? trt02a : null,
                    second ? end1.plusDays(1) : null, second ? end : null));
        }
        assertEquals(254, out.size());
        return out;
    }

    private static List<Event> events(SparkSession spark) {
        List<Event> out = new ArrayList<>();
        for (Row r : spark.read().parquet(ADAE).select("USUBJID", "AEBODSYS", "TRTEMFL", "ASTDT").collectAsList()) {
            if (r.isNullAt(3)) {
                assertFalse("Y".equals(r.getString(2)), "the pilot's undated events are not treatment-emergent");
                continue;
            }
            out.add(new Event(r.getString(0), r.getString(1).trim().toUpperCase(Locale.ROOT), r.getString(2),
                    r.getDate(3).toLocalDate()));
        }
        return out;
    }

    /** The pilot ADSL with every column kept, plus TR01SDT, TR01EDT, TRT02A, TR02SDT, TR02EDT from the split. */
    private String withPeriods(SparkSession spark, List<Subject> subjects) {
        StructType periods = new StructType().add("__id", DataTypes.StringType)
                .add("TR01SDT", DataTypes.DateType).add("TR01EDT", DataTypes.DateType).add("TRT02A", DataTypes.StringType)
                .add("TR02SDT", DataTypes.DateType).add("TR02EDT", DataTypes.DateType);
        List<Row> rows = subjects.stream().map(s -> RowFactory.create(s.id(), date(s.tr01sdt()), date(s.tr01edt()),
                s.trt02a(), date(s.tr02sdt()), date(s.tr02edt()))).toList();
        Dataset<Row> p = spark.createDataFrame(rows, periods);
        Dataset<Row> adsl = spark.read().parquet(ADSL);
        String file = dir.resolve("adsl-periods.parquet").toString();
        adsl.join(p, adsl.col("USUBJID").equalTo(p.col("__id")), "left").drop("__id").write().parquet(file);
        return file;
    }

    private static Date date(LocalDate d) {
        return d == null ? null : Date.valueOf(d);
    }
}
