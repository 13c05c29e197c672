package io.aepool.report;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** ReportWriter on a trimmed copy of a real sample run (src/test/resources/report/sample-results). */
class ReportWriterTest {

    private static Path results;
    private static Path index;
    private static String html;

    @BeforeAll
    static void writeReport() throws IOException {
        results = Fixture.copy("writer");
        index = ReportWriter.write(results);
        html = Files.readString(index, StandardCharsets.UTF_8);
    }

    @Test
    void writesIndexHtmlInsideTheResultsDirectory() {
        assertEquals(results.resolve("report").resolve("index.html"), index);
        assertTrue(html.startsWith("<!DOCTYPE html>"), "an HTML5 document");
        assertTrue(html.contains(Fixture.PRIMARY.replace("|", "|")), "names the primary analysis from summary.json");
        assertTrue(unescape(html).contains("zero-cell rule <code>none,drop00 for MH; per-study effects and methods on them: "
                + "only0:0.5,drop00</code>"), "an MH primary takes no correction");
    }

    @Test
    void everyInlineFigureIsAlsoWrittenAsSvgAndPngOfTheSameDrawing() throws IOException {
        List<String> ids = inlineSvgIds(html);
        assertEquals(List.of(
                "forest-synthetic-32-serious_infection-all",
                "forest-synthetic-32-serious_infection-by-condition",
                "forest-synthetic-32-serious_infection-by-drug",
                "funnel-synthetic-32-serious_infection",
                "loo-synthetic-32-serious_infection",
                "cumulative-synthetic-32-serious_infection",
                "incidence-serious_infection",
                "robustness-synthetic-32",
                "specification-curve-synthetic-32-serious_infection-RR"), ids);
        Path figures = results.resolve("report").resolve("figures");
        for (String id : ids) {
            String svg = Files.readString(figures.resolve(id + ".svg"));
            assertTrue(svg.startsWith("<?xml") && svg.contains("<svg id='" + id + "'"), id + ".svg is the figure");
            Matcher size = Pattern.compile("width='([0-9.]+)' height='([0-9.]+)'").matcher(svg);
            assertTrue(size.find());
            BufferedImage png = ImageIO.read(figures.resolve(id + ".png").toFile());
            assertEquals(Math.round(Double.parseDouble(size.group(1)) * FigureRenderer.PNG_SCALE), png.getWidth(),
                    id + ".png has the drawing's width at 2x");
            assertEquals(Math.round(Double.parseDouble(size.group(2)) * FigureRenderer.PNG_SCALE), png.getHeight());
            assertFalse(isBlank(png), id + ".png is not blank");
        }
        try (var files = Files.list(figures)) {
            assertEquals(2 * ids.size(), files.count(), "exactly one svg and one png per figure");
        }
    }

    @Test
    void pageIsSelfContained() {
        assertFalse(html.contains("<script"), "no JavaScript");
        assertFalse(Pattern.compile("(src|href)\\s*=\\s*['\"]?(https?:)?//").matcher(html).find(),
                "no network reference at view time");
        assertFalse(html.contains("@import") || html.contains("url("), "no external CSS or fonts");
        assertTrue(html.contains("<style>"), "CSS is inline");
        Matcher links = Pattern.compile("<link[^>]*>").matcher(html);
        while (links.find()) {
            assertTrue(links.group().contains("href=\"data:"), "only data: links: " + links.group());
        }
    }

