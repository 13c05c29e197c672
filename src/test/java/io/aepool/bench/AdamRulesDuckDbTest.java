package io.aepool.bench;

import io.aepool.aggregate.OutcomeDefinition;
import io.aepool.aggregate.SubjectAggregator;
import io.aepool.aggregate.TreatmentArm;
import io.aepool.ingest.AdamReader;
import io.aepool.ingest.StudiesReader;
import io.aepool.ingest.Validation;
import io.aepool.testing.SharedSpark;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code duckdb-rules} does the job's work: on ScaledAdam's data with its bad rows (one or two of each kind), every
 * ADSL/ADAE rule, the quarantine by study and the aggregation in DuckDB give the job's arm table and the job's rejected
 * rows per rule and per file ({@code AdamReader.read} with {@code Validation.defaults()}, then
 * {@code SubjectAggregator.aggregate}).
 */
@ExtendWith(SharedSpark.class)
class AdamRulesDuckDbTest {

    @TempDir
    Path dir;

    @Test
    void duckDbRulesGiveTheJobsArmTableAndRejectsPerRule(SparkSession spark) throws Exception {
        ScaledAdam.write(spark, dir, 3_000, 12, 11L);
        String adsl = dir.resolve("adsl.parquet").toString();
        String adae = dir.resolve("adae.parquet").toString();
        String studiesCsv = dir.resolve("studies.csv").toString();
        List<TreatmentArm> treatments = AggregationBench.treatments();
        Set<String> known = treatments.stream().map(TreatmentArm::treatment).collect(Collectors.toSet());

        Validation v = Validation.defaults();
        Dataset<Row> studies = StudiesReader.readAll(spark, List.of(studiesCsv), v);
        AdamReader.Tables t = AdamReader.read(spark, adsl, adae, studies, known, v, OptionalInt.empty(), false);
        Map<String, Object[]> jobArms = AggregationBench.armTable(SubjectAggregator.aggregate(spark, t.subjects(),
                t.events(), treatments, List.of(OutcomeDefinition.seriousInfection()), adsl).collectAsList());

        AdamRulesDuckDb.Result duck;
        Class.forName("org.duckdb.DuckDBDriver");
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement st = c.createStatement()) {
            st.execute("SET threads = 2");
            duck = AdamRulesDuckDb.run(st, "read_parquet('" + adsl + "/*.parquet')", "read_parquet('" + adae + "/*.parquet')",
                    studiesCsv, treatments);
        }

        String same = AggregationBench.compare(jobArms, duck.arms());
        assertTrue(same.startsWith("yes"), same);
        // the padded subject's study (12 - 7) is in, read trimmed; the other studies of the bad rows (the last 10) are out
        assertTrue(jobArms.containsKey("BENCH-0005|Placebo"), jobArms.keySet().toString());
        for (int s : new int[]{2, 3, 4, 6, 7, 8, 9, 10, 11}) {
            String study = String.format("BENCH-%04d|", s);
            assertTrue(jobArms.keySet().stream().noneMatch(k -> k.startsWith(study)), study + " should be quarantined");
        }
        assertEquals(new TreeMap<>(v.rejectedByRule()), duck.rejectedByRule());
        assertEquals(Set.of("saffl.y_or_n", "studyid.in_studies_table", "trtedt.not_before_trtsdt", "trt01a.listed_in_conf",
                "trt01a.given_for_safety_subject", "usubjid.must_not_be_empty", "studyid.must_not_be_empty", "usubjid.unique",
                "aeser.y_or_n", "trtemfl.y_n_or_empty", "usubjid.in_subject_table", "study_incomplete"),
                duck.rejectedByRule().keySet());
        assertEquals(2L, duck.rejectedByRule().get("usubjid.unique"));
        assertEquals(2L, duck.rejectedByRule().get("studyid.must_not_be_empty"));
        for (String[] f : new String[][]{{"adsl", adsl}, {"adae", adae}}) {
            assertArrayEquals(new long[]{v.accounting().get(f[1]).get("read"), v.accounting().get(f[1]).get("rejected")},
                    duck.files().get(f[0]), f[0]);
        }
    }

}
