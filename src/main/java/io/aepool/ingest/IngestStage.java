package io.aepool.ingest;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;

/**
 * The ingest stage for trials: reads and validates the study table, the published arm counts and the ADaM pairs.
 * Rows that break a rule are recorded in {@code validation} (quarantined or fatal by its policy); registry extracts are
 * read by the registry stage of {@code aggregate}, which knows what a nightly run has already seen.
 */
public final class IngestStage {

    /** Spark job group of this stage. */
    public static final String JOB_GROUP = "aepool-ingest";

    /** An ADaM subject table and its adverse-event table (paths). */
    public record AdamInput(String adsl, String adae) {
    }

    /**
     * The trial inputs a conf names, resolved.
     *
     * @param treatments   the ADaM treatments the conf lists (others are rejected)
     * @param adamPeriod   the ADaM period whose dates and treatment define the at-risk window, or empty (TRTSDT/TRTEDT)
     * @param adamLagged   whether the at-risk window runs past the last dose (the lag's cap columns are then read)
     */
    public record Inputs(List<String> studies, List<String> armCounts, List<AdamInput> adam, Set<String> treatments,
                         OptionalInt adamPeriod, boolean adamLagged) {
        public Inputs {
            studies = List.copyOf(studies);
            armCounts = List.copyOf(armCounts);
            adam = List.copyOf(adam);
        }

        /** Every file named, in the order read. */
        public List<String> files() {
            List<String> files = new ArrayList<>(studies);
            files.addAll(armCounts);
            adam.forEach(p -> {
                files.add(p.adsl());
                files.add(p.adae());
            });
            return files;
        }
    }

    /** Published arm counts of one file. */
    public record ArmCounts(String file, Dataset<Row> rows) {
    }

    /**
     * The validated ADaM tables of one pair. Not cached: the aggregation reads each once (the validation's passes are
     * over by then), and a cache of every subject would be built for that one read.
     */
    public record Adam(String adslFile, Dataset<Row> subjects, Dataset<Row> events) {
    }

    /** @param studies the validated study table, cached */
    public record Result(Dataset<Row> studies, List<ArmCounts> armCounts, List<Adam> adam) {
        public Result {
            armCounts = List.copyOf(armCounts);
            adam = List.copyOf(adam);
        }
    }

    private IngestStage() {
    }

    public static Result run(SparkSession spark, Inputs inputs, Validation validation) {
        spark.sparkContext().setJobGroup(JOB_GROUP, "read and validate inputs", false);
        Dataset<Row> studies = StudiesReader.readAll(spark, inputs.studies(), validation).cache();
        List<ArmCounts> armCounts = new ArrayList<>();
        for (String file : inputs.armCounts()) {
            armCounts.add(new ArmCounts(file, ArmCountsReader.read(spark, file, studies, validation)));
        }
        List<Adam> adam = new ArrayList<>();
        for (AdamInput pair : inputs.adam()) {
            // a rejected subject or event quarantines its study's whole ADaM contribution (docs/validation.md)
            AdamReader.Tables t = AdamReader.read(spark, pair.adsl(), pair.adae(), studies, inputs.treatments(),
                    validation, inputs.adamPeriod(), inputs.adamLagged());
            adam.add(new Adam(pair.adsl(), t.subjects(), t.events()));
        }
        return new Result(studies, armCounts, adam);
    }
}