    @Test
    void forestHasOneGroupPerStudyTheTwoDiamondsAndThePredictionInterval() throws IOException {
        String forest = svg(html, "forest-synthetic-32-serious_infection-all");
        List<Map<String, String>> studies = Fixture.rows(results.resolve("forest.csv"),
                r -> r.get("analysis_id").equals(Fixture.PRIMARY) && r.get("block").equals("all"));
        assertEquals(32, studies.size());
        assertEquals(studies.size(), countClass(forest, "forest-study"));
        long notContributing = studies.stream().filter(r -> r.get("contributes").equals("false")).count();
        assertEquals(20, notContributing, "13 double-zero studies and 7 with no control events");
        assertEquals(notContributing, countClass(forest, "not-contributing"));
        long notContributingReml = Fixture.rows(results.resolve("forest.csv"),
                r -> r.get("analysis_id").equals(Fixture.REML) && r.get("block").equals("all")
                        && r.get("contributes").equals("false")).size();
        assertEquals(13, notContributingReml, "the single-zero studies enter REML with the 0.5 correction");
        assertEquals(notContributing + notContributingReml, count(forest, "not contributing"),
                "marked in each weight column where forest.csv says contributes = false");
        assertEquals(2, countClass(forest, "diamond"));
        assertEquals(1, countClass(forest, "diamond-fixed"));
        assertEquals(1, countClass(forest, "diamond-random"));
        assertEquals(1, countClass(forest, "prediction-interval"));
        // the diamonds and the interval as the analyses.csv rows have them
        assertTrue(forest.contains("0.68 [0.41; 1.13]"), "MH: 0.6796 (0.4074 to 1.1339)");
        // the random-effects diamond: REML with the ad hoc Hartung-Knapp interval (Cochrane Handbook v6.5)
        assertTrue(forest.contains("0.61 [0.33; 1.10]"), "REML hksj-adhoc: 0.6056 (0.3321 to 1.1043)");
        assertTrue(forest.contains("[0.24; 1.50]"), "prediction interval t(17): 0.2443 to 1.5010");
        assertTrue(forest.contains("Favours experimental (JAK)") && forest.contains("Favours control"));
        assertTrue(forest.contains("no events in either arm"), "double-zero studies are listed");
    }

    @Test
    void subgroupForestHasABlockPerSubgroupWithItsDiamondsAndTheTestForDifferences() {
        String forest = svg(html, "forest-synthetic-32-serious_infection-by-condition");
        // 6 conditions; 3 estimable (atopic dermatitis, hidradenitis suppurativa, psoriasis) x MH and REML, + overall
        assertEquals(32, countClass(forest, "forest-study"));
        assertEquals(3 * 2 + 2, countClass(forest, "diamond"));
        assertEquals(3 * 2, countClass(forest, "diamond-not-estimable"), "alopecia, lichen planus, vitiligo");
        assertTrue(forest.contains("not estimable: no studies left"), "not estimable rows are text");
        // subgroup_tests.csv, tau2_model separate: MH Q 0.408 on 2 df, p 0.815
        assertTrue(unescape(forest).contains("Test for subgroup differences (MH): Q = 0.41, df = 2, p = 0.82"), forest);
        assertTrue(unescape(forest).contains("Test for subgroup differences (REML):"));
    }

    @Test
    void summaryOfFindingsTakesItsNumbersFromThePrimaryRow() throws IOException {
        Map<String, String> primary = Fixture.rows(results.resolve("analyses.csv"),
                r -> r.get("analysis_id").equals(Fixture.PRIMARY)).get(0);
        assertEquals("22", primary.get("events_ctl"));
        assertEquals("4277", primary.get("n_ctl"));
        assertTrue(primary.get("estimate").startsWith("0.6796382"));
        assertTrue(primary.get("median_ctl_risk").startsWith("0.0047961"));
        String row = unescape(between(html, "<tr class=\"sof-row\"", "</tr>"));
        // assumed: the median control risk of the 19 contributing trials, 4.796 per 1,000 (not the crude 22 / 4277 =
        // 5.1); on JAK: 4.796 x 0.6796 = 3.26 (x 0.4074 = 1.95; x 1.1339 = 5.44)
        assertEquals("4.8 per 1,000 (median of studies)", cell(row, "sof-assumed"));
        assertEquals("3.3 per 1,000 (2.0 to 5.4)", cell(row, "sof-corresponding"));
        assertEquals("1.5 fewer per 1,000", cell(row, "sof-difference"));
        assertEquals("RR 0.68 (0.41 to 1.13)", cell(row, "sof-relative"));
        // every GRADE domain is shown; the two the data judge are judged
        assertEquals("serious (CI crosses 1; 69 events < 300)", span(row, "sof-imprecision"));
        assertTrue(span(row, "sof-inconsistency").startsWith("not serious (I\u00b2 = 0%"), row);
        assertEquals("not assessed", span(row, "sof-rob"));
        assertEquals("not assessed", span(row, "sof-indirectness"));
        assertEquals("not assessed", span(row, "sof-publication-bias"));
        assertTrue(row.contains("19 of 32 studies contributing"));
        assertTrue(row.contains("11,917"), "participants 7640 + 4277");
        String notes = cell(row, "sof-notes");
        assertTrue(notes.contains("wide CI crosses 1"), notes);
        assertTrue(notes.contains("few events (69 < 300)"), notes);
        assertFalse(notes.contains("few studies"), "k = 19");
    }

