package io.aepool.aggregate;

import io.aepool.ingest.OmopReader;
import io.aepool.ingest.RegistryExtract;
import io.aepool.ingest.Validation;
import io.aepool.testing.SharedSpark;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The OHDSI Eunomia "GiBleed" sample (sample-data/omop-eunomia, synthetic OMOP CDM): celecoxib and diclofenac eras as
 * exposure groups, first gastrointestinal haemorrhage (condition concept 192671) as the outcome. The Spark plan's
 * patients, events and person-years per group must equal a plain per-person computation over the raw OMOP rows:
 * each era at risk from its start to its end plus the risk window, censored at the end of the observation period
 * holding its start (none if no period holds it), eras of one drug merged where they overlap or touch, time stopped
 * at the first bleed inside at-risk time, days counted inclusively.
 */
@ExtendWith(SharedSpark.class)
class EunomiaIncidenceTest {

    static final String DIR = "sample-data/omop-eunomia";
    static final long CELECOXIB = 1118084L;
    static final long DICLOFENAC = 1124300L;
    static final long GI_BLEED = 192671L;
    static final Map<Long, String> GROUPS = Map.of(CELECOXIB, "celecoxib", DICLOFENAC, "diclofenac");
    static final OutcomeDefinition OUTCOME = new OutcomeDefinition("gi_bleed", false, false, List.of(), List.of(),
            true, false, List.of(GI_BLEED));

    /** Expected per group, computed without Spark's plan. */
    record Tally(long patients, long events, long days) {
    }

    @ParameterizedTest(name = "risk window {0} days")
    @ValueSource(ints = {0, 30})
    void incidenceOfFirstGiBleedPerDrugEqualsAPlainPerPersonComputation(int window, SparkSession spark) {
        Dataset<Row> studies = spark.createDataFrame(List.of(RowFactory.create("EUNOMIA", "registry")),
                new StructType().add("study_id", DataTypes.StringType).add("design", DataTypes.StringType));
        RegistryExtract extract = OmopReader.read(spark, DIR, "EUNOMIA", GROUPS, studies, Validation.defaults());
        Dataset<Row> incidence = RegistryAggregator.incidence(spark, extract, List.of(OUTCOME),
                new RegistryAggregator.Settings(window, null, List.of()));

        Map<String, Tally> expected = independently(spark, window);
        Map<String, Tally> actualDays = new TreeMap<>();
        for (Row r : incidence.filter(col("stratum_variable").equalTo("all")).collectAsList()) {
            assertEquals("EUNOMIA", r.getString(r.fieldIndex("registry_id")));
            assertEquals("gi_bleed", r.getString(r.fieldIndex("outcome")));
            String group = r.getString(r.fieldIndex("exposure_group"));
            long patients = r.getLong(r.fieldIndex("patients"));
            long events = r.getLong(r.fieldIndex("events"));
            double py = r.getDouble(r.fieldIndex("person_years"));
            Tally e = expected.get(group);
            assertEquals(e.patients(), patients, group + " patients");
            assertEquals(e.events(), events, group + " events");
            double expectedPy = e.days() / 365.25;
            assertEquals(expectedPy, py, 1e-9 * expectedPy, group + " person-years");
            actualDays.put(group, new Tally(patients, events, e.days()));
            System.out.printf("Eunomia, risk window %d d, %s: %d patients, %d first GI bleeds, %.4f person-years "
                            + "(%d days): %.3f per 100 PY%n", window, group, patients, events, py, e.days(),
                    100.0 * events / py);
        }
        assertEquals(Set.of("celecoxib", "diclofenac"), actualDays.keySet());
        assertEquals(expected.keySet(), actualDays.keySet());
        if (window == 0) {
            // every celecoxib and diclofenac era of this sample lasts one day (start = end): each user is at risk one
            // day and no bleed falls on it
            assertTrue(expected.values().stream().allMatch(t -> t.days() == t.patients() && t.events() == 0), "" + expected);
        } else {
            assertTrue(expected.values().stream().allMatch(t -> t.patients() > 0 && t.events() > 0), "" + expected);
        }
    }

