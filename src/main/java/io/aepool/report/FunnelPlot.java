package io.aepool.report;

import io.aepool.report.Canvas.Align;
import io.aepool.report.Table.Row;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Funnel plot: x = effect (log scale for ratios, labelled on the natural scale), y = standard error with 0 at
 * the top, pseudo 95% limits around the fixed-effect estimate, the studies imputed by trim-and-fill (L0) as open
 * circles, the trim-and-fill adjusted estimate and Egger's limit estimate (the regression at se = 0) as marks, and
 * Egger's regression line x = limit + slope·se (both from small_study_tests.csv) when the table has the slope.
 */
final class FunnelPlot extends TitledFigure {

    record Point(String label, double x, double se) {
    }

    private static final int W = 700;
    private static final int H = 520;
    private static final double L = 70;
    private static final double R = W - 24;
    private static final double T = 48;
    private static final double B = H - 110;

    private final boolean ratio;
    final List<Point> studies;
    final List<Point> filled;
    private final Double fixed;      // natural scale
    private final Double adjusted;   // natural scale
    private final Double eggerLimit; // natural scale
    private final Double eggerSlope; // analysis scale per unit se
    private final double seMax;
    private final Axis axis;

    private FunnelPlot(String id, String title, boolean ratio, List<Point> studies, List<Point> filled, Double fixed,
                       Double adjusted, Double eggerLimit, Double eggerSlope) {
        super(id, title, W);
        this.ratio = ratio;
        this.studies = studies;
        this.filled = filled;
        this.fixed = fixed;
        this.adjusted = adjusted;
        this.eggerLimit = eggerLimit;
        this.eggerSlope = eggerSlope;
        double m = 0;
        for (Point p : studies) {
            m = Math.max(m, p.se());
        }
        for (Point p : filled) {
            m = Math.max(m, p.se());
        }
        this.seMax = m <= 0 ? 1 : m * 1.08;
        List<Double> xs = new ArrayList<>();
        studies.forEach(p -> xs.add(natural(p.x())));
        filled.forEach(p -> xs.add(natural(p.x())));
        if (fixed != null) {
            // the pseudo-limit lines at the bottom of the plot (drawing geometry, 1.96 = z 0.975)
            xs.add(natural(scaleOf(fixed) - 1.96 * seMax));
            xs.add(natural(scaleOf(fixed) + 1.96 * seMax));
        }
        xs.add(adjusted);
        xs.add(eggerLimit);
        if (eggerLimit != null && eggerSlope != null) {
            xs.add(natural(scaleOf(eggerLimit) + eggerSlope * seMax));
        }
        this.axis = Axis.covering(ratio, xs, L, R);
    }

    private double natural(double analysisScale) {
        return ratio ? Math.exp(analysisScale) : analysisScale;
    }

    private double scaleOf(double naturalValue) {
        return ratio ? Math.log(naturalValue) : naturalValue;
    }

    /** The funnel of the primary pool for {@code outcome}, from funnel.csv of its inverse-variance analysis. */
    static Optional<FunnelPlot> of(Results r, String outcome) {
        List<Row> rows = r.funnel.stream().filter(f -> f.is("outcome", outcome)).toList();
        if (rows.isEmpty()) {
            return Optional.empty();
        }
        String analysisId = rows.stream().filter(f -> f.is("method", "IV")).findFirst().orElse(rows.get(0))
                .text("analysis_id");
        boolean ratio = Results.isRatio(r.primary.measure());
        List<Point> pts = new ArrayList<>();
        for (Row f : rows) {
            if (!f.is("analysis_id", analysisId)) {
                continue;
            }
            Double x = ratio ? f.num("log_estimate") : f.num("estimate");
            Double se = f.num("se");
            if (x != null && se != null && se > 0) {
                pts.add(new Point(r.label(f.text("comparison_id")), x, se));
            }
        }
        if (pts.isEmpty()) {
            return Optional.empty();
        }
        Row key = rows.stream().filter(f -> f.is("analysis_id", analysisId)).findFirst().orElseThrow();
        Double fixed = r.analysisById(analysisId).map(a -> a.num("estimate")).orElse(null);
        // trim-and-fill L0 of the same analysis, else of the first analysis of the outcome that has one
        List<Row> tf = r.trimAndFill.stream().filter(t -> t.is("outcome", outcome) && t.is("estimator", "L0"))
                .toList();
        String tfId = tf.stream().anyMatch(t -> t.is("analysis_id", analysisId)) ? analysisId
                : tf.isEmpty() ? null : tf.get(0).text("analysis_id");
        List<Point> filled = new ArrayList<>();
        Double adjusted = null;
        for (Row t : tf) {
            if (!t.is("analysis_id", tfId)) {
                continue;
            }
            if (t.is("row", "filled")) {
                Double x = ratio ? t.num("log_estimate") : t.num("estimate");
                Double se = t.num("se");
                if (x != null && se != null && se > 0) {
                    filled.add(new Point(t.text("filled_study"), x, se));
                }
            } else if (t.is("row", "adjusted")) {
                adjusted = t.num("estimate");
            }
        }
        Optional<Row> eggerRow = r.smallStudyTests.stream().filter(s -> s.is("outcome", outcome) && s.is("test", "egger"))
                .sorted((a, b) -> Boolean.compare(!a.is("analysis_id", analysisId), !b.is("analysis_id", analysisId)))
                .filter(s -> s.num("limit_estimate") != null).findFirst();
        Double egger = eggerRow.map(s -> s.num("limit_estimate")).orElse(null);
        Double eggerSlope = eggerRow.map(s -> s.num("slope")).orElse(null);
        if (ratio && egger != null && egger <= 0) {
            egger = null;
        }
        String title = "Funnel plot: " + outcome + " \u2014 pool " + key.text("pool") + " \u2014 "
                + key.text("measure") + " (" + key.text("method") + "), zero rule " + key.text("zero_rule");
        String id = "funnel-" + Fmt.slug(key.text("pool")) + "-" + Fmt.slug(outcome);
        return Optional.of(new FunnelPlot(id, title, ratio, pts, filled, fixed, adjusted, egger, eggerSlope));
    }

