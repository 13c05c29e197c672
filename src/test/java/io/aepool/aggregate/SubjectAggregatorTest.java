package io.aepool.aggregate;

import io.aepool.testing.DataFrameAssert;
import io.aepool.testing.AdamSchemas;
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

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * Subject-level ADaM becomes per-arm counts: the safety population at risk, distinct subjects with a
 * qualifying event, the number of qualifying events and person-years, for each outcome definition.
 */
@ExtendWith(SharedSpark.class)
class SubjectAggregatorTest {

    static final StructType ADSL = AdamSchemas.ADSL;
    static final StructType ADAE = AdamSchemas.ADAE;

    static final List<TreatmentArm> TREATMENTS = List.of(
            new TreatmentArm("Drug 10 mg", "experimental", 10.0), new TreatmentArm("Placebo", "control", null));

    private static Date d(String iso) {
        return Date.valueOf(iso);
    }

    static Dataset<Row> adsl(SparkSession spark) {
        return spark.createDataFrame(List.of(
                RowFactory.create("T1", "T1-001", "Drug 10 mg", "Y", d("2020-01-01"), d("2020-07-01")),
                RowFactory.create("T1", "T1-002", "Drug 10 mg", "Y", d("2020-01-01"), d("2020-07-02")),
                RowFactory.create("T1", "T1-003", "Placebo", "Y", d("2020-01-01"), d("2020-01-10")),
                RowFactory.create("T1", "T1-004", "Placebo", "Y", d("2020-01-01"), null),
                // not in the safety population: never counted, even with an event
                RowFactory.create("T1", "T1-005", null, "N", null, null)), ADSL);
    }

    static Dataset<Row> adae(SparkSession spark) {
        return spark.createDataFrame(List.of(
                // two serious TE infections for one subject: 1 subject, 2 events
                RowFactory.create("T1", "T1-001", "Drug 10 mg", "Infections and infestations", "Pneumonia", "Y", "Y", d("2020-02-01")),
                RowFactory.create("T1", "T1-001", "Drug 10 mg", "INFECTIONS AND INFESTATIONS", "Cellulitis", "Y", "Y", d("2020-03-01")),
                // non-serious infection: not a serious infection, but an infection
                RowFactory.create("T1", "T1-002", "Drug 10 mg", "INFECTIONS AND INFESTATIONS", "Nasopharyngitis", "N", "Y", d("2020-02-01")),
                // serious but before treatment: not treatment-emergent
                RowFactory.create("T1", "T1-003", "Placebo", "INFECTIONS AND INFESTATIONS", "Pneumonia", "Y", "N", d("2019-12-01")),
                // serious, treatment-emergent, another SOC
                RowFactory.create("T1", "T1-004", "Placebo", "NERVOUS SYSTEM DISORDERS", "Headache", "Y", "Y", d("2020-01-05")),
                RowFactory.create("T1", "T1-005", null, "INFECTIONS AND INFESTATIONS", "Pneumonia", "Y", "Y", d("2020-01-05"))), ADAE);
    }

    static final StructType EXPECTED = new StructType().add("study_id", DataTypes.StringType).add("arm_id", DataTypes.StringType)
            .add("role", DataTypes.StringType).add("treatment", DataTypes.StringType).add("dose_mg", DataTypes.DoubleType)
            .add("outcome", DataTypes.StringType).add("n", DataTypes.LongType, false).add("events", DataTypes.LongType, false)
            .add("event_count", DataTypes.LongType, false).add("person_years", DataTypes.DoubleType)
            .add("origin", DataTypes.StringType, false);

