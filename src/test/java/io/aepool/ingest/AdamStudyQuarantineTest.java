package io.aepool.ingest;

import io.aepool.aggregate.OutcomeDefinition;
import io.aepool.aggregate.SubjectAggregator;
import io.aepool.aggregate.TreatmentArm;
import io.aepool.testing.AdamSchemas;
import io.aepool.testing.Files2;
import io.aepool.testing.SharedSpark;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Date;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * ADaM: a rejected subject (ADSL) or event (ADAE) row would change an arm's n, person-time or events, so it
 * quarantines its study's whole ADaM contribution: every subject and event row of the study goes to the rejects as
 * {@code study_incomplete}, pointing at the rejected row (docs/validation.md). A study is never pooled with a subject
 * or an event of an at-risk subject silently missing.
 */
@ExtendWith(SharedSpark.class)
class AdamStudyQuarantineTest {

    @TempDir
    Path dir;

    private static Date d(String iso) {
        return Date.valueOf(iso);
    }

    private static Row subject(String study, String id, String treatment, String saffl) {
        return RowFactory.create(study, id, treatment, saffl, d("2020-01-01"), d("2020-06-30"));
    }

    private static Row seriousInfection(String study, String id, String treatment, String aeser) {
        return RowFactory.create(study, id, treatment, "Infections and infestations", "Pneumonia", aeser, "Y",
                d("2020-02-01"));
    }

    @Test
    void aRejectedSubjectOrEventOfAnAtRiskSubjectTakesItsStudysWholeAdamContributionOut(SparkSession spark) {
        String studiesFile = Files2.studies(dir, "T1", "T2", "T3");
        String adslFile = dir.resolve("adsl.parquet").toString();
        String adaeFile = dir.resolve("adae.parquet").toString();
        spark.createDataFrame(List.of(
                subject("T1", "T1-001", "Drug", "Y"),
                subject("T1", "T1-002", "Placebo", "Y"),
                subject("T1", "T1-003", "Drug", "maybe"),      // at risk or not? T1's n is unknown
                subject("T2", "T2-001", "Drug", "Y"),
                subject("T2", "T2-002", "Placebo", "Y"),
                subject("T3", "T3-001", "Drug", "Y"),
                subject("T3", "T3-002", "Placebo", "Y")), AdamSchemas.ADSL).write().parquet(adslFile);
        spark.createDataFrame(List.of(
                seriousInfection("T1", "T1-001", "Drug", "Y"),
                seriousInfection("T2", "T2-001", "Drug", "Y"),
                seriousInfection("T2", "T2-002", "Placebo", "maybe"), // serious or not? T2's control events are unknown
                seriousInfection("T3", "T3-001", "Drug", "Y")), AdamSchemas.ADAE).write().parquet(adaeFile);

        Validation v = Validation.defaults();
        Dataset<Row> studies = StudiesReader.read(spark, studiesFile, v);
        AdamReader.Tables adam = AdamReader.read(spark, adslFile, adaeFile, studies, Set.of("Drug", "Placebo"), v,
                OptionalInt.empty(), false);

        assertEquals(List.of("T3-001", "T3-002"), adam.subjects().select("USUBJID").orderBy("USUBJID")
                .collectAsList().stream().map(r -> r.getString(0)).toList());
        assertEquals(List.of("T3-001"), adam.events().select("USUBJID").collectAsList().stream()
                .map(r -> r.getString(0)).toList());
        // only T3 reaches the arm table: T2 is not pooled with its control arm's event silently dropped
        Dataset<Row> arms = SubjectAggregator.aggregate(spark, adam.subjects(), adam.events(),
                List.of(new TreatmentArm("Drug", "experimental", null), new TreatmentArm("Placebo", "control", null)),
                List.of(new OutcomeDefinition("serious_infection", true, true, List.of("Infections and infestations"), List.of())), adslFile);
        assertEquals(List.of("T3"), arms.select("study_id").distinct().collectAsList().stream()
                .map(r -> r.getString(0)).toList());

        assertEquals(new TreeMap<>(Map.of("saffl.y_or_n", 1L, "aeser.y_or_n", 1L, "study_incomplete", 6L)),
                new TreeMap<>(v.rejectedByRule()));
        List<String> ledger = v.rejects(spark).filter("rule = 'study_incomplete'").collectAsList().stream()
                .map(r -> r.getString(r.fieldIndex("file")).substring(dir.toString().length() + 1) + " "
                        + r.getString(r.fieldIndex("row_key")) + " -> " + r.getString(r.fieldIndex("value")))
                .sorted().toList();
        assertEquals(List.of(
                "adae.parquet STUDYID=T1 -> saffl.y_or_n at STUDYID=T1",
                "adae.parquet STUDYID=T2 -> aeser.y_or_n at STUDYID=T2",
                "adsl.parquet STUDYID=T1 -> saffl.y_or_n at STUDYID=T1",
                "adsl.parquet STUDYID=T1 -> saffl.y_or_n at STUDYID=T1",
                "adsl.parquet STUDYID=T2 -> aeser.y_or_n at STUDYID=T2",
                "adsl.parquet STUDYID=T2 -> aeser.y_or_n at STUDYID=T2"), ledger);
        assertEquals(Map.of("read", 7L, "rejected", 5L, "used", 2L), v.accounting().get(adslFile));
        assertEquals(Map.of("read", 4L, "rejected", 3L, "used", 1L), v.accounting().get(adaeFile));
        for (Row r : v.rejects(spark).collectAsList()) {
            assertFalse(r.toString().matches(".*T\\d-\\d{3}.*"), "a subject identifier in the rejects ledger: " + r);
        }
    }
}
