package io.aepool.cli;

import io.aepool.plan.Pool;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.regexp_extract;

/**
 * What validation quarantined, as counts and study ids only: rows per rule, the studies they belong to and the pools
 * those studies would be in. Read from the published rejects ledger (whatever rule ids it holds); the study of a row
 * is the {@code study_id}, {@code STUDYID} or {@code registry_id} of its row key (keys of subject-level tables never
 * name a subject), so no subject identifier reaches the console, summary.json or the report.
 *
 * @param rows              rejected rows in all
 * @param studies           the studies those rows belong to, sorted (rows whose key names no study count in rows only)
 * @param byRule            per rule id (sorted): rows and studies
 * @param byPool            per pool holding any of those studies (by the study table's attributes against the pool's
 *                          {@code where}; attributes that are not study-table columns, such as {@code dose_arms}, are
 *                          not checked): the studies, sorted; pools in the conf's order
 * @param withoutStudyTable quarantined studies without a valid study-table row: in no pool
 */
record Quarantine(long rows, List<String> studies, Map<String, RuleCount> byRule, Map<String, List<String>> byPool,
                  List<String> withoutStudyTable) {

    /** Rows and studies of one rule. */
    record RuleCount(long rows, List<String> studies) {
    }

    /** Study ids named on one console line before "and N more". */
    static final int NAMED = 5;

    // the study a ledger row belongs to: the study, ADaM STUDYID or registry id of its row key
    private static final String STUDY_OF_KEY = "(?:^|, )(?:study_id|STUDYID|registry_id)=([^,]*)";

    static final Quarantine NONE = new Quarantine(0, List.of(), Map.of(), Map.of(), List.of());

    boolean any() {
        return rows > 0;
    }

    /**
     * @param rejects the rejects ledger (columns {@code rule}, {@code row_key})
     * @param studies the validated study table (study attributes as columns), or null
     * @param pools   the pools of the run, or null (not known yet: {@link #byPool} empty)
     */
    static Quarantine of(Dataset<Row> rejects, Dataset<Row> studies, Map<String, Pool> pools) {
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
        if (studies != null && !all.isEmpty()) {
            columns = Set.of(studies.columns());
            for (Row s : studies.filter(col("study_id").isin(all.toArray())).collectAsList()) {
                Map<String, String> a = new HashMap<>();
                for (String c : s.schema().fieldNames()) {
                    a.put(c, String.valueOf(s.get(s.fieldIndex(c))));
                }
                attributes.put(a.get("study_id"), a);
            }
        }
        Map<String, List<String>> byPool = new LinkedHashMap<>();
        if (pools != null) {
            for (Pool p : pools.values()) {
                List<String> in = new ArrayList<>();
                for (String study : all) {
                    Map<String, String> a = attributes.get(study);
                    if (a != null && in(p, a, columns)) {
                        in.add(study);
                    }
                }
                if (!in.isEmpty()) {
                    byPool.put(p.name(), List.copyOf(in));
                }
            }
        }
        List<String> without = all.stream().filter(s -> !attributes.containsKey(s)).toList();
        return new Quarantine(rows, List.copyOf(all), byRule, byPool, studies == null ? List.of() : without);
    }

    private static boolean in(Pool pool, Map<String, String> attributes, Set<String> studyColumns) {
        return pool.where().entrySet().stream().allMatch(e -> !studyColumns.contains(e.getKey())
                || e.getValue().contains(attributes.get(e.getKey())));
    }

    /** summary.json's {@code quarantined}. */
    Map<String, Object> summary(String rejectsFile) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("rows", rows);
        m.put("studies", studies);
        m.put("rejects", rejectsFile);
        Map<String, Object> rules = new LinkedHashMap<>();
        byRule.forEach((rule, c) -> {
            Map<String, Object> one = new LinkedHashMap<>();
            one.put("rows", c.rows());
            one.put("studies", c.studies());
            rules.put(rule, one);
        });
        m.put("by_rule", rules);
        m.put("by_pool", byPool);
        m.put("studies_without_study_table_row", withoutStudyTable);
        return m;
    }

    /**
     * The console block: a line with the word {@code quarantined} (schedulers grep it), one line per rule and the
     * pools affected. Empty when nothing was rejected.
     */
    String console(Path rejectsCsv) {
        if (!any()) {
            return "";
        }
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "aepool: quarantined: %s of %s excluded by validation (see %s)%n",
                plural(rows, "row"), plural(studies.size(), "study"), rejectsCsv));
        out.append(rules("  "));
        if (!byPool.isEmpty()) {
            List<String> pools = new ArrayList<>();
            byPool.forEach((pool, s) -> pools.add(pool + " (" + plural(s.size(), "study") + ")"));
            out.append("  pools affected: ").append(String.join(", ", pools)).append(System.lineSeparator());
        }
        return out.toString();
    }

    /** One line per rule: {@code <indent><rule>: N rows, M studies (A, B, ... and K more)}. */
    String rules(String indent) {
        StringBuilder out = new StringBuilder();
        byRule.forEach((rule, c) -> out.append(indent).append(rule).append(": ").append(plural(c.rows(), "row"))
                .append(", ").append(plural(c.studies().size(), "study"))
                .append(c.studies().isEmpty() ? "" : " (" + named(c.studies()) + ")").append(System.lineSeparator()));
        return out.toString();
    }

    /** Strict mode's exit-2 message: the rules broken, their rows and studies. */
    String strictMessage() {
        return String.format(Locale.ROOT, "strict validation: %s of %s broke row-level rules (a quarantining run"
                        + " would have excluded them); per rule:%n%s", plural(rows, "input row"),
                plural(studies.size(), "study"), rules("  ").stripTrailing());
    }

    static String named(List<String> ids) {
        if (ids.size() <= NAMED) {
            return String.join(", ", ids);
        }
        return String.join(", ", ids.subList(0, NAMED)) + " and " + (ids.size() - NAMED) + " more";
    }

    /**
     * Rows a published run rejected, from its summary.json ({@code quarantined.rows}, else the sum of
     * {@code rejected_rows_by_rule}); 0 when {@code runDir} is null or has no summary.
     */
    static long rowsOf(Path runDir) {
        if (runDir == null || !java.nio.file.Files.isRegularFile(runDir.resolve("summary.json"))) {
            return 0;
        }
        try {
            com.fasterxml.jackson.databind.JsonNode s = new com.fasterxml.jackson.databind.ObjectMapper()
                    .readTree(runDir.resolve("summary.json").toFile());
            if (s.path("quarantined").has("rows")) {
                return s.path("quarantined").path("rows").asLong();
            }
            long n = 0;
            for (com.fasterxml.jackson.databind.JsonNode v : s.path("rejected_rows_by_rule")) {
                n += v.asLong();
            }
            return n;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot read " + runDir.resolve("summary.json"), e);
        }
    }

    private static String plural(long n, String noun) {
        return n + " " + (n == 1 ? noun : noun.equals("study") ? "studies" : noun + "s");
    }
}