    @Test
    void otherPoolsAreListedWithTheirWholePoolPrimaryMethodEstimates() {
        String table = between(html, "<table id=\"pools-table\">", "</table>");
        assertEquals(5, count(table, "class=\"pool-row"), "the five pools of summary.json with RR rows (the mixed pool has none)");
        assertEquals(1, count(table, "pool-row primary"));
        // published-upa MH RR from analyses.csv
        assertTrue(table.contains("published-upa"));
        assertTrue(table.contains("synthetic-doses-split"));
    }

    @Test
    void registriesShowIncidenceByExposureGroupRateRatiosAndTheDesignTest() throws IOException {
        List<Map<String, String>> whole = Fixture.rows(results.resolve("registry_incidence.csv"),
                r -> r.get("stratum_variable").equals("all"));
        assertEquals(9, whole.size(), "three registries x three exposure groups");
        String figure = svg(html, "incidence-serious_infection");
        assertEquals(whole.size(), countClass(figure, "incidence-row"), "one row per registry and group");
        // the numbers are the table's: SYN-REG-HS jak 26 events in 319 patients, 5.94 per 100 PY
        Map<String, String> hsJak = whole.stream().filter(r -> r.get("registry_id").equals("SYN-REG-HS")
                && r.get("exposure_group").equals("jak")).findFirst().orElseThrow();
        assertTrue(figure.contains(hsJak.get("events") + "/" + hsJak.get("patients")));
        assertTrue(figure.contains(String.format(java.util.Locale.ROOT, "%.2f", Double.parseDouble(hsJak.get("rate_per_100py")))));
        String ratios = between(html, "<table id=\"rate-ratio-table\">", "</table>");
        assertEquals(6, count(ratios, "<tr") - 1, "jak vs biologic and vs conventional in three registries");
        assertEquals(3, count(ratios, "class=\"primary\""), "the pooled comparator's rows are marked");
        String pools = between(html, "<table id=\"rate-pool-table\">", "</table>");
        assertTrue(pools.contains("rct-and-registry[registry]") && pools.contains("subgroup:design&#61;rct"));
        String tests = between(html, "<table id=\"design-test-table\">", "</table>");
        assertTrue(tests.contains("rct-and-registry"), "the test for subgroup differences by design");
    }

    @Test
    void anEstimateAcrossDesignsIsFlaggedAndWarnedAbout() throws IOException {
        assertFalse(html.contains("designs-combined-warning"), "no pool of the fixture combined designs");
        Path dir = Fixture.copy("writer-designs-combined");
        // as a pool with combine_designs: true writes it: the whole-pool MH row pooled, its designs named
        Fixture.rewrite(dir.resolve("analyses.csv"), r -> true, r -> {
            if (r.get("pool").equals("rct-and-registry") && r.get("measure").equals("IRR") && r.get("method").equals("MH")
                    && r.get("subset").equals("all")) {
                r.put("estimate", "1.16");
                r.put("ci_low", "0.93");
                r.put("ci_high", "1.45");
                r.put("status", "ok");
                r.put("designs_combined", "rct+registry");
            }
            return r;
        });
        String page = unescape(Files.readString(ReportWriter.write(dir)));
        assertTrue(page.contains("designs-combined-warning"));
        String pools = between(page, "<table id=\"rate-pool-table\">", "</table>");
        assertEquals(1, count(pools, "class=\"designs-combined\""), "the one whole-pool MH row across designs");
    }