    // ---- the plain computation --------------------------------------------------------------------------------

    static LocalDate date(Row r, int i) {
        return r.getDate(i).toLocalDate();
    }

    /** Per exposure group: patients with at-risk time, first bleeds inside it, at-risk days up to the first bleed. */
    static Map<String, Tally> independently(SparkSession spark, int window) {
        Raw raw = Raw.read(spark);
        Map<Long, List<LocalDate[]>> periods = raw.periods();
        Map<Long, Map<String, List<LocalDate[]>>> eras = raw.eras();
        Map<Long, List<LocalDate>> bleeds = raw.bleeds();

        Map<String, long[]> sums = new TreeMap<>(); // group -> patients, events, days
        for (Map.Entry<Long, Map<String, List<LocalDate[]>>> person : eras.entrySet()) {
            List<LocalDate[]> observed = periods.getOrDefault(person.getKey(), List.of());
            List<LocalDate> personBleeds = bleeds.getOrDefault(person.getKey(), List.of());
            for (Map.Entry<String, List<LocalDate[]>> g : person.getValue().entrySet()) {
                // censor each era: end + window, but not past the end of the period holding its start
                List<LocalDate[]> censored = new ArrayList<>();
                for (LocalDate[] era : g.getValue()) {
                    LocalDate start = era[0];
                    LocalDate end = era[1].plusDays(window);
                    LocalDate periodEnd = null;
                    for (LocalDate[] p : observed) {
                        if (!start.isBefore(p[0]) && !start.isAfter(p[1])
                                && (periodEnd == null || p[1].isAfter(periodEnd))) {
                            periodEnd = p[1];
                        }
                    }
                    if (periodEnd == null) {
                        continue; // starts outside observation
                    }
                    if (periodEnd.isBefore(end)) {
                        end = periodEnd;
                    }
                    censored.add(new LocalDate[]{start, end});
                }
                if (censored.isEmpty()) {
                    continue;
                }
                // merge intervals that overlap or touch (next start <= current end + 1 day)
                censored.sort(Comparator.comparing((LocalDate[] a) -> a[0]));
                List<LocalDate[]> merged = new ArrayList<>();
                LocalDate[] current = censored.get(0).clone();
                for (LocalDate[] next : censored.subList(1, censored.size())) {
                    if (!next[0].isAfter(current[1].plusDays(1))) {
                        if (next[1].isAfter(current[1])) {
                            current[1] = next[1];
                        }
                    } else {
                        merged.add(current);
                        current = next.clone();
                    }
                }
                merged.add(current);
                // the first bleed inside any interval stops the time
                LocalDate first = null;
                for (LocalDate b : personBleeds) {
                    for (LocalDate[] m : merged) {
                        if (!b.isBefore(m[0]) && !b.isAfter(m[1]) && (first == null || b.isBefore(first))) {
                            first = b;
                        }
                    }
                }
                long days = 0;
                for (LocalDate[] m : merged) {
                    LocalDate stop = m[1];
                    if (first != null && !first.isAfter(m[1])) {
                        stop = first.isBefore(m[0]) ? null : first;
                    }
                    if (stop != null) {
                        days += ChronoUnit.DAYS.between(m[0], stop) + 1;
                    }
                }
                long[] s = sums.computeIfAbsent(g.getKey(), k -> new long[3]);
                s[0] += 1;
                s[1] += first == null ? 0 : 1;
                s[2] += days;
            }
        }
        Map<String, Tally> out = new TreeMap<>();
        sums.forEach((group, s) -> out.put(group, new Tally(s[0], s[1], s[2])));
        return out;
    }

    // ---- the new-user design (issue 18) -----------------------------------------------------------------------

