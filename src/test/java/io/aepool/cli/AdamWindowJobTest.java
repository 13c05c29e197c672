package io.aepool.cli;

import io.aepool.aggregate.AtRiskWindow;
import io.aepool.aggregate.OutcomeDefinition;
import io.aepool.aggregate.SubjectAggregator;
import io.aepool.aggregate.TreatmentArm;
import io.aepool.testing.SharedSpark;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The conf's adam_window reaches the ADaM stage: a run on the CDISC pilot with a 30-day lag publishes the counts and
 * person-years of that window, and a randomised period the ADSL does not have stops the run naming the column.
 */
@ExtendWith(SharedSpark.class)
class AdamWindowJobTest {

    static final Path ADSL = Path.of("src/test/resources/cdisc-pilot/adsl.parquet").toAbsolutePath();
    static final Path ADAE = Path.of("src/test/resources/cdisc-pilot/adae.parquet").toAbsolutePath();
    static final List<TreatmentArm> TREATMENTS = List.of(
            new TreatmentArm("Xanomeline High Dose", "experimental", 81.0),
            new TreatmentArm("Xanomeline Low Dose", "experimental", 54.0),
            new TreatmentArm("Placebo", "control", null));

    @TempDir
    Path dir;

    private Path job(String window) throws IOException {
        Files.writeString(dir.resolve("studies.csv"), """
                study_id,acronym,condition,drug,year,design,control_type,weeks,source
                CDISCPILOT01,CDISC pilot,alzheimer disease,xanomeline,2013,rct,placebo,26,PHUSE test data
                """);
        Path conf = dir.resolve("job.yaml");
        Files.writeString(conf, """
                inputs:
                  studies: studies.csv
                  adam: [{adsl: %s, adae: %s}]
                treatments:
                  - {treatment: "Xanomeline High Dose", role: experimental, dose_mg: 81}
                  - {treatment: "Xanomeline Low Dose", role: experimental, dose_mg: 54}
                  - {treatment: "Placebo", role: control}
                outcomes:
                  - {name: cardiac, serious: false, socs: [Cardiac disorders], first_event: false}
                %s
                analysis:
                  measures: [RR]
                  methods: [MH]
                """.formatted(ADSL, ADAE, window));
        return conf;
    }

    @Test
    void aLaggedTreatmentWindowInTheConfIsTheWindowThePublishedCountsUse(SparkSession spark) throws IOException {
        Path out = dir.resolve("out");
        assertEquals(Main.DONE, Main.run("--conf", job("adam_window: {period: treatment, lag_days: 30}").toString(),
                "--out", out.toString()));
        CSVRecord row;
        try (Reader r = Files.newBufferedReader(out.resolve("study_counts.csv"))) {
            row = CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).build().parse(r).getRecords().stream()
                    .filter(c -> c.get("dose_arms").equals("combined")).findFirst().orElseThrow();
        }
        OutcomeDefinition cardiac = new OutcomeDefinition("cardiac", true, false, List.of("Cardiac disorders"), List.of(),
                false, false, List.of());
        double[] exp = new double[2];
        double[] ctl = new double[2];
        for (Row a : SubjectAggregator.aggregate(spark, spark.read().parquet(ADSL.toString()),
                spark.read().parquet(ADAE.toString()), TREATMENTS, List.of(cardiac), AtRiskWindow.treatment(30), "x")
                .collectAsList()) {
            double[] side = a.<String>getAs("role").equals("experimental") ? exp : ctl;
            side[0] += a.<Long>getAs("event_count");
            side[1] += a.<Double>getAs("person_years");
        }
        assertEquals(exp[0], Double.parseDouble(row.get("event_count_exp")));
        assertEquals(ctl[0], Double.parseDouble(row.get("event_count_ctl")));
        assertEquals(exp[1], Double.parseDouble(row.get("person_years_exp")), 1e-6);
        assertEquals(ctl[1], Double.parseDouble(row.get("person_years_ctl")), 1e-6);
        // 254 subjects × 30 lag days more than time on treatment (the pilot gives no death or end-of-study date)
        double onTreatment = spark.read().parquet(ADSL.toString()).selectExpr("sum(datediff(TRTEDT, TRTSDT) + 1)").first().getLong(0);
        assertEquals((onTreatment + 254 * 30) / 365.25, exp[1] + ctl[1], 1e-9);
    }

    @Test
    void aRandomisedPeriodTheAdslDoesNotHaveStopsTheRunNamingTheColumn() throws IOException {
        PrintStream old = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = Main.run("--conf", job("adam_window: {period: randomised, period_number: 1}").toString(),
                    "--out", dir.resolve("out").toString());
        } finally {
            System.setErr(old);
        }
        String message = err.toString(StandardCharsets.UTF_8);
        assertEquals(Main.BAD_INPUT, code, message);
        assertTrue(message.contains("TR01SDT") && message.contains("period 1"), message);
        assertFalse(Files.exists(dir.resolve("out")), "nothing published");
    }
}
