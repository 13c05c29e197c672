package io.aepool.report;

/**
 * One figure of the report, drawn once with java.awt.Graphics2D through a {@link Canvas}; {@link FigureRenderer}
 * renders the same drawing to SVG (JFreeSVG) and to PNG (BufferedImage + ImageIO).
 */
interface Figure {

    /** File name stem and the id of the root {@code <svg>} element; unique within a report. */
    String id();

    /** A caption for the HTML page. */
    String title();

    int width();

    int height();

    void draw(Canvas c);
}
