package io.aepool.report;

import io.aepool.report.Canvas.Align;
import io.aepool.report.Table.Row;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The robustness summary (robustness.csv) as a compact chart: per outcome and measure of a pool, the range
 * (min to max) of estimates over the distinct sensitivity analyses, their median, the reference analysis estimate and the
 * most influential subset's estimate, each on its own axis with the no-effect line, and the verdict text.
 */
final class RobustnessPlot extends TitledFigure {

    record Item(String label, String measure, Double min, Double median, Double max, Double reference,
                Double influential, String influentialSubset, String analyses, String verdict) {
    }

    private static final int W = 960;
    private static final int ROW = 76;
    private static final int TOP = 40;
    private static final double X_LABEL = 12;
    private static final double X_PLOT0 = 200;
    private static final double X_PLOT1 = 560;
    private static final double X_TEXT = 580;

    final List<Item> items;

    private RobustnessPlot(String id, String title, List<Item> items) {
        super(id, title, W);
        this.items = items;
    }

    static Optional<RobustnessPlot> of(Results r, String pool) {
        List<Item> items = new ArrayList<>();
        for (Row x : r.robustness) {
            if (!x.is("pool", pool)) {
                continue;
            }
            Double ref = r.analysisById(x.text("reference_analysis_id")).map(a -> a.num("estimate")).orElse(null);
            items.add(new Item(x.text("outcome") + " \u00b7 " + x.text("measure"), x.text("measure"),
                    x.num("min_estimate"), x.num("median_estimate"), x.num("max_estimate"), ref,
                    x.num("most_influential_estimate"), x.text("most_influential_subset"),
                    x.integer("distinct_analyses") == null
                            ? Fmt.integer(x.integer("estimable")) + " of " + Fmt.integer(x.integer("analyses")) + " estimable"
                            : Fmt.integer(x.integer("distinct_analyses")) + " distinct of " + Fmt.integer(x.integer("estimable")) + " specs",
                    x.text("verdict")));
        }
        if (items.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new RobustnessPlot("robustness-" + Fmt.slug(pool),
                "Robustness across methods, zero rules and sensitivity subsets: pool " + pool, items));
    }

    @Override
    public int height() {
        return TOP + items.size() * ROW + 34;
    }

    @Override
    public void draw(Canvas c) {
        drawTitle(c, X_LABEL, W - 24);
        for (int i = 0; i < items.size(); i++) {
            drawItem(c, items.get(i), TOP + i * ROW + 18, i);
        }
        double y = TOP + items.size() * ROW + 16;
        c.font(10.5f, false);
        c.legendLine(Canvas.LIGHT, 5, false, X_LABEL, X_LABEL + 24, y, X_LABEL + 30, "range of estimates");
        c.legendDot(Canvas.BLUE, 4, true, X_LABEL + 150, y, X_LABEL + 158, "median");
        c.legendDiamond(Canvas.RED, X_LABEL + 220, y, "reference (primary spec)");
        c.color(Canvas.GREY);
        c.line(X_LABEL + 400, y - 9, X_LABEL + 400, y + 1);
        c.color(Canvas.INK);
        c.text("most influential subset", X_LABEL + 406, y, Align.LEFT);
    }

    /**
     * The verdict in two lines as written in robustness.csv: the headline without its parenthesis of method and data
     * choice counts (the table has them), and what the flips come from (null when nothing flips).
     */
    static String[] verdictLines(String verdict) {
        if (verdict == null) {
            return new String[]{"", null};
        }
        int counts = verdict.indexOf(" (method choices");
        int from = verdict.indexOf("; the flips come from ");
        String head = counts < 0 ? (from < 0 ? verdict : verdict.substring(0, from)) : verdict.substring(0, counts);
        String flips = from < 0 ? null : verdict.substring(from + 2);
        return new String[]{head, flips};
    }

    private void drawItem(Canvas c, Item it, double y, int index) {
        boolean ratio = Results.isRatio(it.measure());
        c.begin("robustness-row", "row-" + index, "measure", it.measure());
        c.color(Canvas.INK);
        c.font(11.5f, true);
        c.textFit(it.label(), X_LABEL, y, X_PLOT0 - X_LABEL - 10);
        c.font(10, false);
        c.text(it.analyses(), X_LABEL, y + 14, Align.LEFT);
        List<Double> vs = new ArrayList<>();
        for (Double v : new Double[]{it.min(), it.max(), it.reference(), it.influential()}) {
            if (v != null && (!ratio || v > 0)) {
                vs.add(v);
            }
        }
        if (vs.isEmpty()) {
            c.italic(10.5f);
            c.text("no estimable analyses", X_PLOT0, y, Align.LEFT);
        } else {
            double nul = ratio ? 1 : 0;
            double lo = Math.min(nul, vs.stream().mapToDouble(d -> d).min().orElse(nul));
            double hi = Math.max(nul, vs.stream().mapToDouble(d -> d).max().orElse(nul));
            Axis a;
            if (ratio) {
                a = Axis.between(true, lo / 1.15, hi * 1.15, X_PLOT0, X_PLOT1);
            } else {
                double pad = (hi - lo) * 0.1 + 1e-12;
                a = Axis.between(false, lo - pad, hi + pad, X_PLOT0, X_PLOT1);
            }
            double cy = y - 4;
            c.color(Canvas.INK);
            c.stroke(1, false);
            c.line(a.px(nul), cy - 10, a.px(nul), cy + 10);
            c.font(9.5f, false);
            c.text(ratio ? "1" : "0", a.px(nul), cy + 21, Align.CENTER);
            if (it.min() != null && it.max() != null) {
                c.color(Canvas.LIGHT);
                c.stroke(7, false);
                c.line(a.px(it.min()), cy, a.px(it.max()), cy);
                c.stroke(1, false);
                c.color(Canvas.INK);
                c.font(9.5f, false);
                c.text(Fmt.est(it.min(), ratio), a.px(it.min()), cy + 21, Align.CENTER);
                c.text(Fmt.est(it.max(), ratio), a.px(it.max()), cy + 21, Align.CENTER);
            }
            if (it.influential() != null) {
                c.color(Canvas.GREY);
                c.line(a.px(it.influential()), cy - 8, a.px(it.influential()), cy + 8);
            }
            if (it.median() != null) {
                c.color(Canvas.BLUE);
                c.dot(a.px(it.median()), cy, 4, true);
            }
            if (it.reference() != null) {
                double x = a.px(it.reference());
                c.color(Canvas.RED);
                c.fill(Canvas.diamond(x - 5, x, x + 5, cy, 5));
            }
        }
        c.color(Canvas.INK);
        c.font(10.5f, false);
        c.text("median " + Fmt.est(it.median(), ratio) + " (" + Fmt.est(it.min(), ratio) + " to "
                + Fmt.est(it.max(), ratio) + ")", X_TEXT, y - 8, Align.LEFT);
        c.text("most influential: " + it.influentialSubset(), X_TEXT, y + 7, Align.LEFT);
        c.italic(10.5f);
        String[] lines = verdictLines(it.verdict());
        c.textFit(lines[0], X_PLOT0, y + 35, W - X_PLOT0 - 8);
        if (lines[1] != null) {
            c.textFit(lines[1], X_PLOT0, y + 49, W - X_PLOT0 - 8);
        }
        c.end();
    }
}
