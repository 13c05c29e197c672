package io.aepool.compute;

import io.aepool.plan.AnalysisSpec;
import io.aepool.plan.ChangeReport;
import io.aepool.plan.Pool;
import io.aepool.plan.StudyRecord;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;

/**
 * Each analysis of this run against the same analysis id of the previous run. It lives here, not in publish, because
 * "which studies did this analysis use" needs the plan's pools and subsets on both runs' study counts; publish is
 * handed the resulting table and summary as plain values (docs/architecture.md).
 */
public final class RunComparison {

    /** Spark job group of this stage. */
    public static final String JOB_GROUP = "aepool-compare";

    private RunComparison() {
    }

    /**
     * @param previousResults     the previous run's analyses table
     * @param previousStudyCounts the previous run's study counts
     */
    public static List<ChangeReport.Change> changes(Dataset<Row> previousResults, Dataset<Row> previousStudyCounts,
                                                    Dataset<Row> analyses, Map<String, Pool> pools,
                                                    List<StudyRecord> records, ChangeReport.Thresholds thresholds) {
        previousResults.sparkSession().sparkContext().setJobGroup(JOB_GROUP, "compare with the previous run", false);
        List<ChangeReport.AnalysisState> before = states(previousResults, pools, StudyRecords.collect(previousStudyCounts));
        return ChangeReport.compare(before, states(analyses, pools, records), thresholds);
    }

    /** The change rows as a table (changes.csv). */
    public static Dataset<Row> table(SparkSession spark, List<ChangeReport.Change> changes) {
        return spark.createDataFrame(changes.stream().map(c -> RowFactory.create(c.values())).toList(),
                DistributedAnalyses.schema(ChangeReport.Change.COLUMNS));
    }

    private static List<ChangeReport.AnalysisState> states(Dataset<Row> results, Map<String, Pool> pools,
                                                           List<StudyRecord> records) {
        Map<String, SortedSet<String>> membership = new HashMap<>();
        List<ChangeReport.AnalysisState> out = new ArrayList<>();
        for (Row r : results.select("analysis_id", "pool", "outcome", "measure", "method", "subset_kind", "studies",
                "events_exp", "events_ctl", "estimate", "ci_low", "ci_high", "i2", "status").collectAsList()) {
            String id = r.getString(0);
            Pool pool = pools.get(r.getString(1));
            SortedSet<String> studies = null;
            if (pool != null) {
                AnalysisSpec spec = AnalysisSpec.parse(id);
                studies = membership.computeIfAbsent(spec.pool() + "|" + spec.outcome() + "|" + spec.subset().label(),
                        k -> ChangeReport.membership(spec, pool, records));
            }
            out.add(new ChangeReport.AnalysisState(id, r.getString(1), r.getString(2), r.getString(3), r.getString(4),
                    r.getString(5), studies, r.getInt(6), r.getLong(7), r.getLong(8), (Double) r.get(9), (Double) r.get(10),
                    (Double) r.get(11), (Double) r.get(12), r.getString(13)));
        }
        return out;
    }
}
