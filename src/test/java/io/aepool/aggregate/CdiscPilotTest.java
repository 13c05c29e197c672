package io.aepool.aggregate;

import io.aepool.ingest.AdamReader;
import io.aepool.ingest.StudiesReader;
import io.aepool.ingest.Validation;
import io.aepool.testing.DataFrameAssert;
import io.aepool.testing.Files2;
import io.aepool.testing.SharedSpark;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The real CDISC pilot ADaM pair (CDISCPILOT01, 254 subjects, 3 arms) reads as it is, and its arm counts
 * agree with the same counts written independently as one SQL query.
 */
@ExtendWith(SharedSpark.class)
class CdiscPilotTest {

    static final String ADSL = "src/test/resources/cdisc-pilot/adsl.parquet";
    static final String ADAE = "src/test/resources/cdisc-pilot/adae.parquet";
    static final List<TreatmentArm> TREATMENTS = List.of(
            new TreatmentArm("Xanomeline High Dose", "experimental", 81.0),
            new TreatmentArm("Xanomeline Low Dose", "experimental", 54.0),
            new TreatmentArm("Placebo", "control", null));

    @TempDir
    Path dir;

    @Test
    void anyTreatmentEmergentInfectionPerArmMatchesAnIndependentSqlCount(SparkSession spark) {
        String studiesFile = Files2.write(dir, "studies.csv",
                "study_id,acronym,condition,drug,year,design,control_type,weeks,source",
                "CDISCPILOT01,CDISC pilot,alzheimer disease,xanomeline,2013,rct,placebo,26,PHUSE test data");
        Validation validation = Validation.defaults();
        Dataset<Row> studies = StudiesReader.read(spark, studiesFile, validation);
        Dataset<Row> adsl = AdamReader.readSubjects(spark, ADSL, studies,
                Set.of("Xanomeline High Dose", "Xanomeline Low Dose", "Placebo"), validation);
        Dataset<Row> adae = AdamReader.readEvents(spark, ADAE, adsl, validation);
        OutcomeDefinition infection = new OutcomeDefinition("any_infection", true, false,
                List.of("Infections and infestations"), List.of());

        Dataset<Row> arms = SubjectAggregator.aggregate(spark, adsl, adae, TREATMENTS, List.of(infection), "pilot")
                .select("arm_id", "n", "events", "event_count");

        spark.read().parquet(ADSL).createOrReplaceTempView("pilot_adsl");
        spark.read().parquet(ADAE).createOrReplaceTempView("pilot_adae");
        Dataset<Row> expected = spark.sql("""
                SELECT s.TRT01A AS arm_id,
                       COUNT(DISTINCT s.USUBJID) AS n,
                       COUNT(DISTINCT e.USUBJID) AS events,
                       COUNT(e.USUBJID) AS event_count
                FROM pilot_adsl s
                LEFT JOIN pilot_adae e
                  ON e.USUBJID = s.USUBJID AND e.TRTEMFL = 'Y' AND lower(e.AEBODSYS) = 'infections and infestations'
                WHERE s.SAFFL = 'Y'
                GROUP BY s.TRT01A""");
        DataFrameAssert.assertSameRows(expected, arms, 0);
        assertEquals(254L, arms.groupBy().sum("n").first().getLong(0));
        // the real pilot passes every rule: every row read is used
        assertEquals(Map.of("read", 254L, "rejected", 0L, "used", 254L), validation.accounting().get(ADSL));
        assertEquals(Map.of("read", 1191L, "rejected", 0L, "used", 1191L), validation.accounting().get(ADAE));
    }
}