    /**
     * The new-user design with a washout, a minimum prior observation and a clean window for the first GI bleed,
     * default attribution (latest_exposure): patients, events and days per drug, and the attrition table's patients
     * and days per step, must equal {@link #newUserIndependently}, a per-person day-set computation over the raw rows
     * written from docs/methods.md §11.
     * <p>
     * What Eunomia exercises: every patient has a single one-day era of each drug he takes (at window 0, days =
     * patients at in_extract), no celecoxib era overlaps a diclofenac era (asserted below: the attribution rule does
     * not matter here, though the plain computation applies latest_exposure anyway), and no first GI bleed precedes an
     * index date. So the washout, first_exposure_only and the clean window (any lookback) remove nobody; only the
     * eras starting outside observation (in_extract → in_observation) and a long minimum prior observation (the
     * 40-year row, asserted to remove patients) discriminate. Hand-built cases of the other rules are in
     * RegistryAggregatorTest.
     */
    @ParameterizedTest(name = "window {0}, washout {1}, min prior obs {2}, first only {3}, lookback {4}")
    @CsvSource({
            "30, 365, 365, false, 99999",
            "30, 365, 365, true, 99999",
            "30, 365, 365, false, 365",
            "30, 365, 365, true, 365",
            "0, 365, 730, false, 99999",
            "30, 365, 14610, true, 365"})
    void newUserDesignWithWashoutAndCleanWindowEqualsAPlainPerPersonComputation(int window, int washout, int minPrior,
                                                                                boolean firstOnly, int lookback,
                                                                                SparkSession spark) {
        RegistryAggregator.NewUser nu = new RegistryAggregator.NewUser(washout, minPrior, firstOnly, true, lookback);
        Dataset<Row> studies = spark.createDataFrame(List.of(RowFactory.create("EUNOMIA", "registry")),
                new StructType().add("study_id", DataTypes.StringType).add("design", DataTypes.StringType));
        RegistryExtract extract = OmopReader.read(spark, DIR, "EUNOMIA", GROUPS, studies, Validation.defaults());
        Dataset<Row> contributions = RegistryAggregator.contributions(spark, extract, List.of(OUTCOME),
                new RegistryAggregator.Settings(window, null, List.of(), null, nu)).cache();
        Expected expected = newUserIndependently(spark, window, nu);
        String label = String.format("window %d, washout %d, min prior obs %d, first only %s, lookback %d",
                window, washout, minPrior, firstOnly, lookback);

        // the count columns only: the incidence table also carries the robust-variance sums
        Map<String, Tally> actual = new TreeMap<>();
        for (Row r : RegistryAggregator.incidence(contributions).filter(col("stratum_variable").equalTo("all"))
                .select("registry_id", "outcome", "exposure_group", "patients", "events", "person_years").collectAsList()) {
            assertEquals("EUNOMIA", r.getString(0));
            assertEquals("gi_bleed", r.getString(1));
            long patients = r.getLong(3);
            long events = r.getLong(4);
            double py = r.getDouble(5);
            long days = Math.round(py * 365.25);
            assertEquals(days / 365.25, py, 1e-9 * Math.max(1, py), r.getString(2) + " person-years are whole days");
            actual.put(r.getString(2), new Tally(patients, events, days));
        }
        System.out.printf("Eunomia new user (%s): expected %s, Spark %s; cross-group overlapping episode pairs: %d%n",
                label, expected.incidence(), actual, expected.overlaps());
        assertEquals(0, expected.overlaps(), label + ": a celecoxib and a diclofenac episode overlap");
        assertEquals(expected.incidence(), actual, label);
        assertTrue(expected.incidence().values().stream().allMatch(t -> t.patients() > 0), label + ": " + expected.incidence());

        // attrition: patients and days per drug and step
        Map<String, Map<String, List<Long>>> steps = new TreeMap<>();
        for (Row r : RegistryAggregator.attrition(contributions)
                .select("exposure_group", "outcome", "step_order", "step", "patients", "person_years").collectAsList()) {
            assertEquals("gi_bleed", r.getString(1));
            String step = r.getString(3);
            assertEquals(RegistryAggregator.STEPS.indexOf(step) + 1, r.getInt(2), step);
            steps.computeIfAbsent(r.getString(0), g -> new TreeMap<>())
                    .put(step, List.of(r.getLong(4), Math.round(r.getDouble(5) * 365.25)));
        }
        System.out.printf("  attrition expected %s%n  attrition Spark    %s%n", expected.steps(), steps);
        assertEquals(expected.steps(), steps, label + " attrition");
        if (minPrior >= 14610) {
            for (Map<String, List<Long>> g : expected.steps().values()) {
                assertTrue(g.get("new_user_after_washout").get(0) < g.get("in_observation").get(0),
                        label + ": 40 years of prior observation should remove patients, " + g);
            }
        }
        contributions.unpersist();
    }

