package io.aepool.report;

import io.aepool.report.Canvas.Align;
import io.aepool.report.Table.Row;

import java.awt.geom.Ellipse2D;
import java.util.ArrayList;
import java.util.List;

/**
 * The network's figures, drawn from network_effects.csv and network_edges.csv as written: the graph (nodes on a
 * circle, area by participants, edge width by the number of trials comparing them directly, as netmeta's
 * {@code netgraph}) and the forest of every treatment against the reference with its confidence and prediction
 * intervals and P-score.
 */
final class NetworkPlots {

    private NetworkPlots() {
    }

    /** The network graph of one component. */
    static final class Graph extends TitledFigure {
        private static final int W = 720;
        private static final int H = 600;
        private final List<Row> nodes;
        private final List<Row> edges;

        Graph(String id, String title, List<Row> nodes, List<Row> edges) {
            super(id, title, W);
            this.nodes = nodes;
            this.edges = edges;
        }

        @Override
        public int height() {
            return H;
        }

        private double[] at(String node) {
            int i = 0;
            while (i < nodes.size() && !nodes.get(i).is("treatment", node)) {
                i++;
            }
            double angle = -Math.PI / 2 + 2 * Math.PI * i / Math.max(1, nodes.size());
            return new double[] {W / 2.0 + 210 * Math.cos(angle), 320 + 210 * Math.sin(angle)};
        }

        @Override
        public void draw(Canvas c) {
            drawTitle(c, 12, W - 24);
            c.font(10.5f, false);
            c.color(Canvas.GREY);
            c.text("node area: participants; edge width: trials comparing the two directly (number on the edge)", 12, 40,
                    Align.LEFT);
            double maxN = nodes.stream().mapToDouble(r -> r.num("participants") == null ? 0 : r.num("participants")).max().orElse(1);
            for (Row e : edges) {
                double[] a = at(e.text("first"));
                double[] b = at(e.text("second"));
                int studies = e.integer("studies");
                c.begin("network-edge", Fmt.slug(e.text("first") + "-" + e.text("second")), "studies", String.valueOf(studies));
                c.color(Canvas.BLUE);
                c.stroke((float) Math.min(12, 1.5 * studies), false);
                c.line(a[0], a[1], b[0], b[1]);
                c.stroke(1, false);
                c.color(Canvas.INK);
                c.font(10, false);
                c.text(String.valueOf(studies), (a[0] + b[0]) / 2 + 4, (a[1] + b[1]) / 2 - 4, Align.LEFT);
                c.end();
            }
            for (Row n : nodes) {
                double[] p = at(n.text("treatment"));
                double participants = n.num("participants") == null ? 0 : n.num("participants");
                double r = 5 + 22 * Math.sqrt(participants / maxN);
                c.begin("network-node", Fmt.slug(n.text("treatment")), "participants", String.valueOf((long) participants));
                c.color(n.is("treatment", n.text("reference")) ? Canvas.RED : Canvas.BLUE);
                c.fill(new Ellipse2D.Double(p[0] - r, p[1] - r, 2 * r, 2 * r));
                c.color(Canvas.INK);
                c.font(11, n.is("treatment", n.text("reference")));
                double dx = p[0] - W / 2.0;
                c.text(n.text("treatment"), p[0] + (dx >= 0 ? r + 4 : -r - 4), p[1] + 4, dx >= 0 ? Align.LEFT : Align.RIGHT);
                c.end();
            }
        }
    }

    /** Every treatment against the reference: estimate, confidence interval, prediction interval, P-score. */
    static final class Forest extends TitledFigure {
        private static final int W = 960;
        private static final int ROW = 20;
        private static final int TOP = 66;
        private static final int BOTTOM = 50;
        private static final double X_LABEL = 12;
        private static final double X_PLOT0 = 300;
        private static final double X_PLOT1 = 620;
        private static final double X_TEXT = 640;
        private static final double X_P = 920;
        private final List<Row> rows;
        private final String measure;
        private final Axis axis;

        Forest(String id, String title, List<Row> rows, String measure) {
            super(id, title, W);
            this.rows = rows;
            this.measure = measure;
            List<Double> v = new ArrayList<>();
            rows.forEach(r -> {
                v.add(r.num("ci_low"));
                v.add(r.num("ci_high"));
            });
            this.axis = Axis.covering(true, v, X_PLOT0, X_PLOT1);
        }

        @Override
        public int height() {
            return TOP + rows.size() * ROW + BOTTOM;
        }

        @Override
        public void draw(Canvas c) {
            drawTitle(c, X_LABEL, W - 24);
            c.font(11, true);
            c.text("Treatment (vs " + (rows.isEmpty() ? "" : rows.get(0).text("reference")) + ")", X_LABEL, 52, Align.LEFT);
            c.text(measure + " [95% CI]; prediction interval", X_TEXT, 52, Align.LEFT);
            c.text("P-score", X_P, 52, Align.RIGHT);
            double yAxis = TOP + rows.size() * ROW;
            for (int i = 0; i < rows.size(); i++) {
                Row r = rows.get(i);
                double y = TOP + i * ROW;
                double cy = y - 4;
                c.begin("network-row", "row-" + i);
                c.color(Canvas.INK);
                c.font(11, false);
                c.textFit(r.text("treatment"), X_LABEL, y, X_PLOT0 - 20 - X_LABEL);
                Double est = r.num("estimate");
                if (est != null) {
                    if (r.num("pi_low") != null && r.num("pi_high") != null) {
                        c.color(Canvas.GREY);
                        c.stroke(1, true);
                        c.line(axis.clamp(r.num("pi_low")), cy, axis.clamp(r.num("pi_high")), cy);
                        c.stroke(1, false);
                    }
                    c.color(Canvas.INK);
                    c.line(axis.clamp(r.num("ci_low")), cy, axis.clamp(r.num("ci_high")), cy);
                    c.color(Canvas.BLUE);
                    c.square(axis.clamp(est), cy, 7);
                    c.color(Canvas.INK);
                    String pi = r.num("pi_low") == null ? "" : "; " + Fmt.interval(r.num("pi_low"), r.num("pi_high"), true);
                    c.text(Fmt.estCi(est, r.num("ci_low"), r.num("ci_high"), true) + pi, X_TEXT, y, Align.LEFT);
                }
                c.text(Fmt.num(r.num("p_score"), 2), X_P, y, Align.RIGHT);
                c.end();
            }
            c.begin("axis", "axis");
            c.color(Canvas.INK);
            c.stroke(1, false);
            axis.draw(c, yAxis);
            c.color(Canvas.GREY);
            c.stroke(1, true);
            c.line(axis.clamp(1), TOP - 14, axis.clamp(1), yAxis);
            c.stroke(1, false);
            c.color(Canvas.INK);
            c.text(measure + " (log scale); solid: 95% CI, dashed: 95% prediction interval", (X_PLOT0 + X_PLOT1) / 2,
                    yAxis + 32, Align.CENTER);
            c.end();
        }
    }
}
