package io.aepool.report;

import io.aepool.report.Canvas.Align;
import io.aepool.report.Table.Row;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * A column of pooled estimates with CIs, one row per subset: leave-one-out ({@code loo:}) or cumulative by year
 * ({@code cum:}), with the whole-pool estimate as reference. Values are analyses.csv rows as written.
 */
final class EstimatesPlot extends TitledFigure {

    record Item(String label, Double est, Double lo, Double hi, String status) {
    }

    private static final int W = 960;
    private static final int ROW = 18;
    private static final int TOP = 62;
    private static final int BOTTOM = 62;
    private static final double X_LABEL = 12;
    private static final double X_K = 330;
    private static final double X_PLOT0 = 350;
    private static final double X_PLOT1 = 680;
    private static final double X_TEXT = 695;

    private final String rowClass;
    private final boolean ratio;
    final List<Item> items;
    private final List<String> ks;
    private final Item reference;
    private final Axis axis;

    private EstimatesPlot(String id, String title, String rowClass, boolean ratio, List<Item> items, List<String> ks,
                          Item reference) {
        super(id, title, W);
        this.rowClass = rowClass;
        this.ratio = ratio;
        this.items = items;
        this.ks = ks;
        this.reference = reference;
        List<Double> v = new ArrayList<>();
        items.forEach(i -> {
            v.add(i.lo());
            v.add(i.hi());
        });
        v.add(reference.lo());
        v.add(reference.hi());
        this.axis = Axis.covering(ratio, v, X_PLOT0, X_PLOT1);
    }

    /** Leave-one-out of {@code whole}: one row per {@code loo:<comparison>} subset, "omitting <study>". */
    static Optional<EstimatesPlot> leaveOneOut(Results r, Row whole) {
        List<Row> rows = r.subsets(whole, "loo:");
        if (rows.isEmpty()) {
            return Optional.empty();
        }
        List<Item> items = new ArrayList<>();
        List<String> ks = new ArrayList<>();
        for (Row a : rows) {
            String cid = a.text("subset").substring(4);
            items.add(item("omitting " + r.label(cid), a));
            ks.add(Fmt.integer(a.integer("k")));
        }
        return Optional.of(new EstimatesPlot(id("loo", whole), "Leave-one-out: " + what(whole), "loo-row",
                Results.isRatio(whole.text("measure")), items, ks, item("All studies", whole)));
    }

    /** Cumulative: {@code cum:<comparison>} subsets ordered by the number of studies they hold. */
    static Optional<EstimatesPlot> cumulative(Results r, Row whole) {
        List<Row> rows = new ArrayList<>(r.subsets(whole, "cum:"));
        if (rows.isEmpty()) {
            return Optional.empty();
        }
        rows.sort(Comparator.comparing((Row a) -> a.integer("studies") == null ? Integer.MAX_VALUE : a.integer("studies"))
                .thenComparing(a -> a.text("subset")));
        List<Item> items = new ArrayList<>();
        List<String> ks = new ArrayList<>();
        for (Row a : rows) {
            String cid = a.text("subset").substring(4);
            Integer year = r.year(cid);
            items.add(item("+ " + r.label(cid) + (year == null ? "" : " (" + year + ")"), a));
            ks.add(Fmt.integer(a.integer("k")) + "/" + Fmt.integer(a.integer("studies")));
        }
        // the order the job used, as analyses.csv says it (cumulative_order): by year, or the input order without years
        String order = rows.stream().map(a -> a.text("cumulative_order")).filter(o -> o != null && !o.isEmpty())
                .findFirst().orElse("year");
        return Optional.of(new EstimatesPlot(id("cumulative", whole), "Cumulative, studies added by " + order + ": "
                + what(whole), "cum-row",
                Results.isRatio(whole.text("measure")), items, ks, item("All studies", whole)));
    }