    /** The plain computation's result: incidence per drug, attrition (step -> [patients, days]) per drug. */
    record Expected(Map<String, Tally> incidence, Map<String, Map<String, List<Long>>> steps, long overlaps) {
    }

    /** One censored episode: its group, at-risk start and end, the start of the observation period holding it. */
    record Episode(String group, LocalDate start, LocalDate end, LocalDate observedFrom) {
    }

    static Set<LocalDate> days(LocalDate from, LocalDate to) {
        Set<LocalDate> out = new java.util.HashSet<>();
        for (LocalDate d = from; !d.isAfter(to); d = d.plusDays(1)) {
            out.add(d);
        }
        return out;
    }

    static void addStep(Map<String, Map<String, long[]>> steps, String group, String step, Set<LocalDate> days) {
        if (!days.isEmpty()) {
            long[] s = steps.computeIfAbsent(group, g -> new TreeMap<>()).computeIfAbsent(step, k -> new long[2]);
            s[0] += 1;
            s[1] += days.size();
        }
    }

    /**
     * docs/methods.md §11, per person, with sets of days (so merging intervals of one group is a union and "overlap
     * or touch" needs no separate rule): (1) each era of a drug at risk from its start to its end + window, censored
     * at the end of the observation period holding its start (none if no period holds it); Eunomia has no death
     * table. (2) The censored episodes of a drug form eras where they overlap or touch; the era's first start is its
     * index date. (3) An era enters when index − start of its observation period ≥ max(washout, min prior
     * observation), no raw era of the drug (start..end, observed or not) meets [index − washout, index − 1], and,
     * with first exposure only, the index is the person's earliest raw start of the drug. (4) latest_exposure over
     * every censored episode (new user or not): a day of episode X goes to its drug unless an episode of the other
     * drug that started in [X.start, X.end] is at risk that day (same-day starts take the shared days from each
     * other). (5) An era with a bleed in [index − lookback, index − 1] is removed. (6) The remaining days of a drug
     * are its at-risk time: the first bleed inside it stops the time (that day counted).
     */
    static Expected newUserIndependently(SparkSession spark, int window, RegistryAggregator.NewUser nu) {
        Raw raw = Raw.read(spark);
        Map<String, long[]> sums = new TreeMap<>();
        Map<String, Map<String, long[]>> steps = new TreeMap<>();
        long overlaps = 0;
        int priorDays = Math.max(nu.washoutPeriod(), nu.minPriorObservation());
        for (Map.Entry<Long, Map<String, List<LocalDate[]>>> person : raw.eras().entrySet()) {
            List<LocalDate[]> observed = raw.periods().getOrDefault(person.getKey(), List.of());
            List<LocalDate> personBleeds = raw.bleeds().getOrDefault(person.getKey(), List.of());
            // (1) censored episodes, and the in_extract step
            List<Episode> episodes = new ArrayList<>();
            for (Map.Entry<String, List<LocalDate[]>> g : person.getValue().entrySet()) {
                Set<LocalDate> inExtract = new java.util.HashSet<>();
                for (LocalDate[] era : g.getValue()) {
                    inExtract.addAll(days(era[0], era[1].plusDays(window)));
                    LocalDate periodStart = null;
                    LocalDate periodEnd = null;
                    for (LocalDate[] p : observed) {
                        if (!era[0].isBefore(p[0]) && !era[0].isAfter(p[1])) {
                            periodStart = periodStart == null || p[0].isBefore(periodStart) ? p[0] : periodStart;
                            periodEnd = periodEnd == null || p[1].isAfter(periodEnd) ? p[1] : periodEnd;
                        }
                    }
                    if (periodEnd != null) {
                        LocalDate end = era[1].plusDays(window);
                        episodes.add(new Episode(g.getKey(), era[0], end.isAfter(periodEnd) ? periodEnd : end, periodStart));
                    }
                }
                addStep(steps, g.getKey(), RegistryAggregator.STEPS.get(0), inExtract);
            }
            // (2) eras of each drug over the censored episodes, (3) the new-user verdict per era
            Map<Episode, LocalDate> indexOf = new HashMap<>();
            Map<Episode, Boolean> newUser = new HashMap<>();
            for (String group : GROUPS.values()) {
                List<Episode> mine = new ArrayList<>(episodes.stream().filter(e -> e.group().equals(group)).toList());
                if (mine.isEmpty()) {
                    continue;
                }
                mine.sort(Comparator.comparing(Episode::start).thenComparing(Episode::end));
                List<LocalDate[]> rawEras = person.getValue().get(group);
                LocalDate firstStart = rawEras.stream().map(a -> a[0]).min(Comparator.naturalOrder()).orElseThrow();
                List<List<Episode>> eras = new ArrayList<>();
                LocalDate reach = null;
                for (Episode e : mine) {
                    if (reach == null || e.start().isAfter(reach.plusDays(1))) {
                        eras.add(new ArrayList<>());
                    }
                    eras.get(eras.size() - 1).add(e);
                    reach = reach == null || e.end().isAfter(reach) ? e.end() : reach;
                }
                Set<LocalDate> inObservation = new java.util.HashSet<>();
                Set<LocalDate> newUsers = new java.util.HashSet<>();
                Set<LocalDate> clean = new java.util.HashSet<>();
                for (List<Episode> era : eras) {
                    LocalDate index = era.get(0).start();
                    LocalDate observedFrom = era.stream().filter(e -> e.start().equals(index)).map(Episode::observedFrom)
                            .min(Comparator.naturalOrder()).orElseThrow();
                    boolean ok = ChronoUnit.DAYS.between(observedFrom, index) >= priorDays;
                    LocalDate washoutFrom = index.minusDays(nu.washoutPeriod());
                    for (LocalDate[] r : rawEras) {
                        if (nu.washoutPeriod() > 0 && r[0].isBefore(index) && !r[1].isBefore(washoutFrom)) {
                            ok = false;
                        }
                    }
                    if (nu.firstExposureOnly() && !index.equals(firstStart)) {
                        ok = false;
                    }
                    Set<LocalDate> eraDays = new java.util.HashSet<>();
                    for (Episode e : era) {
                        indexOf.put(e, index);
                        newUser.put(e, ok);
                        eraDays.addAll(days(e.start(), e.end()));
                    }
                    inObservation.addAll(eraDays);
                    if (ok) {
                        newUsers.addAll(eraDays);
                        if (!priorOutcome(personBleeds, index, nu)) {
                            clean.addAll(eraDays);
                        }
                    }
                }
                addStep(steps, group, RegistryAggregator.STEPS.get(1), inObservation);
                addStep(steps, group, RegistryAggregator.STEPS.get(2), newUsers);
                addStep(steps, group, RegistryAggregator.STEPS.get(3), clean);
            }
            // (4) latest_exposure over every censored episode, then keep new users' clean eras (5)
            Map<String, Set<LocalDate>> atRisk = new TreeMap<>();
            for (Episode x : episodes) {
                Set<LocalDate> mine = days(x.start(), x.end());
                for (Episode y : episodes) {
                    if (!y.group().equals(x.group()) && !y.start().isBefore(x.start()) && !y.start().isAfter(x.end())) {
                        overlaps++;
                        mine.removeAll(days(y.start(), y.end().isBefore(x.end()) ? y.end() : x.end()));
                    }
                }
                if (newUser.get(x) && !priorOutcome(personBleeds, indexOf.get(x), nu)) {
                    atRisk.computeIfAbsent(x.group(), g -> new java.util.HashSet<>()).addAll(mine);
                }
            }
            // (6) first bleed inside the drug's days stops its time
            for (Map.Entry<String, Set<LocalDate>> g : atRisk.entrySet()) {
                if (g.getValue().isEmpty()) {
                    continue;
                }
                LocalDate first = personBleeds.stream().filter(g.getValue()::contains).min(Comparator.naturalOrder())
                        .orElse(null);
                long n = g.getValue().stream().filter(d -> first == null || !d.isAfter(first)).count();
                long[] s = sums.computeIfAbsent(g.getKey(), k -> new long[3]);
                s[0] += 1;
                s[1] += first == null ? 0 : 1;
                s[2] += n;
                long[] st = steps.computeIfAbsent(g.getKey(), k -> new TreeMap<>())
                        .computeIfAbsent(RegistryAggregator.STEPS.get(4), k -> new long[2]);
                st[0] += 1;
                st[1] += n;
            }
        }
        Map<String, Tally> incidence = new TreeMap<>();
        sums.forEach((group, s) -> incidence.put(group, new Tally(s[0], s[1], s[2])));
        Map<String, Map<String, List<Long>>> stepLists = new TreeMap<>();
        steps.forEach((group, m) -> m.forEach((step, v) ->
                stepLists.computeIfAbsent(group, k -> new TreeMap<>()).put(step, List.of(v[0], v[1]))));
        return new Expected(incidence, stepLists, overlaps);
    }

