package io.aepool.report;

import org.jfree.svg.SVGGraphics2D;
import org.jfree.svg.SVGHints;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.Shape;
import java.awt.Stroke;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Line2D;
import java.awt.geom.Path2D;
import java.awt.geom.Rectangle2D;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The drawing surface figures draw on: a Graphics2D plus named groups. On SVG a group becomes
 * {@code <g class=.. id=..>} (stable classes the tests count); on a raster image groups are no-ops.
 */
final class Canvas {

    static final Color INK = new Color(0x22, 0x22, 0x22);
    static final Color GREY = new Color(0x88, 0x88, 0x88);
    static final Color LIGHT = new Color(0xDD, 0xDD, 0xDD);
    static final Color BLUE = new Color(0x1F, 0x4E, 0x79);
    static final Color RED = new Color(0xB0, 0x3A, 0x2E);
    static final Color GREEN = new Color(0x3B, 0x7A, 0x3B);
    static final String FONT = "SansSerif";

    enum Align { LEFT, CENTER, RIGHT }

    final Graphics2D g;
    private final String idPrefix;
    private final boolean svg;

    Canvas(Graphics2D g, String idPrefix) {
        this.g = g;
        this.idPrefix = idPrefix;
        this.svg = g instanceof SVGGraphics2D;
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
        font(12, false);
    }

    /** Opens a group with a class list and an id local to the figure (prefixed with the figure id). */
    void begin(String cssClass, String localId, String... dataPairs) {
        if (!svg) {
            return;
        }
        Map<String, String> attrs = new LinkedHashMap<>();
        if (localId != null) {
            attrs.put("id", idPrefix + "-" + Fmt.slug(localId));
        }
        attrs.put("class", cssClass);
        for (int i = 0; i + 1 < dataPairs.length; i += 2) {
            attrs.put("data-" + dataPairs[i], dataPairs[i + 1]);
        }
        g.setRenderingHint(SVGHints.KEY_BEGIN_GROUP, attrs);
    }

    void end() {
        if (svg) {
            g.setRenderingHint(SVGHints.KEY_END_GROUP, "end");
        }
    }

    void background(int w, int h) {
        g.setColor(Color.WHITE);
        g.fill(new Rectangle2D.Double(0, 0, w, h));
    }

    void font(float size, boolean bold) {
        g.setFont(new Font(FONT, bold ? Font.BOLD : Font.PLAIN, 12).deriveFont(size));
    }

    void italic(float size) {
        g.setFont(new Font(FONT, Font.ITALIC, 12).deriveFont(size));
    }

    void color(Color c) {
        g.setColor(c);
    }

    void stroke(float width, boolean dashed) {
        Stroke s = dashed
                ? new BasicStroke(width, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[]{4f, 3f}, 0f)
                : new BasicStroke(width);
        g.setStroke(s);
    }

    double textWidth(String s) {
        return g.getFontMetrics().getStringBounds(s, g).getWidth();
    }

    void text(String s, double x, double y, Align align) {
        if (s == null || s.isEmpty()) {
            return;
        }
        double w = textWidth(s);
        double left = align == Align.LEFT ? x : align == Align.CENTER ? x - w / 2 : x - w;
        g.drawString(s, (float) left, (float) y);
    }

    /** Text cut with an ellipsis to fit {@code maxWidth}. */
    void textFit(String s, double x, double y, double maxWidth) {
        if (s == null) {
            return;
        }
        String t = s;
        while (t.length() > 1 && textWidth(t) > maxWidth) {
            t = t.substring(0, t.length() - 2) + "\u2026";
        }
        text(t, x, y, Align.LEFT);
    }

    void line(double x0, double y0, double x1, double y1) {
        g.draw(new Line2D.Double(x0, y0, x1, y1));
    }

    void fill(Shape s) {
        g.fill(s);
    }

    void draw(Shape s) {
        g.draw(s);
    }

    void square(double cx, double cy, double side) {
        g.fill(new Rectangle2D.Double(cx - side / 2, cy - side / 2, side, side));
    }

    void dot(double cx, double cy, double r, boolean filled) {
        Ellipse2D e = new Ellipse2D.Double(cx - r, cy - r, 2 * r, 2 * r);
        if (filled) {
            g.fill(e);
        } else {
            g.draw(e);
        }
    }

    // Legend keys: every figure's legend draws its symbols and labels through these, so a key looks the same in
    // each figure and its drawing sequence is written once. Each leaves the colour INK.

    /** A legend key: a dot of radius {@code r} centred at ({@code cx}, y - 4), then {@code label} at {@code labelX}. */
    void legendDot(Color color, double r, boolean filled, double cx, double y, double labelX, String label) {
        color(color);
        dot(cx, y - 4, r, filled);
        color(INK);
        text(label, labelX, y, Align.LEFT);
    }

    /**
     * A legend key: a line sample from {@code x0} to {@code x1} at y - 4 in {@code width} (dashed or not), then
     * {@code label} at {@code labelX}; leaves the stroke solid and 1 wide.
     */
    void legendLine(Color color, float width, boolean dashed, double x0, double x1, double y, double labelX,
                    String label) {
        color(color);
        stroke(width, dashed);
        line(x0, y - 4, x1, y - 4);
        stroke(1, false);
        color(INK);
        text(label, labelX, y, Align.LEFT);
    }

    /** A legend key: an estimate's diamond from {@code x} to x + 12 at y - 4, then {@code label} at x + 18. */
    void legendDiamond(Color color, double x, double y, String label) {
        color(color);
        fill(diamond(x, x + 6, x + 12, y - 4, 5));
        color(INK);
        text(label, x + 18, y, Align.LEFT);
    }

    static Path2D diamond(double left, double center, double right, double cy, double halfHeight) {
        Path2D p = new Path2D.Double();
        p.moveTo(left, cy);
        p.lineTo(center, cy - halfHeight);
        p.lineTo(right, cy);
        p.lineTo(center, cy + halfHeight);
        p.closePath();
        return p;
    }

    /** A small arrow head at {@code x} pointing left or right (a whisker cut by the axis). */
    void arrow(double x, double y, boolean right) {
        Path2D p = new Path2D.Double();
        double d = right ? -5 : 5;
        p.moveTo(x, y);
        p.lineTo(x + d, y - 3.5);
        p.lineTo(x + d, y + 3.5);
        p.closePath();
        g.fill(p);
    }
}
