package io.aepool.cli;

import io.aepool.testing.SharedSpark;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.WriterAppender;
import org.apache.logging.log4j.core.config.AppenderRef;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.layout.PatternLayout;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * No subject-level value leaves the job: a run on the real CDISC pilot ADaM pair (254 subjects) writes no
 * USUBJID, and a run on the sample registry extracts no patient_id, into any output file (CSV, JSON, HTML, SVG,
 * the strings of every Parquet table) nor any log line, and the results directory is readable by its owner only.
 */
@ExtendWith(SharedSpark.class)
class PrivacyTest {

    @TempDir
    Path dir;

    @Test
    void noSubjectIdentifierInAnyOutputOrLogLine(SparkSession spark) throws IOException {
        Path adsl = Path.of("src/test/resources/cdisc-pilot/adsl.parquet").toAbsolutePath();
        Path adae = Path.of("src/test/resources/cdisc-pilot/adae.parquet").toAbsolutePath();
        Files.writeString(dir.resolve("studies.csv"), """
                study_id,acronym,condition,drug,year,design,control_type,weeks,source
                CDISCPILOT01,CDISC pilot,alzheimer disease,xanomeline,2013,rct,placebo,26,PHUSE test data
                """);
        Files.writeString(dir.resolve("job.yaml"), """
                inputs:
                  studies: studies.csv
                  adam: [{adsl: %s, adae: %s}]
                treatments:
                  - {treatment: "Xanomeline High Dose", role: experimental, dose_mg: 81}
                  - {treatment: "Xanomeline Low Dose", role: experimental, dose_mg: 54}
                  - {treatment: "Placebo", role: control}
                outcomes:
                  - {name: any_infection, serious: false, socs: [Infections and infestations]}
                analysis:
                  measures: [RR, RD]
                  methods: [MH, DL]
                """.formatted(adsl, adae));
        Set<String> subjects = new HashSet<>();
        for (Row r : spark.read().parquet(adsl.toString()).select("USUBJID").collectAsList()) {
            subjects.add(r.getString(0));
        }
        assertEquals(254, subjects.size());

        StringWriter log = new StringWriter();
        Path out = dir.resolve("out");
        int code = withCapturedLog(log, () -> Main.run("--conf", dir.resolve("job.yaml").toString(), "--out", out.toString()));
        assertEquals(Main.DONE, code, log.toString());
        assertTrue(log.toString().contains("JobRunner"), "the captured log holds the run's own lines");
        // and Spark's INFO lines, though the console stays at WARN (withCapturedLog)
        assertTrue(log.toString().contains("INFO org.apache.spark."), "the captured log holds Spark's INFO lines");

        assertNoLeak(spark, out, subjects, log.toString());
    }