    @Test
    void bayesianRowsHaveTheirOwnTableWithCredibleAndPredictiveIntervalsAndPosteriorProbabilities() throws IOException {
        assertFalse(html.contains("id=\"bayes-table\""), "the fixture's run had no Bayesian analysis");
        Path dir = Fixture.copy("writer-bayes");
        // the primary pool's whole-pool row as the Bayesian model writes it
        Map<String, String> mh = Fixture.rows(dir.resolve("analyses.csv"), r -> r.get("pool").equals("synthetic-32")
                && r.get("measure").equals("RR") && r.get("method").equals("MH") && r.get("subset").equals("all")).get(0);
        Map<String, String> bayes = new java.util.LinkedHashMap<>(mh);
        bayes.putAll(Map.of("analysis_id", "synthetic-32|serious_infection|RR|BAYES[hn(0.5),flat,>1.25]|credible|posterior|only0:0.5,drop00|all",
                "method", "BAYES", "ci_method", "credible", "prediction_interval", "posterior", "zero_rule", "only0:0.5,drop00",
                "estimate", "0.6077", "ci_low", "0.3434", "ci_high", "1.0981", "p_value", "", "pi_low", "0.2199"));
        bayes.putAll(Map.of("pi_high", "1.8133", "pi_dist", "posterior", "tau2", "0.0903", "tau2_ci_low", "0.000207",
                "tau2_ci_high", "0.8074", "prior", "hn(0.5),flat,>1.25", "prob_above_1", "0.0482", "prob_threshold", "1.25",
                "prob_above_threshold", "0.00913"));
        Fixture.append(dir.resolve("analyses.csv"), List.of(bayes));
        String page = unescape(Files.readString(ReportWriter.write(dir)));
        String table = between(page, "<table id=\"bayes-table\">", "</table>");
        assertEquals(1, count(table, "class=\"bayes-row"), table);
        assertTrue(table.contains("0.61 [0.34; 1.10]"), "posterior median and credible interval: " + table);
        assertTrue(table.contains("[0.22; 1.81]"), "posterior predictive interval: " + table);
        assertTrue(table.contains("0.3005 [0.0144; 0.8986]"), "tau, the square root of the tau² columns: " + table);
        assertTrue(table.contains(">0.048<") && table.contains(">0.009<") && table.contains(">1.25<"), table);
        assertTrue(table.contains("hn(0.5),flat,>1.25"), "the prior: " + table);
    }

    @Test
    void theNetworkHasItsGraphForestLeagueTableAndConsistencyChecks() throws IOException {
        assertFalse(html.contains("id=\"network\""), "the fixture's run had no network analysis");
        Path dir = Fixture.copy("writer-network");
        String key = "synthetic-32,serious_infection,RR,drug,1,random,";
        Files.writeString(dir.resolve("network_effects.csv"), String.join("\n",
                "pool,outcome,measure,nodes,component,model,treatment,reference,studies,participants,estimate,ci_low,ci_high,"
                        + "log_estimate,se,pi_low,pi_high,pi_dist,p_score,tau2,status,excluded",
                key + "placebo,placebo,3,300,,,,,,,,,0.2,0.01,ok,T9 (no events in any arm)",
                key + "baricitinib,placebo,3,200,1.5,0.9,2.5,0.405,0.26,0.8,2.8,t(1),0.5,0.01,ok,T9 (no events in any arm)",
                key + "upadacitinib,placebo,3,210,2.0,1.1,3.6,0.693,0.3,1.0,4.0,t(1),0.8,0.01,ok,T9 (no events in any arm)", ""));
        Files.writeString(dir.resolve("network_edges.csv"), String.join("\n",
                "pool,outcome,measure,nodes,component,first,second,studies",
                "synthetic-32,serious_infection,RR,drug,1,placebo,baricitinib,1",
                "synthetic-32,serious_infection,RR,drug,1,placebo,upadacitinib,1",
                "synthetic-32,serious_infection,RR,drug,1,baricitinib,upadacitinib,1", ""));
        Files.writeString(dir.resolve("network_league.csv"), String.join("\n",
                "pool,outcome,measure,nodes,component,model,first,second,estimate,ci_low,ci_high,log_estimate,se",
                key + "placebo,baricitinib,0.667,0.4,1.11,-0.405,0.26",
                key + "placebo,upadacitinib,0.5,0.28,0.91,-0.693,0.3",
                key + "baricitinib,upadacitinib,0.75,0.4,1.4,-0.288,0.32", ""));
        Files.writeString(dir.resolve("network_consistency.csv"), String.join("\n",
                "pool,outcome,measure,nodes,component,model,check,comparison,statistic,df,p_value,q_total,q_within_designs,"
                        + "direct_studies,direct_estimate,direct_se,indirect_estimate,indirect_se",
                "synthetic-32,serious_infection,RR,drug,1,common,design-by-treatment,,0.5,1,0.48,0.5,0,,,,,",
                key + "node split,placebo vs baricitinib,0.7,,0.48,,,1,0.6,0.3,0.8,0.5", ""));
        String page = unescape(Files.readString(ReportWriter.write(dir)));
        String section = between(page, "<section id=\"network\">", "</section>");
        assertTrue(section.contains("id=\"figure-network-graph\"") && section.contains("id=\"figure-network-forest\""), section);
        assertTrue(Files.isRegularFile(dir.resolve("report/figures/network-graph.svg")));
        assertEquals(3, count(section, "class='network-node'"), "one node per treatment");
        assertEquals(3, count(section, "class='network-edge'"), "one edge per compared pair");
        String league = between(section, "<table id=\"network-league\">", "</table>");
        assertEquals(9, count(league, "<td"), "3 × 3 league table");
        assertTrue(league.contains("0.67 [0.40; 1.11]") && league.contains("1.50 [0.90; 2.50]"),
                "each pair both ways (the lower triangle inverted): " + league);
        assertTrue(section.contains("design-by-treatment") && section.contains("placebo vs baricitinib"), section);
        assertTrue(section.contains("T9 (no events in any arm)"), "the trials left out are named");
    }

