package io.aepool.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.aepool.report.Table.Row;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The part of a results directory the report draws: the primary analysis from summary.json and the rows of
 * every table for the primary pool, measure and zero rule. Values are read as written; nothing is recomputed.
 */
final class Results {

    static final List<String> KEY = List.of("pool", "outcome", "measure", "method", "ci_method",
            "prediction_interval", "zero_rule");
    static final Set<String> FIXED_METHODS = Set.of("MH", "IV", "PETO", "CMEL");
    /** Methods whose estimate takes no continuity correction (their zero_rule is none,drop00 or none,keep00). */
    static final Set<String> RAW_COUNT_METHODS = Set.of("MH", "PETO", "CMEL", "GLMM");
    /** The random-effects model drawn beside the fixed effect: REML first, as the Cochrane Handbook v6.5 recommends. */
    static final List<String> RANDOM_PREFERENCE = List.of("REML", "DL", "PM", "ML", "SJ", "HE");
    /**
     * The untruncated Hartung-Knapp interval is never shown: narrower than Wald's when Q < k − 1 (Jackson et al. 2017);
     * its ad hoc form takes its place (metafor test = "adhoc", R meta adhoc.hakn.ci = "se").
     */
    static final String UNTRUNCATED_HK = "hksj";
    static final String ADHOC_HK = "hksj-adhoc";

    /** The primary analysis spec (pool, outcome, measure, method, interval, prediction interval, zero rule). */
    record Primary(String analysisId, String pool, String outcome, String measure, String method, String ciMethod,
                   String predictionInterval, String zeroRule) {

        /**
         * True when a row was run under the primary's zero rule: the rule itself, or, for methods that pool raw
         * counts (their rows say {@code none} with the same double-zero choice), the rule's uncorrected form.
         */
        boolean zeroRuleOf(Row r) {
            String z = r.text("zero_rule");
            if (zeroRule == null || z == null) {
                return zeroRule == null;
            }
            if (z.equals(zeroRule)) {
                return true;
            }
            int comma = zeroRule.indexOf(',');
            String uncorrected = "none" + (comma < 0 ? ",drop00" : zeroRule.substring(comma));
            return RAW_COUNT_METHODS.contains(r.text("method")) && z.equals(uncorrected);
        }
    }

    final Path dir;
    final String runId;
    final Primary primary;
    final List<String> pools;
    final List<String> outcomes;
    /** analyses.csv rows: the primary pool, measure and zero rule (every subset), and whole-pool rows of other pools. */
    final List<Row> analyses;
    final List<Row> studyCounts;
    final List<Row> funnel;
    final List<Row> trimAndFill;
    final List<Row> smallStudyTests;
    final List<Row> subgroupTests;
    final List<Row> robustness;
    /** specification_curve.csv rows of the primary pool and measure (absent in runs before it existed: empty). */
    final List<Row> specificationCurve;
    /** summary.json's primary.fragility.text and primary.fragility_index, or null (older runs, no summary). */
    final String fragilityText;
    final Integer fragilityIndex;
    /** summary.json's primary.pool_choices.text, or null. */
    final String poolChoiceText;
    /** summary.json's {@code quarantined} (what validation left out), or null when no row was rejected. */
    final Quarantined quarantined;
    private final List<Row> forestRows;
    /** registry_incidence.csv (small cells suppressed as written), registry_rate_ratios.csv of the whole registries. */
    final List<Row> registryIncidence;
    final List<Row> rateRatios;
    /** registry_attrition.csv (small cells suppressed as written): patients and person-years per design step. */
    final List<Row> registryAttrition;
    /** Whole-pool and by-design rate-ratio (IRR) analyses, MH and DL with Wald intervals, and their design tests. */
    final List<Row> rateAnalyses;
    final List<Row> designTests;
    /** The primary pool's network tables (empty without network analyses). */
    final List<Row> networkEffects;
    final List<Row> networkEdges;
    final List<Row> networkLeague;
    final List<Row> networkConsistency;