    /** A bleed in [index − prior_outcome_lookback, index − 1] (with remove_subjects_with_prior_outcome). */
    static boolean priorOutcome(List<LocalDate> bleeds, LocalDate index, RegistryAggregator.NewUser nu) {
        return nu.removeSubjectsWithPriorOutcome() && bleeds.stream().anyMatch(
                b -> b.isBefore(index) && !b.isBefore(index.minusDays(nu.priorOutcomeLookback())));
    }

    /** The raw OMOP rows the plain computations read (small: test code may collect them). */
    record Raw(Map<Long, List<LocalDate[]>> periods, Map<Long, Map<String, List<LocalDate[]>>> eras,
               Map<Long, List<LocalDate>> bleeds) {
        static Raw read(SparkSession spark) {
            Map<Long, List<LocalDate[]>> periods = new HashMap<>();
            for (Row r : spark.read().parquet(DIR + "/observation_period.parquet").select(
                    col("PERSON_ID").cast(DataTypes.LongType), col("OBSERVATION_PERIOD_START_DATE").cast(DataTypes.DateType),
                    col("OBSERVATION_PERIOD_END_DATE").cast(DataTypes.DateType)).collectAsList()) {
                periods.computeIfAbsent(r.getLong(0), p -> new ArrayList<>()).add(new LocalDate[]{date(r, 1), date(r, 2)});
            }
            Map<Long, Map<String, List<LocalDate[]>>> eras = new HashMap<>();
            for (Row r : spark.read().parquet(DIR + "/drug_era.parquet").select(
                            col("PERSON_ID").cast(DataTypes.LongType), col("DRUG_CONCEPT_ID").cast(DataTypes.LongType),
                            col("DRUG_ERA_START_DATE").cast(DataTypes.DateType), col("DRUG_ERA_END_DATE").cast(DataTypes.DateType))
                    .collectAsList()) {
                String group = GROUPS.get(r.getLong(1));
                if (group != null) {
                    eras.computeIfAbsent(r.getLong(0), p -> new HashMap<>()).computeIfAbsent(group, g -> new ArrayList<>())
                            .add(new LocalDate[]{date(r, 2), date(r, 3)});
                }
            }
            Map<Long, List<LocalDate>> bleeds = new HashMap<>();
            for (Row r : spark.read().parquet(DIR + "/condition_era.parquet").select(
                    col("PERSON_ID").cast(DataTypes.LongType), col("CONDITION_CONCEPT_ID").cast(DataTypes.LongType),
                    col("CONDITION_ERA_START_DATE").cast(DataTypes.DateType)).collectAsList()) {
                if (r.getLong(1) == GI_BLEED) {
                    bleeds.computeIfAbsent(r.getLong(0), p -> new ArrayList<>()).add(date(r, 2));
                }
            }
            return new Raw(periods, eras, bleeds);
        }
    }
}
