package io.aepool.ingest;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.regexp_extract;

/**
 * What validation rejected, as counts and study ids only: rows per rule and the studies they belong to, with those
 * studies' attributes from the study table (for the pools they would be in). The study of a ledger row is the
 * {@code study_id}, {@code STUDYID} or {@code registry_id} of its row key (keys of subject-level tables never name a
 * subject), so no subject identifier leaves here.
 *
 * @param rows         rejected rows in all
 * @param studies      the studies those rows belong to, sorted (rows whose key names no study count in rows only)
 * @param byRule       per rule id (sorted): rows and studies
 * @param attributes   per rejected study with a valid study-table row: its attributes as text
 * @param studyColumns the study table's columns (empty without a study table)
 */
public record RejectsTally(long rows, List<String> studies, Map<String, RuleCount> byRule,
                           Map<String, Map<String, String>> attributes, Set<String> studyColumns) {

    /** Rows and studies of one rule. */
    public record RuleCount(long rows, List<String> studies) {
    }

    public static final RejectsTally NONE = new RejectsTally(0, List.of(), Map.of(), Map.of(), Set.of());

    // the study a ledger row belongs to: the study, ADaM STUDYID or registry id of its row key
    private static final String STUDY_OF_KEY = "(?:^|, )(?:study_id|STUDYID|registry_id)=([^,]*)";

    public RejectsTally {
        studies = List.copyOf(studies);
        byRule = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(byRule));
        attributes = Map.copyOf(attributes);
        studyColumns = Set.copyOf(studyColumns);
    }

    /**
     * @param rejects the rejects ledger (columns {@code rule}, {@code row_key})
     * @param studies the validated study table, or null
     */
    public static RejectsTally of(Dataset<Row> rejects, Dataset<Row> studies) {
        List<Row> tally = rejects.select(col("rule"), regexp_extract(col("row_key"), STUDY_OF_KEY, 1).as("study"))
                .groupBy("rule", "study").count().collectAsList();
        if (tally.isEmpty()) {
            return NONE;
        }
        long rows = 0;
        Map<String, long[]> ruleRows = new TreeMap<>();
        Map<String, TreeSet<String>> ruleStudies = new TreeMap<>();
        TreeSet<String> all = new TreeSet<>();
        for (Row r : tally) {
            String rule = r.isNullAt(0) ? "(no rule)" : r.getString(0);
            String study = r.isNullAt(1) ? "" : r.getString(1).trim();
            long n = r.getLong(2);
            rows += n;
            ruleRows.computeIfAbsent(rule, k -> new long[1])[0] += n;
            TreeSet<String> s = ruleStudies.computeIfAbsent(rule, k -> new TreeSet<>());
            if (!study.isEmpty()) {
                s.add(study);
                all.add(study);
            }
        }
        Map<String, RuleCount> byRule = new LinkedHashMap<>();
        ruleRows.forEach((rule, n) -> byRule.put(rule, new RuleCount(n[0], List.copyOf(ruleStudies.get(rule)))));
        Map<String, Map<String, String>> attributes = new HashMap<>();
        Set<String> columns = Set.of();
        if (studies != null) {
            columns = Set.of(studies.columns());
            if (!all.isEmpty()) {
                for (Row s : studies.filter(col("study_id").isin(all.toArray())).collectAsList()) {
                    Map<String, String> a = new HashMap<>();
                    for (String c : s.schema().fieldNames()) {
                        a.put(c, String.valueOf(s.get(s.fieldIndex(c))));
                    }
                    attributes.put(a.get("study_id"), a);
                }
            }
        }
        return new RejectsTally(rows, List.copyOf(all), byRule, attributes, columns);
    }
}
