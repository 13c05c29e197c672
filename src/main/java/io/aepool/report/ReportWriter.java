package io.aepool.report;

import com.github.mustachejava.DefaultMustacheFactory;
import com.github.mustachejava.Mustache;
import io.aepool.report.Table.Row;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Writes {@code report/index.html} in a results directory: one self-contained page (inline CSS and SVG, no
 * script, no network) with forest, funnel, leave-one-out, cumulative and robustness figures and a GRADE-style
 * summary of findings, plus every figure as {@code report/figures/<id>.svg} and {@code .png} from one drawing.
 * Everything shown is read from the results tables; nothing is recomputed.
 */
public final class ReportWriter {

    private static final String TEMPLATE = "report/index.mustache";

    private ReportWriter() {
    }

    /**
     * Reads the results tables in {@code resultsDir}, writes {@code resultsDir/report/index.html} and
     * {@code resultsDir/report/figures/*.{svg,png}} and returns the path of index.html.
     *
     * @throws IllegalArgumentException when the directory holds no analyses.csv
     */
    public static Path write(Path resultsDir) {
        Results r = Results.read(resultsDir);
        Path reportDir = resultsDir.resolve("report");
        Path figuresDir = reportDir.resolve("figures");
        try {
            Files.createDirectories(figuresDir);
            clearFigures(figuresDir);
            Map<String, Object> scope = scope(r, figuresDir);
            Mustache template = new DefaultMustacheFactory().compile(TEMPLATE);
            StringWriter out = new StringWriter();
            template.execute(out, scope).flush();
            Path index = reportDir.resolve("index.html");
            Files.writeString(index, out.toString(), StandardCharsets.UTF_8);
            return index;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write report under " + reportDir, e);
        }
    }

    private static void clearFigures(Path figuresDir) throws IOException {
        try (DirectoryStream<Path> old = Files.newDirectoryStream(figuresDir, "*.{svg,png}")) {
            for (Path p : old) {
                Files.delete(p);
            }
        }
    }

    static Map<String, Object> scope(Results r, Path figuresDir) {
        Results.Primary p = r.primary;
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("title", "aepool report: " + p.outcome() + " \u2014 " + p.pool());
        s.put("runId", r.runId == null ? "unknown" : r.runId);
        s.put("primaryId", p.analysisId());
        s.put("pool", p.pool());
        s.put("measure", p.measure());
        s.put("method", p.method());
        s.put("ciMethod", p.ciMethod());
        // a raw-count primary (MH, Peto, exact) takes no continuity correction; its per-study effects and the other
        // methods shown beside it use the conf's rule
        s.put("zeroRule", Results.RAW_COUNT_METHODS.contains(p.method()) && p.zeroRule() != null
                ? "none" + (p.zeroRule().indexOf(',') < 0 ? ",drop00" : p.zeroRule().substring(p.zeroRule().indexOf(',')))
                + " for " + p.method()
                + "; per-study effects and methods on them: " + p.zeroRule()
                : p.zeroRule());
        s.put("primaryOutcome", p.outcome());

        List<Map<String, Object>> sof = new ArrayList<>();
        List<Map<String, Object>> sections = new ArrayList<>();
        for (String outcome : outcomesOfPrimaryPool(r)) {
            Optional<Row> primaryLike = r.primaryLike(p.pool(), outcome);
            primaryLike.ifPresent(a -> sof.add(SummaryOfFindings.row(a)));
            sections.add(section(r, outcome, primaryLike, figuresDir));
        }
        s.put("sof", sof);
        s.put("hasSof", !sof.isEmpty());
        s.put("sections", sections);

        Optional<RobustnessPlot> rob = RobustnessPlot.of(r, p.pool());
        s.put("robustnessFigure", rob.map(f -> List.of(figure(f, figuresDir))).orElse(List.of()));
        List<Map<String, Object>> robRows = new ArrayList<>();
        for (Row x : r.robustness) {
            boolean ratio = Results.isRatio(x.text("measure"));
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("pool", x.text("pool"));
            m.put("outcome", x.text("outcome"));
            m.put("measure", x.text("measure"));
            m.put("analyses", Fmt.integer(x.integer("estimable")) + " / " + Fmt.integer(x.integer("analyses")));
            m.put("distinct", Fmt.integer(x.integer("distinct_analyses")));
            m.put("range", Fmt.est(x.num("median_estimate"), ratio) + " (" + Fmt.est(x.num("min_estimate"), ratio)
                    + " to " + Fmt.est(x.num("max_estimate"), ratio) + ")");
            m.put("excluding", x.str("distinct_share_excluding_null") == null ? Fmt.DASH
                    : x.text("distinct_excluding_null") + " (" + Fmt.pct(x.num("distinct_share_excluding_null")) + ")");
            m.put("methodExcluding", outOf(x, "method_excluding_null", "method_distinct"));
            m.put("dataExcluding", outOf(x, "data_excluding_null", "data_distinct"));
            m.put("influential", x.text("most_influential_subset"));
            m.put("verdict", x.text("verdict"));
            m.put("primaryPool", x.is("pool", p.pool()));
            robRows.add(m);
        }
        s.put("robustness", robRows);
        s.put("hasRobustness", !robRows.isEmpty());
        specificationCurve(r, s, figuresDir);
        s.put("pools", otherPools(r));
        network(r, s, figuresDir);
        List<Map<String, Object>> bayes = bayesian(r);
        s.put("bayes", bayes);
        s.put("hasBayes", !bayes.isEmpty());
        dataExcluded(r, s);
        registries(r, s, figuresDir);
        return s;
    }

