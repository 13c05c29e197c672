package io.aepool.cli;

import io.aepool.ingest.RejectsTally;
import io.aepool.plan.Pool;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What validation quarantined, for the console, summary.json and the report: rows and studies per rule
 * ({@link RejectsTally}, counted in ingest) and the pools those studies would be in. Counts and study ids only: no
 * subject identifier reaches the console, summary.json or the report.
 *
 * @param rows              rejected rows in all
 * @param studies           the studies those rows belong to, sorted
 * @param byRule            per rule id (sorted): rows and studies
 * @param byPool            per pool holding any of those studies (by the study table's attributes against the pool's
 *                          {@code where}; attributes that are not study-table columns, such as {@code dose_arms}, are
 *                          not checked): the studies, sorted; pools in the conf's order
 * @param withoutStudyTable quarantined studies without a valid study-table row: in no pool
 */
record Quarantine(long rows, List<String> studies, Map<String, RejectsTally.RuleCount> byRule,
                  Map<String, List<String>> byPool, List<String> withoutStudyTable) {

    /** Study ids named on one console line before "and N more". */
    static final int NAMED = 5;

    static final Quarantine NONE = new Quarantine(0, List.of(), Map.of(), Map.of(), List.of());

    boolean any() {
        return rows > 0;
    }

    /**
     * @param tally what validation rejected
     * @param pools the pools of the run, or null (not known yet: {@link #byPool} empty)
     */
    static Quarantine of(RejectsTally tally, Map<String, Pool> pools) {
        if (tally.rows() == 0) {
            return NONE;
        }
        Map<String, List<String>> byPool = new LinkedHashMap<>();
        if (pools != null) {
            for (Pool p : pools.values()) {
                List<String> in = tally.studies().stream().filter(study -> tally.attributes().containsKey(study)
                        && p.admits(tally.attributes().get(study)::get, tally.studyColumns())).toList();
                if (!in.isEmpty()) {
                    byPool.put(p.name(), in);
                }
            }
        }
        List<String> without = tally.studyColumns().isEmpty() ? List.of()
                : tally.studies().stream().filter(s -> !tally.attributes().containsKey(s)).toList();
        return new Quarantine(tally.rows(), tally.studies(), tally.byRule(), byPool, without);
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

    private static String plural(long n, String noun) {
        return n + " " + (n == 1 ? noun : noun.equals("study") ? "studies" : noun + "s");
    }
}
