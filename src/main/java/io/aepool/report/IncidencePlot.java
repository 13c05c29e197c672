package io.aepool.report;

import io.aepool.report.Canvas.Align;
import io.aepool.report.Table.Row;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Registry incidence per 100 person-years by exposure group, one row per registry × group, with the exact Poisson
 * interval: registry_incidence.csv rows of the whole registry (stratum "all") as written, small cells already
 * suppressed there ("<5" counts and "suppressed" rates are shown as text, never drawn).
 */
final class IncidencePlot extends TitledFigure {

    private static final int W = 960;
    private static final int ROW = 18;
    private static final int TOP = 62;
    private static final int BOTTOM = 48;
    private static final double X_LABEL = 12;
    private static final double X_EVENTS = 330;
    private static final double X_PY = 420;
    private static final double X_PLOT0 = 440;
    private static final double X_PLOT1 = 720;
    private static final double X_TEXT = 735;

    final List<Row> rows;
    private final Axis axis;

    private IncidencePlot(String outcome, List<Row> rows) {
        super("incidence-" + Fmt.slug(outcome), "Registry incidence of " + outcome + " per 100 person-years by exposure group (exact Poisson 95% CI)", W);
        this.rows = rows;
        List<Double> v = new ArrayList<>();
        rows.forEach(r -> {
            v.add(r.num("ci_low"));
            v.add(r.num("ci_high"));
        });
        this.axis = Axis.fromZero(v, X_PLOT0, X_PLOT1);
    }

    /** The whole-registry rows of one outcome, or empty when the run had no registries. */
    static Optional<IncidencePlot> of(List<Row> incidence, String outcome) {
        List<Row> rows = incidence.stream()
                .filter(r -> r.is("outcome", outcome) && r.is("stratum_variable", "all")).toList();
        return rows.isEmpty() ? Optional.empty() : Optional.of(new IncidencePlot(outcome, rows));
    }

    @Override
    public int height() {
        return TOP + rows.size() * ROW + BOTTOM;
    }

    @Override
    public void draw(Canvas c) {
        drawTitle(c, X_LABEL, W - 24);
        c.font(11, true);
        c.text("Registry \u00b7 exposure group", X_LABEL, 50, Align.LEFT);
        c.text("Events/patients", X_EVENTS, 50, Align.RIGHT);
        c.text("PY", X_PY, 50, Align.RIGHT);
        c.text("Rate per 100 PY [95% CI]", X_TEXT, 50, Align.LEFT);
        double yAxis = TOP + rows.size() * ROW;
        for (int i = 0; i < rows.size(); i++) {
            Row r = rows.get(i);
            double y = TOP + i * ROW;
            c.begin("incidence-row", "row-" + i);
            c.color(Canvas.INK);
            c.font(11, "experimental".equals(r.text("role")));
            c.textFit(r.text("registry_id") + " \u00b7 " + r.text("exposure_group"), X_LABEL, y, X_EVENTS - 110 - X_LABEL);
            c.font(11, false);
            c.text(r.text("events") + "/" + r.text("patients"), X_EVENTS, y, Align.RIGHT);
            c.text(Fmt.est(r.num("person_years"), false).replaceAll("\\.\\d+$", ""), X_PY, y, Align.RIGHT);
            Double rate = r.num("rate_per_100py");
            if (rate == null) {
                c.italic(10.5f);
                c.text(r.text("rate_per_100py").isEmpty() ? "no person-time" : r.text("rate_per_100py"), X_TEXT, y, Align.LEFT);
            } else {
                double cy = y - 4;
                Double lo = r.num("ci_low");
                Double hi = r.num("ci_high");
                c.line(axis.clamp(lo == null ? rate : lo), cy, axis.clamp(hi == null ? rate : hi), cy);
                c.color(Canvas.BLUE);
                c.square(axis.clamp(rate), cy, 6);
                c.color(Canvas.INK);
                c.text(String.format(java.util.Locale.ROOT, "%.2f [%.2f; %.2f]", rate, lo == null ? 0 : lo,
                        hi == null ? Double.POSITIVE_INFINITY : hi), X_TEXT, y, Align.LEFT);
            }
            c.end();
        }
        c.begin("axis", "axis");
        c.color(Canvas.INK);
        c.stroke(1, false);
        axis.draw(c, yAxis);
        c.text("events per 100 person-years", (X_PLOT0 + X_PLOT1) / 2, yAxis + 32, Align.CENTER);
        c.end();
    }
}
