package io.aepool.ingest;

import io.aepool.testing.Files2;
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
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ADaM subject and event rows that break a rule are quarantined by rule (subject identifiers withheld from
 * the ledger), the events of a quarantined subject follow it, and every row is accounted for.
 */
@ExtendWith(SharedSpark.class)
class AdamReaderTest {

    static final StructType ADSL = AdamSchemas.ADSL;
    static final StructType ADAE = AdamSchemas.ADAE;

    @TempDir
    Path dir;

    private static Date d(String iso) {
        return Date.valueOf(iso);
    }

    @Test
    void brokenSubjectAndEventRowsAreQuarantinedByRuleWithoutSubjectIdentifiers(SparkSession spark) {
        String studiesFile = Files2.write(dir, "studies.csv", "study_id,acronym,condition,drug,year,design,control_type,weeks,source",
                "T1,T1,psoriasis,drug,2020,rct,placebo,12,test");
        String adslFile = dir.resolve("adsl.parquet").toString();
        String adaeFile = dir.resolve("adae.parquet").toString();
        spark.createDataFrame(List.of(
                RowFactory.create("T1", "T1-001", "Drug", "Y", d("2020-01-01"), d("2020-03-01")),
                RowFactory.create("T1", "T1-002", "Placebo", "Y", d("2020-01-01"), d("2020-03-01")),
                RowFactory.create("T1", "T1-003", "Mystery pill", "Y", d("2020-01-01"), d("2020-03-01")),  // no arm mapping
                RowFactory.create("T1", "T1-004", "Drug", "Y", d("2020-03-01"), d("2020-01-01")),          // ends before it starts
                RowFactory.create("T1", "T1-005", "Drug", "Y", d("2020-01-01"), d("2020-03-01")),
                RowFactory.create("T1", "T1-005", "Drug", "Y", d("2020-01-01"), d("2020-03-01")),          // duplicate subject
                RowFactory.create("T9", "T9-001", "Drug", "Y", d("2020-01-01"), d("2020-03-01"))),         // unknown study
                ADSL).write().parquet(adslFile);
        spark.createDataFrame(List.of(
                RowFactory.create("T1", "T1-001", "Drug", "INFECTIONS", "Pneumonia", "Y", "Y", d("2020-02-01")),
                RowFactory.create("T1", "T1-003", "Drug", "INFECTIONS", "Pneumonia", "Y", "Y", d("2020-02-01")), // quarantined subject
                RowFactory.create("T1", "T1-777", "Drug", "INFECTIONS", "Pneumonia", "Y", "Y", d("2020-02-01")), // unknown subject
                RowFactory.create("T1", "T1-002", "Placebo", "INFECTIONS", "Cellulitis", "maybe", "Y", d("2020-02-01"))),
                ADAE).write().parquet(adaeFile);

        Validation v = Validation.defaults();
        Dataset<Row> studies = StudiesReader.read(spark, studiesFile, v);
        Dataset<Row> adsl = AdamReader.readSubjects(spark, adslFile, studies, Set.of("Drug", "Placebo"), v);
        Dataset<Row> adae = AdamReader.readEvents(spark, adaeFile, adsl, v);

        assertEquals(Set.of("T1-001", "T1-002"), adsl.select("USUBJID").collectAsList().stream()
                .map(r -> r.getString(0)).collect(Collectors.toSet()));
        assertEquals(1, adae.count());
        Map<String, Long> byRule = v.rejectedByRule();
        assertEquals(1L, byRule.get("trt01a.listed_in_conf"));
        assertEquals(1L, byRule.get("trtedt.not_before_trtsdt"));
        assertEquals(2L, byRule.get("usubjid.unique"));
        assertEquals(1L, byRule.get("studyid.in_studies_table"));
        assertEquals(2L, byRule.get("usubjid.in_subject_table"));
        assertEquals(1L, byRule.get("aeser.y_or_n"));
        assertEquals(Map.of("read", 7L, "rejected", 5L, "used", 2L), v.accounting().get(adslFile));
        assertEquals(Map.of("read", 4L, "rejected", 3L, "used", 1L), v.accounting().get(adaeFile));

        List<Row> ledger = v.rejects(spark).collectAsList();
        for (Row r : ledger) {
            String text = r.toString();
            assertFalse(text.matches(".*T[19]-\\d{3}.*"), "a subject identifier in the rejects ledger: " + text);
        }
        assertTrue(ledger.stream().anyMatch(r -> "(withheld: subject identifier)".equals(r.getString(r.fieldIndex("value")))));
    }

    @Test
    void withRowLevelRulesFatalAnUnknownTreatmentStopsTheRunNamingOnlyTheStudy(SparkSession spark) {
        String studiesFile = Files2.write(dir, "studies.csv", "study_id,acronym,condition,drug,year,design,control_type,weeks,source",
                "T1,T1,psoriasis,drug,2020,rct,placebo,12,test");
        String adslFile = dir.resolve("adsl2.parquet").toString();
        spark.createDataFrame(List.of(RowFactory.create("T1", "T1-003", "Mystery pill", "Y", d("2020-01-01"), d("2020-03-01"))),
                ADSL).write().parquet(adslFile);
        Validation strict = Validation.failFast();
        Dataset<Row> studies = StudiesReader.read(spark, studiesFile, strict);
        InputException e = assertThrows(InputException.class,
                () -> AdamReader.readSubjects(spark, adslFile, studies, Set.of("Drug", "Placebo"), strict));
        assertEquals("TRT01A", e.column());
        assertEquals("row key STUDYID=T1", e.key());
        assertFalse(e.getMessage().contains("T1-003"), e.getMessage());
    }
}