    @Test
    void countsSafetySubjectsDistinctSubjectsWithEventsEventsAndPersonYears(SparkSession spark) {
        List<OutcomeDefinition> outcomes = List.of(OutcomeDefinition.seriousInfection(),
                new OutcomeDefinition("any_infection", true, false, List.of("infections and infestations"), List.of()),
                new OutcomeDefinition("pneumonia", false, false, List.of(), List.of("pneumonia")),
                // the same events as any_infection, counted as recurrent events: time is not censored
                new OutcomeDefinition("infection_episodes", true, false, List.of("infections and infestations"), List.of(),
                        false, false, List.of()));
        Dataset<Row> actual = SubjectAggregator.aggregate(spark, adsl(spark), adae(spark), TREATMENTS, outcomes, "adsl.parquet");

        // days on treatment count both ends: 2020-01-01..2020-07-01 is 183 days (leap year), ..07-02 is 184
        double drugYears = (183 + 184) / 365.25;
        // first-event outcomes stop T1-001's time at its first event, 2020-02-01: 32 days (01-01..02-01)
        double firstSeriousYears = (32 + 184) / 365.25;
        // any infection: both drug subjects have a first infection on 2020-02-01
        double firstAnyYears = (32 + 32) / 365.25;
        Dataset<Row> expected = spark.createDataFrame(List.of(
                RowFactory.create("T1", "Drug 10 mg", "experimental", "Drug 10 mg", 10.0, "serious_infection", 2L, 1L, 2L, firstSeriousYears, "adsl.parquet"),
                RowFactory.create("T1", "Drug 10 mg", "experimental", "Drug 10 mg", 10.0, "any_infection", 2L, 2L, 3L, firstAnyYears, "adsl.parquet"),
                RowFactory.create("T1", "Drug 10 mg", "experimental", "Drug 10 mg", 10.0, "pneumonia", 2L, 1L, 1L, firstSeriousYears, "adsl.parquet"),
                RowFactory.create("T1", "Drug 10 mg", "experimental", "Drug 10 mg", 10.0, "infection_episodes", 2L, 2L, 3L, drugYears, "adsl.parquet"),
                // one placebo subject has no end date: the arm's person-years are unknown, not understated
                RowFactory.create("T1", "Placebo", "control", "Placebo", null, "serious_infection", 2L, 0L, 0L, null, "adsl.parquet"),
                RowFactory.create("T1", "Placebo", "control", "Placebo", null, "any_infection", 2L, 0L, 0L, null, "adsl.parquet"),
                RowFactory.create("T1", "Placebo", "control", "Placebo", null, "infection_episodes", 2L, 0L, 0L, null, "adsl.parquet"),
                // the pre-treatment pneumonia does not count even when the outcome does not ask for treatment
                // emergence: it lies before the at-risk window (TRTSDT..TRTEDT), where no person-time is counted
                RowFactory.create("T1", "Placebo", "control", "Placebo", null, "pneumonia", 2L, 0L, 0L, null, "adsl.parquet")),
                EXPECTED);
        DataFrameAssert.assertSameRows(expected, actual, 1e-12);
    }

    @Test
    void anUndatedFirstEventLeavesTheArmsPersonTimeUnknown(SparkSession spark) {
        Dataset<Row> adsl = spark.createDataFrame(List.of(
                RowFactory.create("T1", "T1-001", "Drug 10 mg", "Y", d("2020-01-01"), d("2020-01-31")),
                RowFactory.create("T1", "T1-002", "Placebo", "Y", d("2020-01-01"), d("2020-01-31"))), ADSL);
        Dataset<Row> adae = spark.createDataFrame(List.<Row>of(
                RowFactory.create("T1", "T1-001", "Drug 10 mg", "Infections and infestations", "Pneumonia", "Y", "Y", null)), ADAE);
        List<Row> rows = SubjectAggregator.aggregate(spark, adsl, adae, TREATMENTS,
                List.of(OutcomeDefinition.seriousInfection()), "adsl.parquet").orderBy("arm_id").collectAsList();
        // the censoring date is unknown, so the drug arm's time at risk is too; placebo keeps its 31 days
        assertNull(rows.get(0).getAs("person_years"));
        assertEquals(31 / 365.25, rows.get(1).<Double>getAs("person_years"), 1e-12);
    }
}