    private Results(Path dir, JsonNode summary, List<Row> analyses, Primary primary) {
        this.dir = dir;
        this.runId = summary == null ? null : text(summary, "run_id");
        this.primary = primary;
        this.analyses = analyses;
        this.pools = listOrDerived(summary, "pools", analyses.stream().map(r -> r.text("pool")).toList(), primary.pool());
        this.outcomes = listOrDerived(summary, "outcomes",
                analyses.stream().filter(r -> r.is("pool", primary.pool())).map(r -> r.text("outcome")).toList(),
                primary.outcome());
        this.studyCounts = Table.read(dir.resolve("study_counts.csv"), r -> true);
        this.funnel = Table.read(dir.resolve("funnel.csv"), this::primaryFamily);
        this.trimAndFill = Table.read(dir.resolve("trim_and_fill.csv"), this::primaryFamily);
        this.smallStudyTests = Table.read(dir.resolve("small_study_tests.csv"), this::primaryFamily);
        this.subgroupTests = Table.read(dir.resolve("subgroup_tests.csv"), this::primaryFamily);
        this.robustness = Table.read(dir.resolve("robustness.csv"), r -> true);
        this.specificationCurve = Table.read(dir.resolve("specification_curve.csv"),
                r -> r.is("pool", primary.pool()) && r.is("measure", primary.measure()));
        JsonNode fragility = summary == null ? null : summary.path("primary").path("fragility");
        this.fragilityText = fragility == null || fragility.isMissingNode() ? null : text(fragility, "text");
        JsonNode pools = summary == null ? null : summary.path("primary").path("pool_choices");
        this.poolChoiceText = pools == null || pools.isMissingNode() ? null : text(pools, "text");
        JsonNode index = summary == null ? null : summary.path("primary").get("fragility_index");
        this.fragilityIndex = index == null || !index.canConvertToInt() ? null : index.asInt();
        this.quarantined = summary == null ? null : Quarantined.of(summary.path("quarantined"));
        Set<String> wholePoolIds = analyses.stream()
                .filter(r -> r.is("pool", primary.pool()) && r.is("subset", "all"))
                .map(r -> r.text("analysis_id")).collect(Collectors.toSet());
        this.forestRows = Table.read(dir.resolve("forest.csv"), r -> wholePoolIds.contains(r.text("analysis_id")));
        this.registryIncidence = Table.read(dir.resolve("registry_incidence.csv"), r -> true);
        this.rateRatios = Table.read(dir.resolve("registry_rate_ratios.csv"), r -> r.is("stratum_variable", "all"));
        this.registryAttrition = Table.read(dir.resolve("registry_attrition.csv"), r -> true);
        this.rateAnalyses = Table.read(dir.resolve("analyses.csv"), r -> r.is("measure", "IRR") && r.is("ci_method", "wald-z")
                && (r.is("method", "MH") || r.is("method", "DL")) && primary.zeroRuleOf(r)
                && (r.is("subset", "all") || r.text("subset").startsWith("subgroup:design=")));
        this.designTests = Table.read(dir.resolve("subgroup_tests.csv"), r -> r.is("measure", "IRR") && r.is("variable", "design")
                && r.is("ci_method", "wald-z") && r.is("tau2_model", "separate") && primary.zeroRuleOf(r)
                && (r.is("method", "MH") || r.is("method", "DL")));
        this.networkEffects = Table.read(dir.resolve("network_effects.csv"), r -> r.is("pool", primary.pool()));
        this.networkEdges = Table.read(dir.resolve("network_edges.csv"), r -> r.is("pool", primary.pool()));
        this.networkLeague = Table.read(dir.resolve("network_league.csv"), r -> r.is("pool", primary.pool()));
        this.networkConsistency = Table.read(dir.resolve("network_consistency.csv"), r -> r.is("pool", primary.pool()));
    }

