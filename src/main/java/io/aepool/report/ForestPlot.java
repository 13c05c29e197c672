package io.aepool.report;

import io.aepool.report.Canvas.Align;
import io.aepool.report.Table.Row;

import java.awt.geom.Rectangle2D;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A forest plot in the RevMan/meta layout: a row per study (label, events/n per arm, weights, a square sized
 * by weight with whiskers, estimate and CI as text), common-effect (fixed) and random-effects diamonds, the
 * prediction interval, heterogeneity lines; with a subgroup variable, one block per subgroup with its own
 * diamonds and the test for subgroup differences under the plot. Values come from forest.csv, analyses.csv
 * and subgroup_tests.csv as written.
 */
final class ForestPlot extends TitledFigure {

    sealed interface Line permits Study, Header, Diamond, Interval, Note, Gap {
    }

    /**
     * A study row; {@code contributes} is forest.csv's flag for the analysis the rows are drawn from (the common
     * effect one when present), {@code contributesRandom} the flag in the random-effects analysis.
     */
    record Study(String comparisonId, String label, String exp, String ctl, Double weightFixed, Double weightRandom,
                 boolean contributes, boolean contributesRandom, Double est, Double lo, Double hi, boolean noEvents)
            implements Line {
    }

    record Header(String text) implements Line {
    }

    /** A pooled estimate; {@code kind} is "fixed" or "random"; {@code est == null} draws "not estimable". */
    record Diamond(String kind, String label, String exp, String ctl, Double est, Double lo, Double hi,
                   String status, String block) implements Line {
    }

    record Interval(String label, Double lo, Double hi) implements Line {
    }

    record Note(String text) implements Line {
    }

    record Gap() implements Line {
    }

    private static final int W = 1150;
    private static final int ROW = 18;
    private static final int TOP = 82;
    private static final int BOTTOM = 70;
    private static final double X_LABEL = 12;
    private static final double X_EXP = 290;
    private static final double X_CTL = 365;
    private static final double X_WF = 455;
    private static final double X_WR = 545;
    private static final double X_PLOT0 = 570;
    private static final double X_PLOT1 = 875;
    private static final double X_TEXT = 888;

    private final String measure;
    private final boolean ratio;
    private final String fixedMethod;
    private final String randomMethod;
    final List<Line> lines;
    private final Axis axis;
    private final double maxWeight;

    private ForestPlot(String id, String title, String measure, String fixedMethod, String randomMethod,
                       List<Line> lines) {
        super(id, title, W);
        this.measure = measure;
        this.ratio = Results.isRatio(measure);
        this.fixedMethod = fixedMethod;
        this.randomMethod = randomMethod;
        this.lines = lines;
        List<Double> values = new ArrayList<>();
        double mw = 0;
        for (Line l : lines) {
            if (l instanceof Study s && s.contributes()) {
                values.add(s.lo());
                values.add(s.hi());
                values.add(s.est());
            } else if (l instanceof Diamond d) {
                values.add(d.lo());
                values.add(d.hi());
            } else if (l instanceof Interval i) {
                values.add(i.lo());
                values.add(i.hi());
            }
            if (l instanceof Study s) {
                Double w = s.weightFixed() != null ? s.weightFixed() : s.weightRandom();
                if (w != null) {
                    mw = Math.max(mw, w);
                }
            }
        }
        this.maxWeight = mw;
        this.axis = Axis.covering(ratio, values, X_PLOT0, X_PLOT1);
    }