    @Test
    void funnelMarksStudiesFilledStudiesAndEggerLimit() {
        String funnel = svg(html, "funnel-synthetic-32-serious_infection");
        assertEquals(19, countClass(funnel, "funnel-study"), "19 studies with a usable effect in funnel.csv");
        assertEquals(4, countClass(funnel, "funnel-filled"), "trim_and_fill.csv L0 filled rows of the IV analysis");
        assertEquals(1, countClass(funnel, "funnel-limits"));
        assertEquals(1, countClass(funnel, "egger-limit"));
        assertEquals(1, countClass(funnel, "egger-line"), "Egger's regression line from limit_estimate and slope");
        assertTrue(funnel.contains("Egger limit estimate (se = 0) 0.24"), "small_study_tests.csv limit 0.2363");
    }

    @Test
    void leaveOneOutAndCumulativeHaveARowPerSubset() {
        assertEquals(32, countClass(svg(html, "loo-synthetic-32-serious_infection"), "loo-row"));
        String cum = svg(html, "cumulative-synthetic-32-serious_infection");
        assertEquals(32, countClass(cum, "cum-row"));
        // ordered by the number of studies: the two 2015 trials come first
        assertTrue(cum.indexOf("SYN-PSO-03 (2015)") < cum.indexOf("SYN-AD-01 (2020)"));
        // the title says the order the job used (analyses.csv cumulative_order)
        assertTrue(html.contains("Cumulative, studies added by year: "), "cumulative title");
        assertEquals(4, countClass(svg(html, "robustness-synthetic-32"), "robustness-row"), "IRR, OR, RD, RR");
    }

    @Test
    void aCumulativeAnalysisWithoutYearsSaysItFollowsTheInputOrder() throws IOException {
        Path dir = Fixture.copy("writer-input-order");
        Fixture.rewrite(dir.resolve("analyses.csv"), r -> true, r -> {
            if ("cum".equals(r.get("subset_kind"))) {
                r.put("cumulative_order", "input order (no year)");
            }
            return r;
        });
        String page = unescape(Files.readString(ReportWriter.write(dir)));
        assertTrue(page.contains("Cumulative, studies added by input order (no year): "), "cumulative title");
        assertFalse(page.contains("added by year"));
    }