    /** Reads {@code dir}; analyses.csv is required, every other file is optional. */
    static Results read(Path dir) {
        Path analysesFile = dir.resolve("analyses.csv");
        if (!Files.isRegularFile(analysesFile)) {
            throw new IllegalArgumentException("no analyses.csv in results directory " + dir);
        }
        JsonNode summary = readSummary(dir.resolve("summary.json"));
        Primary fromSummary = summary == null ? null : primaryOf(summary.path("primary"));
        Set<String> referenceIds = new HashSet<>();
        Table.read(dir.resolve("robustness.csv"), r -> true)
                .forEach(r -> referenceIds.add(r.text("reference_analysis_id")));
        if (fromSummary == null) {
            // no summary: the first whole-pool analysis, preferring Mantel-Haenszel
            List<Row> whole = Table.read(analysesFile, r -> r.is("subset", "all"));
            Row first = whole.stream().filter(r -> r.is("method", "MH")).findFirst()
                    .orElse(whole.isEmpty() ? null : whole.get(0));
            if (first == null) {
                throw new IllegalArgumentException("analyses.csv in " + dir + " has no whole-pool analysis");
            }
            fromSummary = new Primary(first.text("analysis_id"), first.text("pool"), first.text("outcome"),
                    first.text("measure"), first.text("method"), first.text("ci_method"),
                    first.text("prediction_interval"), first.text("zero_rule"));
        }
        if (UNTRUNCATED_HK.equals(fromSummary.ciMethod())) {
            // results of older runs: the report shows Hartung-Knapp intervals only in their ad hoc form
            fromSummary = new Primary(fromSummary.analysisId(), fromSummary.pool(), fromSummary.outcome(),
                    fromSummary.measure(), fromSummary.method(), ADHOC_HK, fromSummary.predictionInterval(),
                    fromSummary.zeroRule());
        }
        Primary p = fromSummary;
        List<Row> analyses = Table.read(analysesFile, r -> !r.is("ci_method", UNTRUNCATED_HK) && (
                (r.is("pool", p.pool()) && r.is("measure", p.measure()) && p.zeroRuleOf(r))
                        || (r.is("subset", "all") && r.is("measure", p.measure()) && p.zeroRuleOf(r))
                        || referenceIds.contains(r.text("analysis_id"))));
        return new Results(dir, summary, analyses, p);
    }

    private boolean primaryFamily(Row r) {
        return r.is("pool", primary.pool()) && r.is("measure", primary.measure()) && !r.is("ci_method", UNTRUNCATED_HK)
                && primary.zeroRuleOf(r);
    }

    // ---------------------------------------------------------------- look-ups

    static String key(Row r) {
        return KEY.stream().map(r::text).collect(Collectors.joining("|"));
    }

    /** The analyses.csv row with the same key as {@code whole} and subset {@code subset}. */
    Optional<Row> analysis(Row whole, String subset) {
        String k = key(whole);
        return analyses.stream().filter(r -> r.is("subset", subset) && key(r).equals(k)).findFirst();
    }

    Optional<Row> analysisById(String id) {
        return analyses.stream().filter(r -> r.is("analysis_id", id)).findFirst();
    }

    /** Every row with the key of {@code whole} whose subset starts with {@code prefix}, in file order. */
    List<Row> subsets(Row whole, String prefix) {
        String k = key(whole);
        return analyses.stream().filter(r -> r.text("subset").startsWith(prefix) && key(r).equals(k)).toList();
    }

    /** Whole-pool analyses of the primary pool, measure and zero rule for {@code outcome}. */
    List<Row> wholePool(String pool, String outcome) {
        return analyses.stream().filter(r -> r.is("pool", pool) && r.is("outcome", outcome)
                && r.is("subset", "all") && r.is("measure", primary.measure())
                && primary.zeroRuleOf(r)).toList();
    }

