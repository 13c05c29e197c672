package io.aepool.report;

import io.aepool.report.Canvas.Align;
import io.aepool.report.Table.Row;

import java.awt.Color;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * The specification curve (Simonsohn, Simmons &amp; Nelson 2020) of one pool, outcome and measure, drawn from
 * specification_curve.csv as written: the distinct analyses sorted by estimate with their intervals (log scale for
 * ratios, no-effect line), and beneath them one row per choice value (method, interval, prediction interval, zero
 * rule, subset kind) marking the values behind each distinct analysis. Red: significance differs from the reference
 * (primary) analysis; the reference is drawn in black.
 */
final class SpecificationCurvePlot extends TitledFigure {

    /** One distinct analysis as the figure reads it. */
    record Item(int rank, double est, double lo, double hi, boolean flips, boolean reference,
                Map<String, List<String>> choices) {
    }

    /** The choice columns drawn, with their row labels; a choice with one value throughout is left out. */
    static final Map<String, String> CHOICES = new LinkedHashMap<>();

    static {
        CHOICES.put("method", "method");
        CHOICES.put("ci_method", "interval");
        CHOICES.put("prediction_interval", "prediction interval");
        CHOICES.put("zero_rule", "zero rule");
        CHOICES.put("subset_kind", "studies");
    }

    private static final int W = 960;
    private static final int TOP = 40;
    private static final int PLOT_H = 230;
    private static final int ROW = 14;
    private static final double X_LABEL = 12;
    private static final double X0 = 260;
    private static final double X1 = 940;

    final List<Item> items;
    final boolean ratio;
    final String measure;
    /** Choice column, then its values in the order drawn. */
    final Map<String, List<String>> rows = new LinkedHashMap<>();

    private SpecificationCurvePlot(String id, String title, String measure, List<Item> items) {
        super(id, title, W);
        this.items = items;
        this.measure = measure;
        this.ratio = Results.isRatio(measure);
        for (String c : CHOICES.keySet()) {
            TreeSet<String> values = new TreeSet<>();
            items.forEach(it -> values.addAll(it.choices().getOrDefault(c, List.of())));
            if (values.size() > 1) {
                rows.put(c, List.copyOf(values));
            }
        }
    }

    /** The figure of one pool, outcome and measure, or empty when specification_curve.csv has no such rows. */
    static Optional<SpecificationCurvePlot> of(List<Row> curve, String pool, String outcome, String measure) {
        List<Item> items = new ArrayList<>();
        for (Row r : curve) {
            if (!r.is("pool", pool) || !r.is("outcome", outcome) || !r.is("measure", measure)
                    || r.num("estimate") == null || r.num("ci_low") == null || r.num("ci_high") == null) {
                continue;
            }
            Map<String, List<String>> choices = new LinkedHashMap<>();
            for (String c : CHOICES.keySet()) {
                choices.put(c, r.str(c) == null ? List.of() : List.of(r.text(c).split(";")));
            }
            items.add(new Item(r.integer("rank") == null ? items.size() + 1 : r.integer("rank"), r.num("estimate"),
                    r.num("ci_low"), r.num("ci_high"), r.bool("flips"), r.bool("reference"), choices));
        }
        if (items.isEmpty()) {
            return Optional.empty();
        }
        items.sort(java.util.Comparator.comparingInt(Item::rank));
        int all = items.size();
        List<Item> drawn = thin(items, MAX_DRAWN, Item::reference);
        String shown = drawn.size() == all ? all + " distinct analyses"
                : String.format(java.util.Locale.ROOT, "%,d of %,d distinct analyses (evenly spaced by rank, with the reference;"
                + " specification_curve.csv has every one)", drawn.size(), all);
        return Optional.of(new SpecificationCurvePlot("specification-curve-" + Fmt.slug(pool) + "-" + Fmt.slug(outcome)
                + "-" + Fmt.slug(measure), "Specification curve: " + shown + " of " + outcome
                + " (" + measure + "), pool " + pool, measure, drawn));
    }

    /** The most distinct analyses a figure draws: beyond it, a 10,000-study pool's curve would not fit in a page. */
    static final int MAX_DRAWN = 1_500;

    /**
     * At most {@code max} of {@code ranked} (in rank order): evenly spaced ranks, always the first, the last and those
     * {@code keep} says (the reference). Every one when they are no more than {@code max}.
     */
    static <T> List<T> thin(List<T> ranked, int max, java.util.function.Predicate<T> keep) {
        if (ranked.size() <= max) {
            return ranked;
        }
        List<T> out = new ArrayList<>();
        double step = (ranked.size() - 1) / (double) (max - 1);
        int next = 0;
        for (int i = 0; i < ranked.size(); i++) {
            boolean spaced = i == (int) Math.round(next * step);
            if (spaced) {
                next++;
            }
            if (spaced || keep.test(ranked.get(i))) {
                out.add(ranked.get(i));
            }
        }
        return out;
    }

    private int choiceRows() {
        return rows.values().stream().mapToInt(List::size).sum() + rows.size();
    }

    @Override
    public int height() {
        return TOP + PLOT_H + 28 + choiceRows() * ROW + 34;
    }

