package io.aepool.cli;

import io.aepool.testing.Files2;
import io.aepool.testing.SharedSpark;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Rate data as users have it (issue 16): events and person-years per arm without arm sizes (metafor's x1i, t1i, x2i,
 * t2i), and a study table without years. The job runs end to end: rate measures are estimable, binary measures say
 * why not, and cumulative analyses add the studies in the study table's order and say so. The four trials are
 * synthetic (a small warfarin-versus-placebo-like stroke data set), listed out of id order on purpose.
 */
@ExtendWith(SharedSpark.class)
class RateDataTest {

    @TempDir
    Path dir;

    @Test
    void aRateOnlyArmTableAndAStudyTableWithoutYearsRunEndToEnd(SparkSession spark) throws IOException {
        // no year column at all; the study table's row order (W3, W1, W4, W2) is the cumulative order
        Files2.write(dir, "studies.csv", "study_id,acronym,condition,drug,design,control_type",
                "W3,Third,atrial fibrillation,warfarin,rct,placebo",
                "W1,First,atrial fibrillation,warfarin,rct,placebo",
                "W4,Fourth,atrial fibrillation,warfarin,rct,placebo",
                "W2,Second,atrial fibrillation,warfarin,rct,placebo");
        // n empty: events and person-years only
        Files2.write(dir, "rates.csv", "study_id,arm_id,role,treatment,dose_mg,outcome,n,events,person_years",
                "W1,WAR,experimental,warfarin,,stroke,,9,413",
                "W1,PBO,control,placebo,,stroke,,19,398",
                "W2,WAR,experimental,warfarin,,stroke,,8,263",
                "W2,PBO,control,placebo,,stroke,,19,245",
                "W3,WAR,experimental,warfarin,,stroke,,3,487",
                "W3,PBO,control,placebo,,stroke,,13,435",
                "W4,WAR,experimental,warfarin,,stroke,,6,237",
                "W4,PBO,control,placebo,,stroke,,9,241");
        Files2.write(dir, "job.yaml", "inputs:", "  studies: studies.csv", "  arm_counts: [rates.csv]",
                "analysis:", "  measures: [IRR, RR]", "  methods: [MH, DL]", "  cumulative: true",
                "  subgroups: []", "  meta_regression: []",
                "primary: {pool: all, outcome: stroke, measure: IRR, method: MH, ci_method: wald-z}");
        Path out = dir.resolve("out");
        assertEquals(Main.DONE, Main.run("--conf", dir.resolve("job.yaml").toString(), "--out", out.toString()));
        List<CSVRecord> analyses = read(out.resolve("analyses.csv"));

        List<CSVRecord> irr = analyses.stream().filter(r -> r.get("measure").equals("IRR")).toList();
        List<CSVRecord> rr = analyses.stream().filter(r -> r.get("measure").equals("RR")).toList();
        assertFalse(irr.isEmpty());
        assertFalse(rr.isEmpty());
        for (CSVRecord r : irr) {
            // (a Hartung-Knapp interval of the first cumulative step, one study, is not estimable for its own reason)
            if (!r.get("ci_method").startsWith("hksj") || !r.get("studies").equals("1")) {
                assertEquals("ok", r.get("status"), r.get("analysis_id"));
                assertFalse(r.get("estimate").isEmpty(), r.get("analysis_id"));
            }
            assertEquals("", r.get("n_exp"), "no arm sizes to total: " + r.get("analysis_id"));
            assertEquals("", r.get("n_ctl"), r.get("analysis_id"));
            assertFalse(r.get("person_years_exp").isEmpty(), r.get("analysis_id"));
        }
        CSVRecord mhAll = irr.stream().filter(r -> r.get("method").equals("MH") && r.get("subset").equals("all"))
                .findFirst().orElseThrow();
        assertEquals("4", mhAll.get("k"));
        assertEquals(26, Long.parseLong(mhAll.get("events_exp")));
        assertEquals(1400.0, Double.parseDouble(mhAll.get("person_years_exp")), 1e-9);
        // MH rate ratio (Greenland & Robins 1985): sum(x1 t2 / T) / sum(x2 t1 / T)
        double[][] w = {{9, 413, 19, 398}, {8, 263, 19, 245}, {3, 487, 13, 435}, {6, 237, 9, 241}};
        double num = 0;
        double den = 0;
        for (double[] s : w) {
            num += s[0] * s[3] / (s[1] + s[3]);
            den += s[2] * s[1] / (s[1] + s[3]);
        }
        assertEquals(num / den, Double.parseDouble(mhAll.get("estimate")), 1e-9 * num / den);

        for (CSVRecord r : rr) {
            assertTrue(r.get("status").matches("not estimable: no participant counts \\(stud(y|ies) W.*\\)"), r.get("status"));
            assertEquals("", r.get("estimate"), r.get("analysis_id"));
        }
        CSVRecord rrFirst = rr.stream().filter(r -> r.get("subset").equals("cum:W3")).findFirst().orElseThrow();
        assertEquals("not estimable: no participant counts (study W3)", rrFirst.get("status"));
        CSVRecord rrAll = rr.stream().filter(r -> r.get("subset").equals("all")).findFirst().orElseThrow();
        assertEquals("4", rrAll.get("studies"));
        assertTrue(rrAll.get("status").startsWith("not estimable: no participant counts (studies "), rrAll.get("status"));

        // cumulative: the study table's order, each row saying so
        List<CSVRecord> cum = irr.stream().filter(r -> r.get("method").equals("MH") && r.get("subset_kind").equals("cum"))
                .sorted(Comparator.comparingInt(r -> Integer.parseInt(r.get("studies")))).toList();
        assertEquals(List.of("cum:W3", "cum:W1", "cum:W4", "cum:W2"), cum.stream().map(r -> r.get("subset")).toList());
        cum.forEach(r -> assertEquals("input order (no year)", r.get("cumulative_order"), r.get("subset")));
        assertEquals(Double.parseDouble(mhAll.get("estimate")), Double.parseDouble(cum.get(3).get("estimate")),
                1e-12, "the last step is all studies (summed in another order)");
        assertTrue(analyses.stream().filter(r -> !r.get("subset_kind").equals("cum"))
                .allMatch(r -> r.get("cumulative_order").isEmpty()), "only cumulative rows say how studies were added");

        // the study table's order is published with the counts; no study lost its rows
        List<CSVRecord> counts = read(out.resolve("study_counts.csv"));
        assertEquals(4, counts.size());
        for (CSVRecord c : counts) {
            assertEquals("", c.get("n_exp"));
            assertEquals(List.of("W3", "W1", "W4", "W2").indexOf(c.get("comparison_id")) + 1,
                    Integer.parseInt(c.get("study_row")), c.get("comparison_id"));
        }
        assertTrue(Files.readString(out.resolve("rejects.csv")).strip().lines().count() <= 1, "nothing rejected");
    }