    /** Study ids shown in the data-excluded box before "and N more". */
    private static final int NAMED_STUDIES = 12;

    /** The "data excluded" box of the first screen, from summary.json's quarantined (absent: no box). */
    private static void dataExcluded(Results r, Map<String, Object> s) {
        Results.Quarantined q = r.quarantined;
        s.put("hasDataExcluded", q != null);
        if (q == null) {
            return;
        }
        s.put("excludedRows", q.rows() + (q.rows() == 1 ? " input row" : " input rows"));
        s.put("excludedStudies", q.studies().size() + (q.studies().size() == 1 ? " study" : " studies")
                + (q.studies().isEmpty() ? "" : " (" + named(q.studies()) + ")"));
        s.put("rejectsFile", "../" + q.rejects());
        s.put("rejectsName", q.rejects());
        List<Map<String, Object>> rules = new ArrayList<>();
        q.ruleRows().forEach((rule, n) -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("rule", rule);
            m.put("rows", Fmt.integer(n.intValue()));
            List<String> studies = q.ruleStudies().getOrDefault(rule, List.of());
            m.put("studies", studies.isEmpty() ? Fmt.DASH : named(studies));
            rules.add(m);
        });
        s.put("excludedRules", rules);
        List<Map<String, Object>> pools = new ArrayList<>();
        q.byPool().forEach((pool, studies) -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("pool", pool);
            m.put("studies", ForestPlot.excludedNote(studies.size()).replace(": see rejects", "") + ": " + named(studies));
            pools.add(m);
        });
        s.put("excludedPools", pools);
        s.put("hasExcludedPools", !pools.isEmpty());
    }

    private static String named(List<String> ids) {
        return ids.size() <= NAMED_STUDIES ? String.join(", ", ids)
                : String.join(", ", ids.subList(0, NAMED_STUDIES)) + " and " + (ids.size() - NAMED_STUDIES) + " more";
    }

    private static String outOf(Row x, String count, String of) {
        return x.str(count) == null || x.integer(of) == null || x.integer(of) == 0 ? Fmt.DASH
                : x.text(count) + " of " + x.text(of);
    }

    /**
     * The specification curve of the primary pool, outcome and measure (figure and table, from
     * specification_curve.csv as written) and the primary analysis's fragility index (from summary.json).
     */
    /** The most rows of the specification-curve table in the page. */
    static final int MAX_TABLE_ROWS = 500;

    private static void specificationCurve(Results r, Map<String, Object> s, Path figuresDir) {
        Results.Primary p = r.primary;
        s.put("specCurveFigure", SpecificationCurvePlot.of(r.specificationCurve, p.pool(), p.outcome(), p.measure())
                .map(f -> List.of(figure(f, figuresDir))).orElse(List.of()));
        boolean ratio = Results.isRatio(p.measure());
        List<Map<String, Object>> rows = new ArrayList<>();
        List<Row> curve = r.specificationCurve.stream().filter(x -> x.is("outcome", p.outcome())).toList();
        // a page holds a few hundred rows; the CSV holds every one
        List<Row> shown = SpecificationCurvePlot.thin(curve, MAX_TABLE_ROWS, x -> x.bool("reference"));
        for (Row x : shown) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("rank", x.text("rank"));
            m.put("estimate", Fmt.estCi(x.num("estimate"), x.num("ci_low"), x.num("ci_high"), ratio));
            m.put("excludes", x.bool("excludes_null") ? "yes" : "no");
            m.put("flips", x.bool("flips"));
            m.put("reference", x.bool("reference"));
            for (String c : List.of("method", "ci_method", "prediction_interval", "zero_rule", "subset_kind")) {
                m.put(c, x.text(c).replace(";", ", "));
            }
            String subset = x.text("subset").replace(";", ", ");
            m.put("subset", subset.length() > 120 ? subset.substring(0, 117) + "\u2026" : subset);
            m.put("specs", x.text("n_specs"));
            rows.add(m);
        }
        s.put("specCurve", rows);
        s.put("hasSpecCurve", !rows.isEmpty());
        s.put("specCurveCount", shown.size() == curve.size() ? Fmt.integer(curve.size())
                : String.format(java.util.Locale.ROOT, "%,d of %,d (evenly spaced by rank, with the reference; "
                + "specification_curve.csv has every one)", shown.size(), curve.size()));
        s.put("fragility", r.fragilityText);
        s.put("hasFragility", r.fragilityText != null);
        s.put("poolChoice", r.poolChoiceText);
        s.put("hasPoolChoice", r.poolChoiceText != null);
    }

    private static String py(Double v) {
        return v == null ? "\u2014" : String.format(java.util.Locale.ROOT, "%,.1f", v);
    }

    /** Registry incidence figures, rate ratios per registry and the IRR pools with design as a subgroup. */
    private static void registries(Results r, Map<String, Object> s, Path figuresDir) {
        List<Map<String, Object>> figures = new ArrayList<>();
        for (String outcome : r.registryIncidence.stream().map(x -> x.text("outcome")).distinct().sorted().toList()) {
            IncidencePlot.of(r.registryIncidence, outcome).ifPresent(f -> figures.add(figure(f, figuresDir)));
        }
        List<Map<String, Object>> ratios = new ArrayList<>();
        for (Row x : r.rateRatios) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("registry", x.text("registry_id"));
            m.put("outcome", x.text("outcome"));
            m.put("comparison", x.text("experimental_group") + " vs " + x.text("comparator_group"));
            m.put("pooled", x.is("pooled", "true"));
            m.put("exp", x.text("events_exp") + " / " + py(x.num("person_years_exp")));
            m.put("ctl", x.text("events_ctl") + " / " + py(x.num("person_years_ctl")));
            m.put("irr", x.num("irr") == null ? x.text("irr") : Fmt.estCi(x.num("irr"), x.num("ci_low"), x.num("ci_high"), true));
            m.put("intervalMethod", x.text("interval_method"));
            String mh = x.text("mh_irr");
            m.put("mh", mh == null || mh.isEmpty() ? "\u2014" : x.num("mh_irr") == null ? mh
                    : Fmt.estCi(x.num("mh_irr"), x.num("mh_ci_low"), x.num("mh_ci_high"), true)
                    + (x.text("mh_interval_method") != null && x.text("mh_interval_method").contains("design effect")
                    ? " (" + x.text("mh_interval_method").replaceFirst("^.*design effect ([0-9.]+).*$", "design effect $1") + ")"
                    : ""));
            m.put("status", x.text("status"));
            ratios.add(m);
        }
        List<Map<String, Object>> pools = new ArrayList<>();
        for (Row x : r.rateAnalyses) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("pool", x.text("pool"));
            m.put("outcome", x.text("outcome"));
            m.put("subset", x.text("subset"));
            m.put("method", x.text("method"));
            m.put("k", Fmt.integer(x.integer("k")) + " / " + Fmt.integer(x.integer("studies")));
            m.put("estimate", Fmt.estCi(x.num("estimate"), x.num("ci_low"), x.num("ci_high"), true));
            m.put("i2", Fmt.i2(x.num("i2")));
            m.put("status", x.text("status"));
            m.put("combined", x.text("designs_combined") != null && !x.text("designs_combined").isEmpty());
            pools.add(m);
        }
        List<Map<String, Object>> tests = new ArrayList<>();
        for (Row x : r.designTests) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("pool", x.text("pool"));
            m.put("outcome", x.text("outcome"));
            m.put("method", x.text("method"));
            m.put("q", Fmt.est(x.num("q_between"), false));
            m.put("df", Fmt.integer(x.integer("df")));
            m.put("p", Fmt.p(x.num("p_value")));
            m.put("status", x.text("status"));
            tests.add(m);
        }
        List<Map<String, Object>> attrition = new ArrayList<>();
        for (Row x : r.registryAttrition) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("registry", x.text("registry_id"));
            m.put("group", x.text("exposure_group"));
            m.put("outcome", x.text("outcome"));
            m.put("step", x.text("step"));
            m.put("patients", x.text("patients"));
            m.put("py", x.num("person_years") == null ? x.text("person_years") : py(x.num("person_years")));
            attrition.add(m);
        }
        s.put("registryAttrition", attrition);
        s.put("hasAttrition", !attrition.isEmpty());
        s.put("incidenceFigures", figures);
        s.put("rateRatios", ratios);
        s.put("ratePools", pools);
        // estimates pooled across designs exist only where a pool said combine_designs: true, and are flagged
        s.put("designsCombined", r.analyses.stream().anyMatch(x -> x.text("designs_combined") != null
                && !x.text("designs_combined").isEmpty()) || pools.stream().anyMatch(m -> Boolean.TRUE.equals(m.get("combined"))));
        s.put("designTests", tests);
        s.put("hasRegistries", !figures.isEmpty() || !pools.isEmpty());
    }

    private static List<String> outcomesOfPrimaryPool(Results r) {
        Set<String> out = new LinkedHashSet<>();
        for (String o : r.outcomes) {
            if (!r.wholePool(r.primary.pool(), o).isEmpty()) {
                out.add(o);
            }
        }
        if (out.isEmpty()) {
            out.add(r.primary.outcome());
        }
        return List.copyOf(out);
    }

    private static Map<String, Object> section(Results r, String outcome, Optional<Row> primaryLike,
                                               Path figuresDir) {
        String pool = r.primary.pool();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("outcome", outcome);
        m.put("anchor", "outcome-" + Fmt.slug(outcome));
        Optional<Row> fixed = r.fixedAnalysis(pool, outcome);
        Optional<Row> random = r.randomAnalysis(pool, outcome);
        m.put("fixedId", fixed.map(x -> x.text("analysis_id")).orElse("none"));
        m.put("randomId", random.map(x -> x.text("analysis_id")).orElse("none"));
        List<Map<String, Object>> forests = new ArrayList<>();
        ForestPlot.of(r, fixed, random, null).ifPresent(f -> forests.add(figure(f, figuresDir)));
        String baseId = fixed.or(() -> random).map(x -> x.text("analysis_id")).orElse(null);
        for (String variable : subgroupVariables(r, baseId)) {
            ForestPlot.of(r, fixed, random, variable).ifPresent(f -> forests.add(figure(f, figuresDir)));
        }
        m.put("forests", forests);
        m.put("noForest", forests.isEmpty());

        List<Map<String, Object>> bias = new ArrayList<>();
        FunnelPlot.of(r, outcome).ifPresent(f -> bias.add(figure(f, figuresDir)));
        m.put("funnel", bias);
        m.put("noFunnel", bias.isEmpty());
        List<Map<String, Object>> tests = smallStudyTests(r, outcome);
        m.put("smallStudyTests", tests);
        m.put("hasSmallStudyTests", !tests.isEmpty());
        List<Map<String, Object>> tf = trimAndFill(r, outcome);
        m.put("trimAndFill", tf);
        m.put("hasTrimAndFill", !tf.isEmpty());

        Optional<Row> sensitivityBase = primaryLike.or(() -> fixed);
        List<Map<String, Object>> sens = new ArrayList<>();
        sensitivityBase.flatMap(x -> EstimatesPlot.leaveOneOut(r, x)).ifPresent(f -> sens.add(figure(f, figuresDir)));
        m.put("loo", sens);
        m.put("noLoo", sens.isEmpty());
        List<Map<String, Object>> cum = new ArrayList<>();
        sensitivityBase.flatMap(x -> EstimatesPlot.cumulative(r, x)).ifPresent(f -> cum.add(figure(f, figuresDir)));
        m.put("cumulative", cum);
        m.put("noCumulative", cum.isEmpty());
        return m;
    }

    /** The subgroup variables of an analysis's forest blocks, in first-seen order. */
    private static List<String> subgroupVariables(Results r, String analysisId) {
        if (analysisId == null) {
            return List.of();
        }
        Set<String> vars = new LinkedHashSet<>();
        for (String b : r.forestBlocks(analysisId)) {
            if (b.startsWith("subgroup:") && b.indexOf('=') > 9) {
                vars.add(b.substring(9, b.indexOf('=')));
            }
        }
        return List.copyOf(vars);
    }

    private static Map<String, Object> figure(Figure f, Path figuresDir) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", f.id());
        m.put("title", f.title());
        m.put("svg", FigureRenderer.render(f, figuresDir));
        m.put("svgFile", "figures/" + f.id() + ".svg");
        m.put("pngFile", "figures/" + f.id() + ".png");
        return m;
    }

    private static List<Map<String, Object>> smallStudyTests(Results r, String outcome) {
        boolean ratio = Results.isRatio(r.primary.measure());
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Row t : r.smallStudyTests) {
            if (!t.is("outcome", outcome)) {
                continue;
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("test", t.text("test"));
            m.put("analysis", t.text("method") + " " + t.text("ci_method"));
            m.put("k", Fmt.integer(t.integer("k")));
            m.put("statistic", t.str("statistic") == null ? Fmt.DASH
                    : t.text("statistic_name") + " = " + Fmt.num(t.num("statistic"), 3));
            m.put("df", t.str("df") == null ? Fmt.DASH : t.text("df"));
            m.put("p", Fmt.p(t.num("p_value")));
            m.put("limit", Fmt.est(t.num("limit_estimate"), ratio));
            m.put("few", t.bool("few_studies") ? "yes" : "no");
            m.put("status", t.text("status"));
            rows.add(m);
        }
        return rows;
    }

    private static List<Map<String, Object>> trimAndFill(Results r, String outcome) {
        boolean ratio = Results.isRatio(r.primary.measure());
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Row t : r.trimAndFill) {
            if (!t.is("outcome", outcome) || !t.is("row", "adjusted")) {
                continue;
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("analysis", t.text("method") + " " + t.text("ci_method"));
            m.put("estimator", t.text("estimator"));
            m.put("side", t.text("side"));
            m.put("k0", Fmt.integer(t.integer("k0")));
            m.put("estimate", Fmt.estCi(t.num("estimate"), t.num("ci_low"), t.num("ci_high"), ratio));
            m.put("status", t.text("status"));
            rows.add(m);
        }
        return rows;
    }

    /**
     * The primary pool's network for the primary outcome: the primary measure when the network has it (else its first),
     * drug nodes when present (else drug-doses), the largest component; its graph, forest against the reference
     * (random effects where estimated), league table, consistency checks and the other components.
     */
    private static void network(Results r, Map<String, Object> s, Path figuresDir) {
        List<Row> effects = r.networkEffects.stream().filter(x -> x.is("outcome", r.primary.outcome())).toList();
        if (effects.isEmpty()) {
            s.put("hasNetwork", false);
            return;
        }
        String measure = effects.stream().anyMatch(x -> x.is("measure", r.primary.measure())) ? r.primary.measure()
                : effects.get(0).text("measure");
        String kind = effects.stream().anyMatch(x -> x.is("nodes", "drug")) ? "drug" : effects.get(0).text("nodes");
        List<Row> mine = effects.stream().filter(x -> x.is("measure", measure) && x.is("nodes", kind)).toList();
        String model = mine.stream().anyMatch(x -> x.is("model", "random") && x.is("component", "1")) ? "random" : "common";
        List<Row> main = mine.stream().filter(x -> x.is("component", "1") && x.is("model", model)).toList();
        java.util.function.Predicate<Row> same = x -> x.is("outcome", r.primary.outcome()) && x.is("measure", measure)
                && x.is("nodes", kind) && x.is("component", "1");
        List<Row> edges = r.networkEdges.stream().filter(same).toList();
        String where = r.primary.pool() + ", " + r.primary.outcome() + ", " + measure + ", nodes: " + kind;
        List<Map<String, Object>> figures = new ArrayList<>();
        figures.add(figure(new NetworkPlots.Graph("network-graph", "Network of trials (" + where + ")", main, edges), figuresDir));
        List<Row> vsReference = main.stream().filter(x -> x.num("estimate") != null).toList();
        figures.add(figure(new NetworkPlots.Forest("network-forest", "Every treatment against " + main.get(0).text("reference")
                + " (" + model + " effects; " + where + ")", vsReference, measure), figuresDir));
        s.put("networkFigures", figures);
        s.put("networkWhere", where);
        s.put("networkModel", model);
        s.put("networkTau2", Fmt.num(main.get(0).num("tau2"), 4));
        s.put("networkStatus", main.get(0).text("status"));
        s.put("networkExcluded", main.get(0).text("excluded"));
        // league table: row treatment against column treatment, upper triangle as written (first vs second)
        List<String> nodes = main.stream().map(x -> x.text("treatment")).toList();
        List<Map<String, Object>> league = new ArrayList<>();
        for (String a : nodes) {
            List<Map<String, Object>> cells = new ArrayList<>();
            for (String b : nodes) {
                Map<String, Object> cell = new LinkedHashMap<>();
                if (a.equals(b)) {
                    cell.put("text", a);
                    cell.put("diagonal", true);
                } else {
                    Optional<Row> pair = r.networkLeague.stream().filter(same).filter(x -> x.is("model", model)
                            && x.is("first", a) && x.is("second", b)).findFirst();
                    Optional<Row> reverse = r.networkLeague.stream().filter(same).filter(x -> x.is("model", model)
                            && x.is("first", b) && x.is("second", a)).findFirst();
                    cell.put("text", pair.map(x -> Fmt.estCi(x.num("estimate"), x.num("ci_low"), x.num("ci_high"), true))
                            .orElseGet(() -> reverse.map(x -> Fmt.estCi(1 / x.num("estimate"), 1 / x.num("ci_high"),
                                    1 / x.num("ci_low"), true)).orElse("")));
                    cell.put("diagonal", false);
                }
                cells.add(cell);
            }
            league.add(Map.of("cells", cells));
        }
        s.put("networkLeague", league);
        List<Map<String, Object>> checks = new ArrayList<>();
        for (Row x : r.networkConsistency.stream().filter(same).filter(x -> x.is("model", model)
                || x.is("check", "design-by-treatment")).toList()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("check", x.text("check"));
            m.put("comparison", x.text("comparison"));
            m.put("statistic", Fmt.num(x.num("statistic"), 2));
            m.put("df", x.integer("df") == null ? "" : Fmt.integer(x.integer("df")));
            m.put("p", Fmt.p(x.num("p_value")));
            m.put("direct", x.num("direct_estimate") == null ? "" : Fmt.est(x.num("direct_estimate"), true)
                    + " (" + Fmt.integer(x.integer("direct_studies")) + " trials)");
            m.put("indirect", x.num("indirect_estimate") == null ? "" : Fmt.est(x.num("indirect_estimate"), true));
            checks.add(m);
        }
        s.put("networkChecks", checks);
        List<String> others = new ArrayList<>();
        mine.stream().filter(x -> !x.is("component", "1") && x.is("model", "common") && x.is("treatment", x.text("reference")))
                .forEach(x -> others.add("component " + x.text("component") + ": " + String.join(", ",
                        mine.stream().filter(y -> y.is("component", x.text("component")) && y.is("model", "common"))
                                .map(y -> y.text("treatment")).toList())));
        s.put("networkComponents", others);
        s.put("hasNetworkComponents", !others.isEmpty());
        s.put("hasNetwork", true);
    }

    /**
     * The Bayesian model's whole-pool rows (primary measure and zero rule), pool by pool: posterior median with its
     * credible and posterior predictive intervals, τ, and the posterior probabilities of harm that replace a p-value.
     */
    private static List<Map<String, Object>> bayesian(Results r) {
        List<Map<String, Object>> rows = new ArrayList<>();
        boolean ratio = Results.isRatio(r.primary.measure());
        for (String pool : r.pools) {
            for (String outcome : r.outcomes) {
                for (Row x : r.wholePool(pool, outcome)) {
                    if (!x.is("method", "BAYES")) {
                        continue;
                    }
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("pool", pool);
                    m.put("outcome", outcome);
                    m.put("primary", pool.equals(r.primary.pool()));
                    m.put("k", Fmt.integer(x.integer("k")) + "/" + Fmt.integer(x.integer("studies")));
                    m.put("estimate", Fmt.estCi(x.num("estimate"), x.num("ci_low"), x.num("ci_high"), ratio));
                    m.put("predictive", Fmt.interval(x.num("pi_low"), x.num("pi_high"), ratio));
                    Double tau2 = x.num("tau2");
                    Double lo = x.num("tau2_ci_low");
                    Double hi = x.num("tau2_ci_high");
                    m.put("tau", tau2 == null ? "-" : Fmt.estCi(Math.sqrt(tau2), lo == null ? null : Math.sqrt(lo),
                            hi == null ? null : Math.sqrt(hi), false));
                    m.put("above1", Fmt.num(x.num("prob_above_1"), 3));
                    m.put("threshold", Fmt.est(x.num("prob_threshold"), true));
                    m.put("aboveThreshold", Fmt.num(x.num("prob_above_threshold"), 3));
                    m.put("prior", x.text("prior"));
                    m.put("status", x.text("status"));
                    rows.add(m);
                }
            }
        }
        return rows;
    }

    /** Whole-pool estimates of every pool under the primary specification (primary pool first). */
    private static List<Map<String, Object>> otherPools(Results r) {
        List<Map<String, Object>> rows = new ArrayList<>();
        boolean ratio = Results.isRatio(r.primary.measure());
        for (String pool : r.pools) {
            for (String outcome : r.outcomes) {
                Optional<Row> a = r.primaryLike(pool, outcome);
                if (a.isEmpty()) {
                    continue;
                }
                Row x = a.get();
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("pool", pool);
                m.put("outcome", outcome);
                m.put("primary", pool.equals(r.primary.pool()));
                m.put("k", Fmt.integer(x.integer("k")) + "/" + Fmt.integer(x.integer("studies")));
                m.put("exp", Fmt.count(x, "events_exp", "n_exp"));
                m.put("ctl", Fmt.count(x, "events_ctl", "n_ctl"));
                m.put("estimate", Fmt.estCi(x.num("estimate"), x.num("ci_low"), x.num("ci_high"), ratio));
                m.put("p", Fmt.p(x.num("p_value")));
                m.put("i2", Fmt.i2(x.num("i2")));
                m.put("status", x.text("status"));
                List<String> excluded = r.quarantinedIn(pool);
                m.put("excluded", excluded.isEmpty() ? null : ForestPlot.excludedNote(excluded.size()));
                rows.add(m);
            }
        }
        return rows;
    }
}
