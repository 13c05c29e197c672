package io.aepool.ingest;

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
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * With a randomised period chosen (conf adam_window), ADSL's period columns are read and checked: a period that ends
 * before it starts, and a subject in the period whose period treatment is missing or not in the conf, are quarantined
 * by rule; a subject outside the period is read as it is (it is simply not at risk there).
 */
@ExtendWith(SharedSpark.class)
class AdamReaderPeriodTest {

    static final StructType ADSL = new StructType().add("STUDYID", DataTypes.StringType)
            .add("USUBJID", DataTypes.StringType).add("TRT01A", DataTypes.StringType).add("SAFFL", DataTypes.StringType)
            .add("TRTSDT", DataTypes.DateType).add("TRTEDT", DataTypes.DateType)
            .add("TR02SDT", DataTypes.DateType).add("TR02EDT", DataTypes.DateType).add("TRT02A", DataTypes.StringType);

    @TempDir
    Path dir;

    private static Date d(String iso) {
        return iso == null ? null : Date.valueOf(iso);
    }

    private static Row subject(String id, String start2, String end2, String trt02a) {
        return RowFactory.create("T1", id, "Placebo", "Y", d("2020-01-01"), d("2020-06-30"), d(start2), d(end2), trt02a);
    }

    @Test
    void periodRowsThatBreakARuleAreQuarantinedByRule(SparkSession spark) {
        String studies = Files2.studies(dir, "T1");
        String adslFile = dir.resolve("adsl.parquet").toString();
        spark.createDataFrame(List.of(
                subject("T1-001", "2020-04-01", "2020-06-30", "Drug"),
                subject("T1-002", null, null, null),                         // not in period 2: kept, not at risk there
                subject("T1-003", "2020-04-01", "2020-03-01", "Drug"),       // period ends before it starts
                subject("T1-004", "2020-04-01", "2020-06-30", null),         // in period 2 without its treatment
                subject("T1-005", "2020-04-01", "2020-06-30", "Mystery")),   // period treatment not in the conf
                ADSL).write().parquet(adslFile);
        Validation v = Validation.defaults();
        Dataset<Row> adsl = AdamReader.readSubjects(spark, adslFile, StudiesReader.read(spark, studies, v),
                Set.of("Drug", "Placebo"), v, OptionalInt.of(2), true);

        assertEquals(Set.of("T1-001", "T1-002"), adsl.select("USUBJID").collectAsList().stream()
                .map(r -> r.getString(0)).collect(Collectors.toSet()));
        assertTrue(List.of(adsl.columns()).containsAll(List.of("TR02SDT", "TR02EDT", "TRT02A", "TR03SDT", "DTHDT", "EOSDT")));
        Map<String, Long> byRule = v.rejectedByRule();
        assertEquals(1L, byRule.get("trxxedt.not_before_trxxsdt"));
        assertEquals(1L, byRule.get("trtxxa.given_for_safety_subject"));
        assertEquals(1L, byRule.get("trtxxa.listed_in_conf"));
    }
}