    @Test
    void aRunWhosePrimaryIsABinaryMeasureCompletesAndSaysWhyItIsNotEstimable(SparkSession spark) throws IOException {
        Files2.write(dir, "studies.csv", "study_id,acronym,condition,drug,design,control_type",
                "W1,First,atrial fibrillation,warfarin,rct,placebo",
                "W2,Second,atrial fibrillation,warfarin,rct,placebo");
        Files2.write(dir, "rates.csv", "study_id,arm_id,role,treatment,dose_mg,outcome,n,events,person_years",
                "W1,WAR,experimental,warfarin,,stroke,,9,413",
                "W1,PBO,control,placebo,,stroke,,19,398",
                "W2,WAR,experimental,warfarin,,stroke,,8,263",
                "W2,PBO,control,placebo,,stroke,,19,245");
        // the default measures (RR, OR, RD) and primary: nothing to estimate, and the run says why
        Files2.write(dir, "job.yaml", "inputs:", "  studies: studies.csv", "  arm_counts: [rates.csv]",
                "analysis:", "  measures: [RR, OR, RD]");
        Path out = dir.resolve("out");
        assertEquals(Main.DONE, Main.run("--conf", dir.resolve("job.yaml").toString(), "--out", out.toString()));
        List<CSVRecord> analyses = read(out.resolve("analyses.csv"));
        assertFalse(analyses.isEmpty());
        analyses.forEach(r -> assertTrue(r.get("status").startsWith("not estimable: no participant counts (stud"),
                r.get("analysis_id") + ": " + r.get("status")));
    }

    private static List<CSVRecord> read(Path csv) throws IOException {
        try (Reader in = Files.newBufferedReader(csv)) {
            return CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).get().parse(in).getRecords();
        }
    }
}
