package io.aepool.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.aepool.testing.SharedSpark;
import org.apache.commons.csv.CSVRecord;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The whole job, from arm-level CSV to network_effects.csv, reproduces metafor's rma.mv on the Hasselblad (1998)
 * network (two three-arm trials entered whole; {@code src/test/resources/oracle/make-network-oracle.R}) to 1e-6.
 */
@ExtendWith(SharedSpark.class)
class NetworkJobTest {

    @Test
    void networkEffectsAgreeWithRmaMvThroughTheJob(SparkSession spark, @TempDir Path dir) throws IOException {
        List<String> studies = new ArrayList<>(List.of("study_id,acronym,condition,drug,year,design,control_type,weeks,source"));
        List<String> arms = new ArrayList<>(List.of("study_id,arm_id,role,treatment,dose_mg,outcome,n,events,person_years"));
        List<CSVRecord> rows = EndToEndMetaforTest.read(Path.of("src/test/resources/oracle/hasselblad1998.csv"));
        String last = null;
        for (CSVRecord r : rows) {
            String id = "H" + r.get("study");
            if (!id.equals(last)) {
                studies.add(String.join(",", id, id, "smoking", "counselling", r.get("year"), "rct", "active", "", "metadat"));
                last = id;
            }
            // the job needs a control arm per trial: the first arm listed (every study lists no_contact or its own first)
            boolean first = rows.stream().filter(x -> x.get("study").equals(r.get("study"))).findFirst().get() == r;
            arms.add(String.join(",", id, r.get("trt"), first ? "control" : "experimental", r.get("trt"), "", "quit",
                    r.get("ni"), r.get("xi"), ""));
        }
        Files.write(dir.resolve("studies.csv"), studies);
        Files.write(dir.resolve("arms.csv"), arms);
        Files.writeString(dir.resolve("job.yaml"), """
                inputs:
                  studies: studies.csv
                  arm_counts: [arms.csv]
                analysis:
                  measures: [OR]
                  methods: [MH]
                  leave_one_out: false
                  network: {nodes: [drug], reference: no_contact, measures: [OR, RR]}
                """);
        Path out = dir.resolve("out");
        assertEquals(Main.DONE, Main.run("--conf", dir.resolve("job.yaml").toString(), "--out", out.toString()));
        JsonNode oracle = new ObjectMapper().readTree(Path.of("src/test/resources/oracle/network-hasselblad1998.json").toFile());
        List<CSVRecord> effects = EndToEndMetaforTest.read(out.resolve("network_effects.csv"));
        int compared = 0;
        for (String measure : List.of("OR", "RR")) {
            JsonNode exp = oracle.get(measure);
            for (int i = 1; i < exp.get("nodes").size(); i++) {
                String node = exp.get("nodes").get(i).asText();
                CSVRecord row = effects.stream().filter(r -> r.get("measure").equals(measure) && r.get("model").equals("random")
                        && r.get("treatment").equals(node)).findFirst().orElseThrow(() -> new AssertionError(measure + " " + node));
                assertEquals("no_contact", row.get("reference"));
                assertEquals("ok", row.get("status"));
                near(measure + " " + node + " log_estimate", exp.get("re_beta").get(i - 1).asDouble(), row.get("log_estimate"));
                near(measure + " " + node + " se", exp.get("re_se").get(i - 1).asDouble(), row.get("se"));
                near(measure + " tau2", exp.get("tau2_refined").asDouble(), row.get("tau2"));
                compared++;
            }
        }
        assertEquals(6, compared);
        assertTrue(Files.readString(out.resolve("report/index.html")).contains("id=\"network\""), "the report shows the network");
    }

    private static void near(String what, double expected, String actual) {
        double a = Double.parseDouble(actual);
        assertTrue(Math.abs(a - expected) <= 1e-6 * Math.abs(expected), what + ": rma.mv " + expected + ", ours " + a);
    }
}
