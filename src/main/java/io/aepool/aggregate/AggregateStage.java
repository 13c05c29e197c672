package io.aepool.aggregate;

import io.aepool.ingest.IngestStage;
import io.aepool.ingest.Validation;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import java.util.ArrayList;
import java.util.List;

/**
 * The aggregate stage for every design: published arm counts, ADaM subjects and registry arms to one arm table, whole
 * studies only, then the study counts (one comparison per study, outcome and multi-arm handling).
 */
public final class AggregateStage {

    /** Spark job group of this stage. */
    public static final String JOB_GROUP = "aepool-aggregate";

    /** How ADaM subjects become arms. */
    public record TrialSettings(List<TreatmentArm> treatments, List<OutcomeDefinition> outcomes, AtRiskWindow window) {
    }

    private AggregateStage() {
    }

    /**
     * The arm table of complete studies, checkpointed: every later plan starts from it, not from the subject-level
     * plans. Incomplete studies are rejected once, here. Once this returns, {@code validation} has seen every row.
     *
     * @param registryArms the registry stage's arms (empty without registries)
     */
    public static Dataset<Row> arms(SparkSession spark, IngestStage.Result in, List<Dataset<Row>> registryArms,
                                    TrialSettings settings, Validation validation) {
        spark.sparkContext().setJobGroup(JOB_GROUP, "arm counts to study counts", false);
        List<Dataset<Row>> parts = new ArrayList<>();
        in.armCounts().forEach(a -> parts.add(ArmTable.fromPublished(a.rows(), a.file())));
        for (IngestStage.Adam adam : in.adam()) {
            parts.add(SubjectAggregator.aggregate(spark, adam.subjects(), adam.events(), settings.treatments(),
                    settings.outcomes(), settings.window(), adam.adslFile()));
        }
        parts.addAll(registryArms);
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("no arm-level input: give arm counts, ADaM pairs or registries");
        }
        Dataset<Row> all = parts.get(0);
        for (int i = 1; i < parts.size(); i++) {
            all = all.unionByName(parts.get(i));
        }
        // the complete studies come from the check's materialised pass (a local checkpoint): later plans start there
        return StudyCountsBuilder.completeStudies(all, validation);
    }

    /** Study counts of every multi-arm handling, unioned; not yet sorted. */
    public static Dataset<Row> studyCounts(Dataset<Row> arms, Dataset<Row> studies, List<StudyCountsBuilder.MultiArm> modes) {
        Dataset<Row> out = null;
        for (StudyCountsBuilder.MultiArm mode : modes) {
            Dataset<Row> one = StudyCountsBuilder.build(arms, studies, mode);
            out = out == null ? one : out.unionByName(one);
        }
        return out;
    }
}