    @Override
    public void draw(Canvas c) {
        drawTitle(c, X_LABEL, W - 24);
        double yTop = TOP + 8;
        double yBottom = TOP + PLOT_H;
        List<Double> values = new ArrayList<>();
        items.forEach(it -> {
            values.add(it.lo());
            values.add(it.hi());
        });
        double nul = ratio ? 1 : 0;
        double lo = values.stream().filter(v -> !ratio || v > 0).mapToDouble(d -> d).min().orElse(nul);
        // a ratio axis spans at most 0.01 to 100; open limits are drawn to its edge
        lo = ratio ? Math.max(lo, 0.01) : lo;
        double hi = values.stream().mapToDouble(d -> d).max().orElse(nul);
        hi = ratio ? Math.min(hi, 100) : hi;
        lo = Math.min(lo, nul);
        hi = Math.max(hi, nul);
        Axis a = ratio ? Axis.between(true, lo / 1.08, hi * 1.08, yBottom, yTop)
                : Axis.between(false, lo - (hi - lo) * 0.05 - 1e-12, hi + (hi - lo) * 0.05 + 1e-12, yBottom, yTop);
        // vertical axis with a few ticks
        c.color(Canvas.INK);
        c.stroke(1, false);
        c.line(X0 - 8, yTop, X0 - 8, yBottom);
        c.font(9.5f, false);
        for (double t : ticks(lo, hi)) {
            double y = a.px(t);
            c.line(X0 - 12, y, X0 - 8, y);
            c.text(tickLabel(t), X0 - 14, y + 3, Align.RIGHT);
        }
        c.font(10.5f, false);
        c.text(measure + " (95% CI)" + (ratio ? ", log scale" : ""), X_LABEL, (yTop + yBottom) / 2, Align.LEFT);
        c.color(Canvas.GREY);
        c.stroke(1, true);
        c.line(X0, a.px(nul), X1, a.px(nul));
        c.stroke(1, false);
        double step = (X1 - X0) / items.size();
        double mark = Math.max(1.5, Math.min(6, step * 0.7));
        for (int i = 0; i < items.size(); i++) {
            Item it = items.get(i);
            double x = X0 + (i + 0.5) * step;
            c.begin("spec-point", "rank-" + it.rank(), "rank", String.valueOf(it.rank()), "flips",
                    String.valueOf(it.flips()), "reference", String.valueOf(it.reference()));
            c.color(colour(it));
            c.stroke(it.reference() ? 2 : 1, false);
            c.line(x, clamp(a, it.lo(), yTop, yBottom), x, clamp(a, it.hi(), yTop, yBottom));
            c.stroke(1, false);
            if (it.reference()) {
                c.fill(Canvas.diamond(x - 5, x, x + 5, a.px(it.est()), 5));
            } else {
                c.dot(x, a.px(it.est()), Math.max(1.2, mark / 2), true);
            }
            c.end();
        }
        // the choice panel: one row per value, a mark where the distinct analysis used it
        double y = yBottom + 28;
        for (Map.Entry<String, List<String>> choice : rows.entrySet()) {
            c.color(Canvas.INK);
            c.font(10.5f, true);
            c.text(CHOICES.get(choice.getKey()), X_LABEL, y, Align.LEFT);
            y += ROW;
            for (String value : choice.getValue()) {
                c.color(Canvas.LIGHT);
                c.line(X0, y - 4, X1, y - 4);
                c.color(Canvas.INK);
                c.font(10, false);
                c.textFit(value, X_LABEL + 12, y, X0 - X_LABEL - 24);
                c.begin("spec-choice", choice.getKey() + "-" + value, "choice", choice.getKey(), "value", value);
                for (int i = 0; i < items.size(); i++) {
                    Item it = items.get(i);
                    if (it.choices().getOrDefault(choice.getKey(), List.of()).contains(value)) {
                        c.color(colour(it));
                        c.square(X0 + (i + 0.5) * step, y - 4, mark);
                    }
                }
                c.end();
                y += ROW;
            }
        }
        // legend
        y += 10;
        c.font(10.5f, false);
        c.legendDot(Canvas.BLUE, 4, true, X_LABEL + 4, y, X_LABEL + 14, "same significance as the reference");
        c.legendDot(Canvas.RED, 4, true, X_LABEL + 244, y, X_LABEL + 254, "significance flips");
        c.fill(Canvas.diamond(X_LABEL + 390, X_LABEL + 395, X_LABEL + 400, y - 4, 5));
        c.text("reference (primary spec)", X_LABEL + 406, y, Align.LEFT);
        c.color(Canvas.GREY);
        c.text("dashed line: no effect", X_LABEL + 580, y, Align.LEFT);
    }

    /** The pixel of a value on the vertical axis, kept inside the plot (a ratio of 0 or an open limit goes to its edge). */
    private static double clamp(Axis a, double v, double yTop, double yBottom) {
        double p = a.px(v);
        return Double.isNaN(p) ? yBottom : Math.max(yTop, Math.min(yBottom, p));
    }

    private String tickLabel(double t) {
        return ratio ? Fmt.est(t, true).replaceAll("0+$", "").replaceAll("\\.$", "") : Axis.tickLabel(t, false);
    }

    private static Color colour(Item it) {
        return it.reference() ? Canvas.INK : it.flips() ? Canvas.RED : Canvas.BLUE;
    }

    /** Tick values inside [lo, hi]: round ratios on a log scale, a nice linear step otherwise. */
    private List<Double> ticks(double lo, double hi) {
        List<Double> out = new ArrayList<>();
        if (ratio) {
            double[] steps = {0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1, 1.25, 1.5, 2, 3, 5, 10, 20, 50, 100};
            for (double s : steps) {
                if (s >= lo / 1.08 && s <= hi * 1.08) {
                    out.add(s);
                }
            }
            return out;
        }
        Axis linear = Axis.covering(false, List.of(lo, hi), 0, 1);
        for (double t : linear.ticks) {
            if (t >= lo - (hi - lo) * 0.05 && t <= hi + (hi - lo) * 0.05) {
                out.add(t);
            }
        }
        return out;
    }
}