    /**
     * The forest of one pool and outcome: block {@code all} when {@code variable} is null, else one block per
     * {@code subgroup:<variable>=<value>}. {@code fixed} or {@code random} may be absent, not both.
     */
    static Optional<ForestPlot> of(Results r, Optional<Row> fixed, Optional<Row> random, String variable) {
        Row base = fixed.orElse(random.orElse(null));
        if (base == null) {
            return Optional.empty();
        }
        String fixedId = fixed.map(x -> x.text("analysis_id")).orElse(null);
        String randomId = random.map(x -> x.text("analysis_id")).orElse(null);
        String baseId = base.text("analysis_id");
        String fm = fixed.map(x -> x.text("method")).orElse(null);
        String rm = random.map(x -> x.text("method")).orElse(null);
        List<Line> lines = new ArrayList<>();
        if (variable == null) {
            List<Row> studies = r.forest(baseId, "all");
            if (studies.isEmpty()) {
                return Optional.empty();
            }
            addStudies(lines, studies, randomId == null || baseId.equals(randomId)
                    ? Map.of() : byComparison(r.forest(randomId, "all")), baseId.equals(randomId));
        } else {
            String prefix = "subgroup:" + variable + "=";
            List<String> blocks = r.forestBlocks(baseId).stream().filter(b -> b.startsWith(prefix)).toList();
            if (blocks.isEmpty()) {
                return Optional.empty();
            }
            for (String block : blocks) {
                lines.add(new Header(block.substring(prefix.length())));
                addStudies(lines, r.forest(baseId, block), randomId == null || baseId.equals(randomId)
                        ? Map.of() : byComparison(r.forest(randomId, block)), baseId.equals(randomId));
                Optional<Row> fs = fixed.flatMap(x -> r.analysis(x, block));
                Optional<Row> rs = random.flatMap(x -> r.analysis(x, block));
                fs.ifPresent(x -> lines.add(diamond("fixed", "Common effect (" + fm + ")", x, block)));
                rs.ifPresent(x -> lines.add(diamond("random", "Random effects (" + rm + ")", x, block)));
                lines.add(new Note(heterogeneity(fs.orElse(rs.orElse(null)), rs.orElse(null))));
                lines.add(new Gap());
            }
            lines.add(new Header("Overall"));
        }
        fixed.ifPresent(x -> lines.add(diamond("fixed", "Common effect model (" + fm + ")", x, "all")));
        random.ifPresent(x -> lines.add(diamond("random", "Random effects model (" + rm + ")", x, "all")));
        Row piRow = random.filter(x -> x.num("pi_low") != null).orElse(fixed.filter(x -> x.num("pi_low") != null)
                .orElse(null));
        if (piRow != null) {
            String dist = piRow.str("pi_dist");
            lines.add(new Interval("Prediction interval" + (dist == null ? "" : " (" + dist + ")"),
                    piRow.num("pi_low"), piRow.num("pi_high")));
        }
        lines.add(new Note(heterogeneity(fixed.orElse(random.orElse(null)), random.orElse(null))));
        StringBuilder overall = new StringBuilder("Test for overall effect:");
        fixed.ifPresent(x -> overall.append(' ').append(fm).append(" p = ").append(Fmt.p(x.num("p_value"))));
        if (fixed.isPresent() && random.isPresent()) {
            overall.append(';');
        }
        random.ifPresent(x -> overall.append(' ').append(rm).append(" p = ").append(Fmt.p(x.num("p_value"))));
        lines.add(new Note(overall.toString()));
        if (variable != null) {
            fixed.flatMap(x -> subgroupTest(r, x, variable)).ifPresent(t -> lines.add(new Note(
                    "Test for subgroup differences (" + fm + "): " + t)));
            random.flatMap(x -> subgroupTest(r, x, variable)).ifPresent(t -> lines.add(new Note(
                    "Test for subgroup differences (" + rm + "): " + t)));
        }
        List<String> excluded = r.quarantinedIn(base.text("pool"));
        if (!excluded.isEmpty()) {
            // never silent: studies (or some of their rows) left out by validation, counted from summary.json
            lines.add(new Note(excludedNote(excluded.size())));
        }
        String measure = base.text("measure");
        String what = base.text("outcome") + " \u2014 pool " + base.text("pool") + " \u2014 " + measure
                + ", zero rule " + base.text("zero_rule");
        String title = variable == null ? "Forest plot: " + what : "Forest plot by " + variable + ": " + what;
        String id = "forest-" + Fmt.slug(base.text("pool")) + "-" + Fmt.slug(base.text("outcome"))
                + (variable == null ? "-all" : "-by-" + Fmt.slug(variable));
        return Optional.of(new ForestPlot(id, title, measure, fm, rm, lines));
    }

