package io.aepool.publish;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

/**
 * The CSV views of a run with registry small cells suppressed ({@link SmallCells}): registry incidence and rate ratios,
 * registry comparisons in study_counts and forest, and analysis totals of pools that hold registries. The Parquet
 * tables keep the exact counts.
 */
public final class SharedViews {

    private static final List<String> ARM_COUNTS = List.of("events_exp", "n_exp", "events_ctl", "n_ctl");

    private SharedViews() {
    }

    /**
     * @param families              the family tables by name ({@code registry_incidence}, {@code registry_rate_ratios},
     *                              {@code forest} when present)
     * @param registryPools         pools holding a registry comparison
     * @param registryComparisonIds comparison ids of the registry comparisons
     * @param changes               changes.csv as shared (its small counts already withheld), or null
     * @return per table name, the view written as its CSV
     */
    public static Map<String, Dataset<Row>> of(Dataset<Row> studyCounts, Dataset<Row> analyses,
                                               Map<String, Dataset<Row>> families, Set<String> registryPools,
                                               Set<String> registryComparisonIds, int threshold, Dataset<Row> changes) {
        Map<String, Dataset<Row>> views = new LinkedHashMap<>();
        views.put("registry_incidence", SmallCells.suppress(families.get("registry_incidence"), List.of("patients", "events"),
                List.of("rate_per_100py", "ci_low", "ci_high"), lit(true), threshold));
        views.put("registry_rate_ratios", SmallCells.suppress(families.get("registry_rate_ratios"),
                List.of("events_exp", "events_ctl"), List.of("irr", "ci_low", "ci_high", "mh_irr", "mh_ci_low", "mh_ci_high"),
                lit(true), threshold));
        if (families.containsKey("registry_attrition")) {
            // patients 1..threshold−1 at a step, or removed by a step, withheld with their person-time
            Dataset<Row> attrition = families.get("registry_attrition");
            views.put("registry_attrition", SmallCells.suppressSteps(attrition.sparkSession(), attrition,
                    List.of("registry_id", "exposure_group", "outcome"), "step_order", "patients",
                    List.of("person_years"), threshold));
        }
        Column registryRow = col("design").equalTo("registry");
        views.put("study_counts", SmallCells.suppress(studyCounts,
                List.of("events_exp", "n_exp", "events_ctl", "n_ctl", "event_count_exp", "event_count_ctl", "events_ctl_arm",
                        "n_ctl_arm"), List.of(), registryRow, threshold));
        if (families.containsKey("forest")) {
            views.put("forest", SmallCells.suppress(families.get("forest"), ARM_COUNTS, List.of(),
                    col("comparison_id").isin(registryComparisonIds.toArray()), threshold));
        }
        if (changes != null) {
            views.put("changes", changes);
        }
        // the median control rate of a pool with one registry is that registry's rate: withheld with its counts
        views.put("analyses", SmallCells.suppress(analyses, ARM_COUNTS, List.of("median_ctl_risk", "median_ctl_rate_per_100py"),
                col("pool").isin(registryPools.toArray()), threshold));
        return views;
    }
}