    private static Item item(String label, Row a) {
        return new Item(label, a.num("estimate"), a.num("ci_low"), a.num("ci_high"), a.text("status"));
    }

    private static String id(String kind, Row whole) {
        return kind + "-" + Fmt.slug(whole.text("pool")) + "-" + Fmt.slug(whole.text("outcome"));
    }

    private static String what(Row whole) {
        return whole.text("outcome") + " \u2014 pool " + whole.text("pool") + " \u2014 " + whole.text("measure") + " "
                + whole.text("method") + " " + whole.text("ci_method") + ", zero rule " + whole.text("zero_rule");
    }

    @Override
    public int height() {
        return TOP + (items.size() + 1) * ROW + 8 + BOTTOM;
    }

    @Override
    public void draw(Canvas c) {
        drawTitle(c, X_LABEL, W - 24);
        c.font(11, true);
        c.text("cum".equals(rowClass.substring(0, 3)) ? "Study added" : "Analysis", X_LABEL, 50, Align.LEFT);
        c.text("cum-row".equals(rowClass) ? "k/studies" : "k", X_K, 50, Align.RIGHT);
        c.text("Estimate [95% CI]", X_TEXT, 50, Align.LEFT);
        double yAxis = TOP + (items.size() + 1) * ROW + 4;
        c.stroke(1, false);
        c.color(Canvas.INK);
        double nx = axis.px(axis.nullValue());
        c.line(nx, TOP - ROW + 4, nx, yAxis);
        if (reference.est() != null && axis.inside(reference.est())) {
            c.color(Canvas.GREY);
            c.stroke(0.8f, true);
            c.line(axis.px(reference.est()), TOP - ROW + 4, axis.px(reference.est()), yAxis);
            c.stroke(1, false);
        }
        for (int i = 0; i < items.size(); i++) {
            Item it = items.get(i);
            double y = TOP + i * ROW;
            c.begin(rowClass, "row-" + i);
            c.color(Canvas.INK);
            c.font(11, false);
            c.textFit(it.label(), X_LABEL, y, X_K - 40 - X_LABEL);
            c.text(ks.get(i), X_K, y, Align.RIGHT);
            drawEstimate(c, it, y, false);
            c.end();
        }
        double y = TOP + items.size() * ROW + 4;
        c.begin("reference-estimate", "reference");
        c.color(Canvas.INK);
        c.font(11, true);
        c.text(reference.label(), X_LABEL, y, Align.LEFT);
        drawEstimate(c, reference, y, true);
        c.end();
        c.begin("axis", "axis");
        c.color(Canvas.INK);
        axis.draw(c, yAxis);
        c.font(10.5f, false);
        c.text("\u2190 Favours experimental (JAK)", nx - 6, yAxis + 34, Align.RIGHT);
        c.text("Favours control \u2192", nx + 6, yAxis + 34, Align.LEFT);
        c.end();
    }

    private void drawEstimate(Canvas c, Item it, double y, boolean asDiamond) {
        double cy = y - 4;
        if (it.est() == null) {
            c.italic(10.5f);
            c.textFit(it.status().isEmpty() ? "not estimable" : it.status(), X_TEXT, y, W - X_TEXT - 6);
            c.font(11, false);
            return;
        }
        double xe = axis.clamp(it.est());
        double x0 = it.lo() == null ? xe : axis.clamp(it.lo());
        double x1 = it.hi() == null ? xe : axis.clamp(it.hi());
        if (asDiamond) {
            c.color(Canvas.BLUE);
            c.fill(Canvas.diamond(x0, xe, x1, cy, 6));
        } else {
            c.color(Canvas.INK);
            c.line(x0, cy, x1, cy);
            c.color(Canvas.BLUE);
            c.square(xe, cy, 6);
        }
        c.color(Canvas.INK);
        c.text(Fmt.estCi(it.est(), it.lo(), it.hi(), ratio), X_TEXT, y, Align.LEFT);
    }
}