    /** The footnote of a pool that lost studies (or rows of them) to validation. */
    static String excludedNote(int studies) {
        return studies + (studies == 1 ? " study" : " studies") + " excluded by validation: see rejects";
    }

    private static Map<String, Row> byComparison(List<Row> rows) {
        Map<String, Row> m = new HashMap<>();
        rows.forEach(x -> m.put(x.text("comparison_id"), x));
        return m;
    }

    private static void addStudies(List<Line> lines, List<Row> rows, Map<String, Row> randomRows,
                                   boolean baseIsRandom) {
        for (Row s : rows) {
            Integer ee = s.integer("events_exp");
            Integer ec = s.integer("events_ctl");
            boolean noEvents = ee != null && ec != null && ee == 0 && ec == 0;
            Double w = s.num("weight_percent");
            Row random = baseIsRandom ? s : randomRows.get(s.text("comparison_id"));
            Double wf = baseIsRandom ? null : w;
            Double wr = random == null ? null : random.num("weight_percent");
            boolean contributesRandom = random != null && random.bool("contributes");
            String label = s.str("label") != null ? s.str("label") : s.text("comparison_id");
            lines.add(new Study(s.text("comparison_id"), label, Fmt.count(s, "events_exp", "n_exp"),
                    Fmt.count(s, "events_ctl", "n_ctl"), wf, wr, s.bool("contributes"), contributesRandom,
                    s.num("estimate"), s.num("ci_low"), s.num("ci_high"), noEvents));
        }
    }

    private static Diamond diamond(String kind, String label, Row a, String block) {
        return new Diamond(kind, label, Fmt.count(a, "events_exp", "n_exp"),
                Fmt.count(a, "events_ctl", "n_ctl"), a.num("estimate"), a.num("ci_low"),
                a.num("ci_high"), a.text("status"), block);
    }

    static String heterogeneity(Row fixedOrAny, Row random) {
        if (fixedOrAny == null) {
            return "Heterogeneity: not available";
        }
        if (fixedOrAny.num("q") == null) {
            return "Heterogeneity: not estimable";
        }
        Double tau2 = random != null ? random.num("tau2") : fixedOrAny.num("tau2");
        return "Heterogeneity: I\u00b2 = " + Fmt.i2(fixedOrAny.num("i2"))
                + (tau2 == null ? "" : ", \u03c4\u00b2 = " + Fmt.num(tau2, 4))
                + ", Q = " + Fmt.num(fixedOrAny.num("q"), 2) + " (df = " + Fmt.integer(fixedOrAny.integer("q_df"))
                + "), p = " + Fmt.p(fixedOrAny.num("q_p"));
    }

    private static Optional<String> subgroupTest(Results r, Row whole, String variable) {
        return r.subgroupTests.stream()
                .filter(t -> t.is("analysis_id", whole.text("analysis_id")) && t.is("variable", variable)
                        && t.is("tau2_model", "separate"))
                .findFirst()
                .map(t -> t.num("q_between") == null
                        ? t.text("status")
                        : "Q = " + Fmt.num(t.num("q_between"), 2) + ", df = " + Fmt.integer(t.integer("df"))
                        + ", p = " + Fmt.p(t.num("p_value")));
    }

    // ---------------------------------------------------------------- drawing

    @Override
    public int height() {
        return TOP + lines.size() * ROW + BOTTOM;
    }