    /** The fixed-effect analysis drawn as the common-effect diamond: MH, else the primary method, else any fixed method. */
    Optional<Row> fixedAnalysis(String pool, String outcome) {
        List<Row> whole = wholePool(pool, outcome);
        Comparator<Row> order = Comparator.comparingInt((Row r) -> r.is("method", "MH") ? 0
                        : r.is("method", primary.method()) && FIXED_METHODS.contains(primary.method()) ? 1
                        : r.is("method", "IV") ? 2 : 3)
                .thenComparingInt(r -> r.is("ci_method", primary.ciMethod()) ? 0 : 1)
                .thenComparingInt(r -> r.is("prediction_interval", primary.predictionInterval()) ? 0 : 1);
        Optional<Row> fixed = whole.stream().filter(r -> FIXED_METHODS.contains(r.text("method"))).min(order);
        return fixed.isPresent() ? fixed : whole.stream().filter(r -> r.is("method", primary.method())).findFirst();
    }

    /**
     * The random-effects analysis: REML, else DL, PM, ...; the ad hoc Hartung-Knapp interval first (Cochrane Handbook
     * v6.5 §10.10.4), then the primary interval method, then Wald.
     */
    Optional<Row> randomAnalysis(String pool, String outcome) {
        return wholePool(pool, outcome).stream()
                .filter(r -> RANDOM_PREFERENCE.contains(r.text("method")) && !r.is("ci_method", UNTRUNCATED_HK))
                .min(Comparator.comparingInt((Row r) -> RANDOM_PREFERENCE.indexOf(r.text("method")))
                        .thenComparingInt(r -> r.is("ci_method", ADHOC_HK) ? 0
                                : r.is("ci_method", primary.ciMethod()) ? 1 : r.is("ci_method", "wald-z") ? 2 : 3)
                        .thenComparingInt(r -> r.is("prediction_interval", primary.predictionInterval()) ? 0 : 1));
    }

    /** The primary analysis row for {@code pool} and {@code outcome} (primary method, intervals and zero rule). */
    Optional<Row> primaryLike(String pool, String outcome) {
        return wholePool(pool, outcome).stream().filter(r -> r.is("method", primary.method())
                && r.is("ci_method", primary.ciMethod())
                && r.is("prediction_interval", primary.predictionInterval())).findFirst();
    }

    /** forest.csv rows of the whole-pool analysis {@code analysisId}, block {@code block}, in file order. */
    List<Row> forest(String analysisId, String block) {
        return forestRows.stream().filter(r -> r.is("analysis_id", analysisId) && r.is("block", block)).toList();
    }

    /** The forest.csv blocks of an analysis, in first-seen order. */
    List<String> forestBlocks(String analysisId) {
        return forestRows.stream().filter(r -> r.is("analysis_id", analysisId)).map(r -> r.text("block"))
                .collect(Collectors.toCollection(LinkedHashSet::new)).stream().toList();
    }

    /** The study year of a comparison (study_counts.csv), or {@code null}. */
    Integer year(String comparisonId) {
        return studyCounts.stream().filter(r -> r.is("comparison_id", comparisonId)).map(r -> r.integer("year"))
                .filter(y -> y != null).findFirst().orElse(null);
    }

    /** A readable label of a comparison: the forest label, else the acronym, else its id. */
    String label(String comparisonId) {
        Optional<String> fromForest = forestRows.stream().filter(r -> r.is("comparison_id", comparisonId))
                .map(r -> r.str("label")).filter(s -> s != null).findFirst();
        if (fromForest.isPresent()) {
            return fromForest.get();
        }
        return studyCounts.stream().filter(r -> r.is("comparison_id", comparisonId)).map(r -> r.str("acronym"))
                .filter(s -> s != null).findFirst().orElse(comparisonId);
    }