    @Test
    void toleratesAbsentOptionalFilesAndSubsets() throws IOException {
        Path dir = Fixture.copy("writer-minimal");
        for (String f : List.of("funnel.csv", "trim_and_fill.csv", "small_study_tests.csv", "subgroup_tests.csv",
                "robustness.csv", "specification_curve.csv", "study_counts.csv", "registry_incidence.csv",
                "registry_rate_ratios.csv")) {
            Files.delete(dir.resolve(f));
        }
        Fixture.rewrite(dir.resolve("analyses.csv"),
                r -> !r.get("subset").startsWith("cum:") && !r.get("subset").startsWith("subgroup:"), r -> r);
        Fixture.rewrite(dir.resolve("forest.csv"), r -> r.get("block").equals("all"), r -> r);
        String page = Files.readString(ReportWriter.write(dir));
        assertEquals(List.of("forest-synthetic-32-serious_infection-all", "loo-synthetic-32-serious_infection"),
                inlineSvgIds(page));
        assertTrue(page.contains("No cumulative analyses in this run"));
        assertTrue(page.contains("No funnel data"));
        assertTrue(page.contains("No robustness summary"));
        assertTrue(page.contains("No specification curve"));
    }

    @Test
    void specificationCurveDrawsEveryDistinctAnalysisOfThePrimaryAboveItsChoices() throws IOException {
        List<Map<String, String>> curve = Fixture.rows(results.resolve("specification_curve.csv"), r -> true).stream()
                .filter(r -> r.get("pool").equals("synthetic-32") && r.get("measure").equals("RR")).toList();
        String fig = svg(html, "specification-curve-synthetic-32-serious_infection-RR").replace('\'', '"');
        assertEquals(curve.size(), countClass(fig, "spec-point"), "one mark per distinct analysis");
        assertEquals(1, count(fig, "data-reference=\"true\""), "the primary analysis is marked once");
        // choice rows: only choices with more than one value: method MH, IV, DL, REML; interval wald-z, hksj-adhoc
        // (the untruncated hksj is no option); zero rule none, only0, all, tacc; studies all, loo, lso
        assertEquals(4 + 2 + 4 + 3, countClass(fig, "spec-choice"));
        assertFalse(fig.contains("data-value=\"hksj\""), "the untruncated Hartung-Knapp interval is not drawn");
        assertTrue(fig.contains("data-choice=\"subset_kind\" data-value=\"loo\""));
        String table = between(html, "<table id=\"spec-curve-table\"", "</table>");
        assertEquals(curve.size(), countClass(table, "spec-row"));
        assertTrue(html.contains("distinct analyses of serious_infection (RR), pool synthetic-32"));
    }

    @Test
    void robustnessFigureShowsTheVerdictHeadlineAndWhatTheFlipsComeFrom() {
        String[] lines = RobustnessPlot.verdictLines("fragile: 3 of 9 distinct analyses (from 9 specs) exclude RR = 1 while "
                + "the reference includes it (method choices (all studies): 2 of 7; data choices (primary method): 0 of 2); "
                + "the flips come from method choices: ci_method=hksj (3 of 3 flip)");
        assertEquals("fragile: 3 of 9 distinct analyses (from 9 specs) exclude RR = 1 while the reference includes it", lines[0]);
        assertEquals("the flips come from method choices: ci_method=hksj (3 of 3 flip)", lines[1]);
        assertEquals(null, RobustnessPlot.verdictLines("robust: 100% of 4 distinct analyses (from 5 specs) include RR = 1 "
                + "(method choices (all studies): 2 of 2; data choices (primary method): 3 of 3)")[1]);
    }

    @Test
    void robustnessTableShowsDistinctAnalysesAndTheFragilityIndexOfThePrimary() {
        String table = unescape(between(html, "<table id=\"robustness-table\"", "</table>"));
        assertTrue(table.contains("Distinct analyses"));
        assertTrue(table.contains("robust: 100% of 417 distinct analyses (from 768 specs) include RD = 0"), table);
        assertTrue(table.contains("fragile: 144 of 363 distinct analyses (from 768 specs) exclude RR = 1"), table);
        String fragility = unescape(between(html, "<p id=\"fragility\">", "</p>"));
        assertTrue(fragility.contains("Fragility index of the primary analysis"), fragility);
        assertTrue(fragility.contains("makes the 95% CI exclude RR = 1"), fragility);
        assertTrue(unescape(between(html, "<p id=\"pool-choice\">", "</p>"))
                .contains("5 of 5 pools include RR = 1 as the primary pool does"));
    }