    @Test
    void noRegistryPatientIdentifierInAnyOutputOrLogLine(SparkSession spark) throws IOException {
        Path extract = Path.of("sample-data/registry").toAbsolutePath();
        Files.writeString(dir.resolve("job.yaml"), """
                inputs:
                  studies: %s
                  registries: [{extract: %s}]
                registry:
                  exposure_groups:
                    - {group: jak, role: experimental, drug_classes: [JAK inhibitor]}
                    - {group: biologic, role: comparator, drug_classes: [biologic]}
                  strata: [condition, age_band, sex]
                  attribution: censor_at_switch
                  new_user: {washout_period: 365, prior_outcome_lookback: 365}
                outcomes:
                  - {name: serious_infection, socs: [Infections and infestations]}
                analysis:
                  measures: [IRR]
                  methods: [MH]
                  leave_one_out: false
                """.formatted(extract.resolve("studies.csv"), extract));
        Set<String> patients = new HashSet<>();
        for (String table : List.of("exposures", "events", "patients")) {
            for (Row r : spark.read().parquet(extract.resolve(table).toString()).select("patient_id").distinct().collectAsList()) {
                patients.add(r.getString(0));
            }
        }
        assertTrue(patients.size() > 4000, "the sample registries follow thousands of patients");

        StringWriter log = new StringWriter();
        Path out = dir.resolve("out");
        int code = withCapturedLog(log, () -> Main.run("--conf", dir.resolve("job.yaml").toString(), "--out", out.toString(),
                "--as-of", "2026-11-24"));
        assertEquals(Main.DONE, code, log.toString());
        assertTrue(Files.exists(out.resolve("registry_incidence.csv")));
        // the design's attrition table is published (suppressed CSV) and shown in the report
        List<String> attrition = Files.readAllLines(out.resolve("registry_attrition.csv"));
        assertEquals("registry_id,exposure_group,outcome,step_order,step,patients,person_years", attrition.get(0));
        assertTrue(attrition.stream().anyMatch(l -> l.contains(",new_user_after_washout,")), attrition.toString());
        try (Stream<Path> html = Files.walk(out)) {
            assertTrue(html.filter(f -> f.toString().endsWith(".html")).anyMatch(f -> {
                try {
                    return Files.readString(f).contains("registry-attrition-table");
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }), "the report shows the attrition table");
        }
        assertNoLeak(spark, out, patients, log.toString());
    }

    /** No identifier in any output file (text, or any string of any Parquet table), nor in the log. */
    private static void assertNoLeak(SparkSession spark, Path out, Set<String> subjects, String log) throws IOException {
        List<String> leaks = new ArrayList<>();
        try (Stream<Path> files = Files.walk(out)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                String name = f.getFileName().toString();
                if (name.endsWith(".parquet")) {
                    continue; // read through Spark below: its pages are compressed
                }
                String text = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
                subjects.stream().filter(text::contains).findFirst().ifPresent(s -> leaks.add(out.relativize(f) + " holds " + s));
            }
        }
        try (Stream<Path> dirs = Files.list(out)) {
            for (Path d : dirs.filter(Files::isDirectory).filter(d -> !d.getFileName().toString().equals("report")).toList()) {
                Dataset<Row> table = spark.read().parquet(d.toString());
                for (StructField f : table.schema().fields()) {
                    if (f.dataType().equals(DataTypes.StringType)) {
                        for (Row r : table.select(f.name()).distinct().collectAsList()) {
                            if (r.getString(0) != null && subjects.stream().anyMatch(r.getString(0)::contains)) {
                                leaks.add(d.getFileName() + "." + f.name() + " holds a subject id");
                            }
                        }
                    }
                }
            }
        }
        subjects.stream().filter(log::contains).findFirst().ifPresent(s -> leaks.add("log line holds " + s));
        if (!leaks.isEmpty()) {
            fail("subject-level identifiers leaked: " + leaks);
        }
        assertEquals(PosixFilePermissions.fromString("rwx------"), Files.getPosixFilePermissions(out));
    }

    /**
     * Runs with every log event (Spark's included, at INFO) copied into {@code sink}. The root logger's own appenders
     * (the console) keep the level they had: lowering the root level alone sent ~4,700 Spark INFO lines to the
     * Maven console.
     */
    private static int withCapturedLog(StringWriter sink, java.util.function.IntSupplier run) {
        LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
        Configuration config = ctx.getConfiguration();
        WriterAppender appender = WriterAppender.newBuilder().setName("privacy-capture").setTarget(sink)
                .setLayout(PatternLayout.newBuilder().withPattern("%p %c: %m%n%throwable").build()).build();
        appender.start();
        LoggerConfig root = config.getRootLogger();
        Level before = root.getLevel();
        Map<String, Appender> console = new LinkedHashMap<>(root.getAppenders());
        console.forEach((name, a) -> {
            root.removeAppender(name);
            root.addAppender(a, before, null);
        });
        root.addAppender(appender, Level.INFO, null);
        root.setLevel(Level.INFO);
        // loggers with their own quiet level (io.aepool, Parquet, Hadoop) are opened for the capture too
        Map<LoggerConfig, Level> quiet = new LinkedHashMap<>();
        config.getLoggers().values().stream().filter(l -> l != root).forEach(l -> quiet.put(l, l.getLevel()));
        quiet.keySet().forEach(l -> l.setLevel(Level.INFO));
        ctx.updateLoggers();
        try {
            return run.getAsInt();
        } finally {
            root.removeAppender("privacy-capture");
            root.setLevel(before);
            quiet.forEach(LoggerConfig::setLevel);
            // the appenders as configured: their references' own level and filter (none in log4j2-test.properties)
            for (AppenderRef ref : root.getAppenderRefs()) {
                Appender a = console.get(ref.getRef());
                if (a != null) {
                    root.removeAppender(ref.getRef());
                    root.addAppender(a, ref.getLevel(), ref.getFilter());
                }
            }
            ctx.updateLoggers();
            appender.stop();
        }
    }
}