    static boolean isRatio(String measure) {
        return measure != null && measure.toUpperCase().matches("RR|OR|IRR|HR|PETO");
    }

    /**
     * What validation quarantined, as summary.json's {@code quarantined} has it: rows, study ids per rule and per pool.
     *
     * @param rejects the rejects ledger's file name in the results directory
     */
    record Quarantined(long rows, List<String> studies, String rejects, java.util.Map<String, Long> ruleRows,
                       java.util.Map<String, List<String>> ruleStudies, java.util.Map<String, List<String>> byPool) {

        static Quarantined of(JsonNode q) {
            if (q == null || q.isMissingNode() || q.isNull() || q.path("rows").asLong() <= 0) {
                return null;
            }
            java.util.Map<String, Long> ruleRows = new java.util.LinkedHashMap<>();
            java.util.Map<String, List<String>> ruleStudies = new java.util.LinkedHashMap<>();
            q.path("by_rule").fields().forEachRemaining(e -> {
                ruleRows.put(e.getKey(), e.getValue().path("rows").asLong());
                ruleStudies.put(e.getKey(), texts(e.getValue().path("studies")));
            });
            java.util.Map<String, List<String>> byPool = new java.util.LinkedHashMap<>();
            q.path("by_pool").fields().forEachRemaining(e -> byPool.put(e.getKey(), texts(e.getValue())));
            String rejects = text(q, "rejects");
            return new Quarantined(q.path("rows").asLong(), texts(q.path("studies")),
                    rejects == null ? "rejects.csv" : rejects, ruleRows, ruleStudies, byPool);
        }

        private static List<String> texts(JsonNode array) {
            List<String> out = new ArrayList<>();
            array.forEach(n -> out.add(n.asText()));
            return List.copyOf(out);
        }
    }

    /** The studies of {@code pool} that validation quarantined (summary.json's quarantined.by_pool), or empty. */
    List<String> quarantinedIn(String pool) {
        return quarantined == null ? List.of() : quarantined.byPool().getOrDefault(pool, List.of());
    }

    // ---------------------------------------------------------------- summary.json

    private static JsonNode readSummary(Path file) {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            return new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    private static Primary primaryOf(JsonNode p) {
        if (p == null || p.isMissingNode() || p.isNull()) {
            return null;
        }
        String id = text(p, "analysis_id");
        if (id == null) {
            id = text(p, "spec");
        }
        String[] parts = id == null ? new String[0] : id.split("\\|", -1);
        String pool = firstNonNull(text(p, "pool"), part(parts, 0));
        String outcome = firstNonNull(text(p, "outcome"), part(parts, 1));
        String measure = firstNonNull(text(p, "measure"), part(parts, 2));
        String method = firstNonNull(text(p, "method"), part(parts, 3));
        String ci = firstNonNull(text(p, "ci_method"), part(parts, 4));
        String pi = firstNonNull(text(p, "prediction_interval"), part(parts, 5));
        // the rule the conf listed first: rows of methods on per-study effects beside an MH primary use it
        String zero = firstNonNull(text(p, "configured_zero_rule"), firstNonNull(text(p, "zero_rule"), part(parts, 6)));
        if (pool == null || outcome == null || measure == null || method == null) {
            return null;
        }
        return new Primary(id, pool, outcome, measure, method, ci, pi, zero);
    }

    private static String part(String[] parts, int i) {
        return i < parts.length && !parts[i].isEmpty() ? parts[i] : null;
    }

    private static String firstNonNull(String a, String b) {
        return a != null ? a : b;
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    private static List<String> listOrDerived(JsonNode summary, String field, List<String> derived, String first) {
        List<String> out = new ArrayList<>();
        out.add(first);
        if (summary != null && summary.get(field) != null && summary.get(field).isArray()) {
            summary.get(field).forEach(n -> out.add(n.asText()));
        }
        out.addAll(derived);
        return out.stream().distinct().toList();
    }
}