    @Test
    void rendersNotEstimableAndEmptyCellsAsText() throws IOException {
        Path dir = Fixture.copy("writer-not-estimable");
        Fixture.rewrite(dir.resolve("analyses.csv"), r -> true, r -> {
            if (r.get("analysis_id").equals(Fixture.PRIMARY)) {
                for (String c : List.of("estimate", "ci_low", "ci_high", "p_value", "q", "i2", "tau2")) {
                    r.put(c, "");
                }
                r.put("status", "not estimable: test");
            }
            return r;
        });
        String page = unescape(Files.readString(ReportWriter.write(dir)));
        String forest = svg(page, "forest-synthetic-32-serious_infection-all");
        assertEquals(1, countClass(forest, "diamond"), "only the REML diamond");
        assertEquals(1, countClass(forest, "diamond-not-estimable"));
        assertTrue(forest.contains("not estimable: test"));
        assertTrue(cell(between(page, "<tr class=\"sof-row\"", "</tr>"), "sof-notes").contains("not estimable: test"));
    }

    @Test
    void aRunThatRejectedNoRowShowsNoDataExcludedBoxAndNoForestFootnote() {
        assertFalse(html.contains("id=\"data-excluded\""), "the fixture's summary.json quarantined nothing");
        assertFalse(unescape(html).contains("excluded by validation"), "no footnote, no mark in the pools table");
    }

    @Test
    void quarantinedRowsShowADataExcludedBoxOnTheFirstScreenAndAFootnoteInTheAffectedPoolsForest() throws IOException {
        Path dir = Fixture.copy("writer-quarantined");
        // as a run that quarantined rows writes summary.json: rows per rule and the studies of each pool
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        com.fasterxml.jackson.databind.node.ObjectNode summary =
                (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(dir.resolve("summary.json").toFile());
        summary.set("quarantined", json.readTree("""
                {"rows": 3, "studies": ["SYN-AD-01", "SYN-AD-02"], "rejects": "rejects.csv",
                 "by_rule": {"events.not_above_n": {"rows": 1, "studies": ["SYN-AD-01"]},
                             "role.study_has_no_control_arm_for_this_outcome": {"rows": 2, "studies": ["SYN-AD-01", "SYN-AD-02"]}},
                 "by_pool": {"synthetic-32": ["SYN-AD-01", "SYN-AD-02"], "synthetic-placebo": ["SYN-AD-02"]},
                 "studies_without_study_table_row": []}"""));
        json.writeValue(dir.resolve("summary.json").toFile(), summary);
        String page = unescape(Files.readString(ReportWriter.write(dir)));

        String box = between(page, "<section id=\"data-excluded\"", "</section>");
        assertTrue(page.indexOf("id=\"data-excluded\"") < page.indexOf("id=\"sof\""),
                "the box comes before the summary of findings: the first screen");
        assertTrue(box.contains("3 input rows") && box.contains("2 studies (SYN-AD-01, SYN-AD-02)"), box);
        assertTrue(box.contains("<a href=\"../rejects.csv\">rejects.csv</a>"), "points to the ledger beside the report");
        assertEquals(2, count(box, "class=\"excluded-rule\""), "a row per rule");
        assertTrue(box.contains("<code>events.not_above_n</code></td><td class=\"num\">1</td><td>SYN-AD-01</td>"), box);
        assertTrue(box.contains("synthetic-placebo</b> (1 study excluded by validation: SYN-AD-02)"), box);
        assertTrue(page.contains("<a href=\"#data-excluded\">Data excluded</a>"), "named in the navigation");

        String pools = between(page, "<table id=\"pools-table\">", "</table>");
        assertEquals(2, count(pools, "class=\"pool-excluded\""), "synthetic-32 and synthetic-placebo are marked");
        assertTrue(pools.contains("<small class=\"pool-excluded\">1 study excluded by validation: see rejects</small>"), pools);

        String forest = svg(page, "forest-synthetic-32-serious_infection-all");
        assertTrue(forest.contains("2 studies excluded by validation: see rejects"), "the primary pool lost two studies");
        assertTrue(svg(page, "forest-synthetic-32-serious_infection-by-condition")
                .contains("2 studies excluded by validation: see rejects"), "every forest of the pool says so");
    }

    @Test
    void withoutSummaryJsonThePrimaryIsTheFirstWholePoolMantelHaenszelAnalysis() throws IOException {
        Path dir = Fixture.copy("writer-no-summary");
        Files.delete(dir.resolve("summary.json"));
        String page = unescape(Files.readString(ReportWriter.write(dir)));
        assertTrue(page.contains("published-upa|serious_infection|IRR|MH|wald-z|t(k-2)|none,drop00|all"),
                "the first whole-pool MH row of analyses.csv");
        assertTrue(page.contains("No forest data"), "the fixture has forest rows for synthetic-32 only");
    }

    @Test
    void aDirectoryWithoutAnalysesIsAnError() throws IOException {
        Path empty = Files.createDirectories(Path.of("target", "report-test", "empty"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ReportWriter.write(empty));
        assertTrue(e.getMessage().contains("analyses.csv"));
    }

    @Test
    void gradeConversionsPerMeasure() {
        assertEquals(0.05, SummaryOfFindings.corresponding("RR", 0.1, 0.5), 1e-12);
        // OR 2 at a control risk of 10%: 2 x 0.1 / (0.9 + 0.2)
        assertEquals(0.2 / 1.1, SummaryOfFindings.corresponding("OR", 0.1, 2.0), 1e-12);
        assertEquals(0.08, SummaryOfFindings.corresponding("RD", 0.1, -0.02), 1e-12);
        assertEquals(0.0, SummaryOfFindings.corresponding("RD", 0.01, -0.02), 0.0, "no negative risk");
        assertEquals(null, SummaryOfFindings.corresponding("RR", null, 0.5));
        assertEquals("5.1", SummaryOfFindings.per1000(22.0 / 4277));
        assertEquals("12", SummaryOfFindings.per1000(0.0123));
    }

    // ---------------------------------------------------------------- helpers (also used by the browser test)

    static List<String> inlineSvgIds(String page) {
        List<String> ids = new ArrayList<>();
        Matcher m = Pattern.compile("<svg id=['\"]([^'\"]+)['\"]").matcher(page);
        while (m.find()) {
            ids.add(m.group(1));
        }
        return ids;
    }

    /** The markup of the inline {@code <svg>} with this id. */
    static String svg(String page, String id) {
        Matcher m = Pattern.compile("<svg id=['\"]" + Pattern.quote(id) + "['\"]").matcher(page);
        assertTrue(m.find(), "no inline svg " + id);
        int end = page.indexOf("</svg>", m.start());
        return page.substring(m.start(), end);
    }

    /** Elements whose class list holds {@code cls}. */
    static int countClass(String markup, String cls) {
        Matcher m = Pattern.compile("class=['\"]([^'\"]*)['\"]").matcher(markup);
        int n = 0;
        while (m.find()) {
            if (List.of(m.group(1).trim().split("\\s+")).contains(cls)) {
                n++;
            }
        }
        return n;
    }

    static int count(String s, String what) {
        int n = 0;
        for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + what.length())) {
            n++;
        }
        return n;
    }

