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
        // the raw rows (small: test code may collect them)
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
}
