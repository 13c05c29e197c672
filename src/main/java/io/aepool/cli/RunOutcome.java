package io.aepool.cli;

import io.aepool.plan.AnalysisSpec;
import io.aepool.plan.Robustness;
import io.aepool.stats.FragilityIndex;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

import java.nio.file.Path;
import java.util.List;

/** What a finished run hands back to the console: the primary, its findings and where the files are. */
public record RunOutcome(Path out, Dataset<Row> analyses, Dataset<Row> subgroupTests,
                         List<Robustness.Summary> robustness, AnalysisSpec primary,
                         FragilityIndex.Result fragility, Robustness.PoolChoice poolChoice,
                         int comparisons, int specs, double wallSeconds, boolean upToDate, int flaggedChanges,
                         int changes, Dataset<Row> sharedRateRatios, String configuredZeroRule,
                         Quarantine quarantine, Path rejectsFile, Dataset<Row> networkEffects,
                         Dataset<Row> networkConsistency) {

    static RunOutcome skipped(Path out) {
        return new RunOutcome(out, null, null, List.of(), null, null, null, 0, 0, 0, true, 0, 0, null, null,
                Quarantine.NONE, null, null, null);
    }
}