    static String between(String s, String from, String to) {
        int a = s.indexOf(from);
        assertTrue(a >= 0, "missing " + from);
        return s.substring(a, s.indexOf(to, a) + to.length());
    }

    static String cell(String row, String cls) {
        Matcher m = Pattern.compile("<td class=\"" + cls + "\">(.*?)</td>").matcher(row);
        assertTrue(m.find(), "no cell " + cls);
        return m.group(1);
    }

    static String span(String row, String cls) {
        Matcher m = Pattern.compile("<span class=\"" + cls + "\">(.*?)</span>").matcher(row);
        assertTrue(m.find(), "no span " + cls);
        return m.group(1);
    }

    static String unescape(String s) {
        Matcher m = Pattern.compile("&#(x?)([0-9a-fA-F]+);").matcher(s);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            int cp = Integer.parseInt(m.group(2), m.group(1).isEmpty() ? 10 : 16);
            m.appendReplacement(sb, Matcher.quoteReplacement(new String(Character.toChars(cp))));
        }
        m.appendTail(sb);
        return sb.toString().replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"")
                .replace("&apos;", "'").replace("&amp;", "&");
    }

    private static boolean isBlank(BufferedImage img) {
        int first = img.getRGB(0, 0);
        for (int y = 0; y < img.getHeight(); y += 3) {
            for (int x = 0; x < img.getWidth(); x += 3) {
                if (img.getRGB(x, y) != first) {
                    return false;
                }
            }
        }
        return true;
    }
}
