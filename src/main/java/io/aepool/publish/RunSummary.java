package io.aepool.publish;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeMap;

/**
 * summary.json of a run, from plain values: what was read and rejected, what was computed, the primary's findings,
 * the changes against the previous run and how registry aggregates were computed.
 *
 * @param inputRows           rows read, passed and rejected per input file
 * @param quarantined         what validation quarantined (counts and study ids only)
 * @param primary             the primary analysis's row and findings
 * @param robustness          a map per row of robustness.csv
 * @param changes             nightly: the change summary (small counts withheld) and the previous run; else null
 * @param registryAggregation per generic registry extract of a nightly run: incremental or full; else empty
 */
public record RunSummary(List<String> inputs, Map<String, Map<String, Long>> inputRows,
                         Map<String, Long> rejectedByRule, Map<String, Object> quarantined, int comparisons,
                         SortedSet<String> outcomes, List<String> pools, int analyses, long analysesNotEstimable,
                         Map<String, Object> primary, List<String> designsKeptApart,
                         List<Map<String, Object>> robustness, Map<String, Object> changes,
                         Map<String, String> registryAggregation) {

    /** The JSON object, keys in a fixed order (readers diff two runs' summaries). */
    public Map<String, Object> toJson(RunStart run) {
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("run_id", run.runId());
        summary.put("started_at", run.startedAt().toString());
        summary.put("finished_at", Instant.now().toString());
        summary.put("conf", run.conf().toString());
        summary.put("inputs", inputs);
        summary.put("input_rows", inputRows);
        summary.put("rejected_rows_by_rule", new TreeMap<>(rejectedByRule));
        summary.put("quarantined", quarantined);
        summary.put("comparisons", comparisons);
        summary.put("outcomes", outcomes);
        summary.put("pools", pools);
        summary.put("analyses", analyses);
        summary.put("analyses_not_estimable", analysesNotEstimable);
        summary.put("primary", primary);
        summary.put("designs_kept_apart", designsKeptApart);
        summary.put("robustness", robustness);
        if (changes != null) {
            summary.put("changes", changes);
        }
        summary.put("as_of", run.asOf() == null ? null : run.asOf().toString());
        if (registryAggregation != null && !registryAggregation.isEmpty()) {
            summary.put("registry_aggregation", registryAggregation);
        }
        summary.put("fingerprint", run.fingerprint());
        return summary;
    }
}