    @Override
    public void draw(Canvas c) {
        drawTitle(c, X_LABEL, W - 2 * X_LABEL);
        c.font(11, true);
        c.text("Study", X_LABEL, 56, Align.LEFT);
        c.text("Experimental", X_EXP, 44, Align.RIGHT);
        c.text("events/n", X_EXP, 58, Align.RIGHT);
        c.text("Control", X_CTL, 44, Align.RIGHT);
        c.text("events/n", X_CTL, 58, Align.RIGHT);
        c.text("Weight", X_WF, 44, Align.RIGHT);
        c.text(fixedMethod == null ? "" : "(" + fixedMethod + ")", X_WF, 58, Align.RIGHT);
        c.text("Weight", X_WR, 44, Align.RIGHT);
        c.text(randomMethod == null ? "" : "(" + randomMethod + ")", X_WR, 58, Align.RIGHT);
        c.text(measure, (X_PLOT0 + X_PLOT1) / 2, 44, Align.CENTER);
        c.text("95% CI", (X_PLOT0 + X_PLOT1) / 2, 58, Align.CENTER);
        c.text(measure + " [95% CI]", X_TEXT, 58, Align.LEFT);
        c.color(Canvas.LIGHT);
        c.stroke(1, false);
        c.line(X_LABEL, 66, W - X_LABEL, 66);

        double yTop = TOP - ROW + 4;
        double yAxis = TOP + lines.size() * ROW - 4;
        // no-effect line
        c.color(Canvas.INK);
        c.stroke(1, false);
        double nx = axis.px(axis.nullValue());
        c.line(nx, yTop, nx, yAxis);
        // a dashed reference line at the common-effect estimate
        lines.stream().filter(l -> l instanceof Diamond d && "all".equals(d.block()) && d.est() != null)
                .map(l -> (Diamond) l).findFirst().ifPresent(d -> {
                    if (axis.inside(d.est())) {
                        c.color(Canvas.GREY);
                        c.stroke(0.8f, true);
                        double x = axis.px(d.est());
                        c.line(x, yTop, x, yAxis);
                    }
                });

        for (int i = 0; i < lines.size(); i++) {
            double y = TOP + i * ROW;
            Line l = lines.get(i);
            c.stroke(1, false);
            if (l instanceof Study s) {
                drawStudy(c, s, y, i);
            } else if (l instanceof Header h) {
                c.color(Canvas.INK);
                c.font(11.5f, true);
                c.textFit(h.text(), X_LABEL, y, X_EXP - 80 - X_LABEL);
            } else if (l instanceof Diamond d) {
                drawDiamond(c, d, y);
            } else if (l instanceof Interval p) {
                c.begin("prediction-interval", "pi");
                c.color(Canvas.INK);
                c.font(11, false);
                c.text(p.label(), X_LABEL, y, Align.LEFT);
                double x0 = axis.clamp(p.lo());
                double x1 = axis.clamp(p.hi());
                c.color(Canvas.RED);
                c.fill(new Rectangle2D.Double(x0, y - 7, Math.max(1, x1 - x0), 5));
                c.color(Canvas.INK);
                c.text("[" + Fmt.est(p.lo(), ratio) + "; " + Fmt.est(p.hi(), ratio) + "]", X_TEXT, y, Align.LEFT);
                c.end();
            } else if (l instanceof Note n) {
                c.color(Canvas.INK);
                c.italic(10.5f);
                c.textFit(n.text(), X_LABEL, y, X_PLOT0 - X_LABEL - 10);
            }
        }
        drawAxis(c, yAxis);
    }