    @Override
    public int height() {
        return H;
    }

    private double py(double se) {
        return T + se / seMax * (B - T);
    }

    private double pxScale(double analysisScale) {
        return axis.px(natural(analysisScale));
    }

    @Override
    public void draw(Canvas c) {
        drawTitle(c, 12, W - 24);
        // frame and axes
        c.stroke(1, false);
        c.color(Canvas.INK);
        c.line(L, T, L, B);
        axis.draw(c, B);
        c.text(ratio ? "Effect (log scale)" : "Effect", (L + R) / 2, B + 32, Align.CENTER);
        double step = Axis.niceStep(seMax / 5); // about five ticks on the standard-error axis
        for (double s = 0; s <= seMax + 1e-9; s += step) {
            double y = py(s);
            c.line(L - 4, y, L, y);
            c.text(Fmt.num(s, step < 0.1 ? 2 : 1), L - 6, y + 4, Align.RIGHT);
        }
        c.g.rotate(-Math.PI / 2);
        c.text("Standard error", -(T + B) / 2, 20, Align.CENTER);
        c.g.rotate(Math.PI / 2);
        // null line
        c.color(Canvas.LIGHT);
        c.line(axis.px(axis.nullValue()), T, axis.px(axis.nullValue()), B);
        if (fixed != null && (!ratio || fixed > 0)) {
            double f = scaleOf(fixed);
            c.begin("funnel-limits", "limits");
            c.color(Canvas.GREY);
            c.stroke(1, true);
            c.line(pxScale(f), py(0), pxScale(f - 1.96 * seMax), py(seMax));
            c.line(pxScale(f), py(0), pxScale(f + 1.96 * seMax), py(seMax));
            c.stroke(1, false);
            c.line(pxScale(f), T, pxScale(f), B);
            c.end();
        }
        if (adjusted != null && axis.inside(adjusted)) {
            c.begin("trim-fill-adjusted", "adjusted");
            c.color(Canvas.RED);
            c.stroke(1, true);
            c.line(axis.px(adjusted), T, axis.px(adjusted), B);
            c.stroke(1, false);
            c.end();
        }
        int i = 0;
        for (Point p : studies) {
            c.begin("funnel-study", "study-" + i++, "study", p.label());
            c.color(Canvas.BLUE);
            c.dot(pxScale(p.x()), py(p.se()), 4, true);
            c.end();
        }
        i = 0;
        for (Point p : filled) {
            c.begin("funnel-filled", "filled-" + i++, "study", p.label());
            c.color(Canvas.RED);
            c.stroke(1.3f, false);
            c.dot(pxScale(p.x()), py(p.se()), 4.5, false);
            c.end();
        }
        if (eggerLimit != null && eggerSlope != null) {
            c.begin("egger-line", "egger-line");
            c.color(Canvas.GREEN);
            c.stroke(1.2f, true);
            c.line(pxScale(scaleOf(eggerLimit)), py(0), pxScale(scaleOf(eggerLimit) + eggerSlope * seMax), py(seMax));
            c.end();
        }
        if (eggerLimit != null && axis.inside(eggerLimit)) {
            c.begin("egger-limit", "egger");
            c.color(Canvas.GREEN);
            c.fill(Canvas.diamond(axis.px(eggerLimit) - 6, axis.px(eggerLimit), axis.px(eggerLimit) + 6, py(0), 6));
            c.end();
        }
        legend(c);
    }

    private void legend(Canvas c) {
        double y = B + 56;
        double x = L;
        c.font(10.5f, false);
        c.legendDot(Canvas.BLUE, 4, true, x + 4, y, x + 12, "study (" + studies.size() + ")");
        x += 110;
        c.stroke(1.3f, false); // the filled studies' open circles are drawn 1.3 wide
        c.legendDot(Canvas.RED, 4.5, false, x + 4, y, x + 12, "filled by trim-and-fill L0 (" + filled.size() + ")");
        x += 200;
        c.legendLine(Canvas.GREY, 1, true, x, x + 20, y, x + 26, "pseudo 95% limits around the fixed effect");
        y += 20;
        x = L;
        c.legendLine(Canvas.RED, 1, true, x, x + 20, y, x + 26,
                "trim-and-fill adjusted estimate" + (adjusted == null ? ": n/a" : " " + Fmt.est(adjusted, ratio)));
        x += 250;
        c.legendDiamond(Canvas.GREEN, x, y,
                "Egger limit estimate (se = 0)" + (eggerLimit == null ? ": n/a" : " " + Fmt.est(eggerLimit, ratio)));
    }
}