    private void drawStudy(Canvas c, Study s, double y, int index) {
        boolean drawn = s.est() != null && s.lo() != null && s.hi() != null;
        c.begin("forest-study" + (s.contributes() ? "" : " not-contributing"), "study-" + index + "-" + s.comparisonId(),
                "comparison", s.comparisonId());
        c.color(s.contributes() ? Canvas.INK : Canvas.GREY);
        c.font(11, false);
        c.textFit(s.label(), X_LABEL + 8, y, X_EXP - 70 - X_LABEL - 8);
        c.text(s.exp(), X_EXP, y, Align.RIGHT);
        c.text(s.ctl(), X_CTL, y, Align.RIGHT);
        if (fixedMethod != null) {
            weightCell(c, s.contributes(), s.weightFixed(), X_WF, y);
        }
        if (randomMethod != null) {
            weightCell(c, fixedMethod == null ? s.contributes() : s.contributesRandom(), s.weightRandom(), X_WR, y);
        }
        double cy = y - 4;
        if (drawn) {
            double x0 = axis.clamp(s.lo());
            double x1 = axis.clamp(s.hi());
            c.color(s.contributes() ? Canvas.INK : Canvas.GREY);
            c.stroke(1, false);
            c.line(x0, cy, x1, cy);
            if (!axis.inside(s.lo())) {
                c.arrow(X_PLOT0, cy, false);
            }
            if (!axis.inside(s.hi())) {
                c.arrow(X_PLOT1, cy, true);
            }
            if (axis.inside(s.est())) {
                Double w = s.weightFixed() != null ? s.weightFixed() : s.weightRandom();
                double side = s.contributes() && w != null && maxWeight > 0 ? 4 + 10 * Math.sqrt(w / maxWeight) : 3;
                c.color(s.contributes() ? Canvas.BLUE : Canvas.GREY);
                c.square(axis.px(s.est()), cy, side);
            }
            c.color(s.contributes() ? Canvas.INK : Canvas.GREY);
            c.text(Fmt.estCi(s.est(), s.lo(), s.hi(), ratio), X_TEXT, y, Align.LEFT);
        } else {
            c.italic(10.5f);
            c.text(s.noEvents() ? "no events in either arm" : "not estimable", X_TEXT, y, Align.LEFT);
        }
        c.end();
    }

    private static void weightCell(Canvas c, boolean contributes, Double weight, double x, double y) {
        if (contributes) {
            c.font(11, false);
            c.text(weight == null ? "" : Fmt.pct100(weight), x, y, Align.RIGHT);
        } else {
            c.italic(9.5f);
            c.text("not contributing", x, y, Align.RIGHT);
            c.font(11, false);
        }
    }

    private void drawDiamond(Canvas c, Diamond d, double y) {
        boolean estimable = d.est() != null;
        c.begin(estimable ? "diamond diamond-" + d.kind() : "diamond-not-estimable", d.kind() + "-" + d.block(),
                "block", d.block());
        c.color(Canvas.INK);
        c.font(11, true);
        c.textFit(d.label(), X_LABEL, y, X_EXP - 70 - X_LABEL);
        c.font(11, false);
        c.text(d.exp(), X_EXP, y, Align.RIGHT);
        c.text(d.ctl(), X_CTL, y, Align.RIGHT);
        if (estimable) {
            double cy = y - 4;
            double xe = axis.clamp(d.est());
            double x0 = d.lo() == null ? xe - 2 : axis.clamp(d.lo());
            double x1 = d.hi() == null ? xe + 2 : axis.clamp(d.hi());
            c.color("fixed".equals(d.kind()) ? Canvas.BLUE : Canvas.RED);
            c.fill(Canvas.diamond(x0, xe, x1, cy, 6));
            c.color(Canvas.INK);
            c.font(11, true);
            c.text(Fmt.estCi(d.est(), d.lo(), d.hi(), ratio), X_TEXT, y, Align.LEFT);
        } else {
            c.italic(10.5f);
            c.textFit(d.status().isEmpty() ? "not estimable" : d.status(), X_TEXT, y, W - X_TEXT - 6);
        }
        c.end();
    }

    private void drawAxis(Canvas c, double yAxis) {
        c.begin("axis", "axis");
        c.color(Canvas.INK);
        c.stroke(1, false);
        axis.draw(c, yAxis);
        c.font(10.5f, false);
        double nx = axis.px(axis.nullValue());
        c.text("\u2190 Favours experimental (JAK)", nx - 6, yAxis + 34, Align.RIGHT);
        c.text("Favours control \u2192", nx + 6, yAxis + 34, Align.LEFT);
        c.end();
    }
}
