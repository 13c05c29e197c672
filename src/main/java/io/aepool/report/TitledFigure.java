package io.aepool.report;

/**
 * What every figure of the report shares: its id, caption and width, and the first strokes of every drawing (the
 * white background and the bold title line). Subclasses give the height and draw the rest.
 */
abstract class TitledFigure implements Figure {

    private final String id;
    private final String title;
    private final int width;

    TitledFigure(String id, String title, int width) {
        this.id = id;
        this.title = title;
        this.width = width;
    }

    @Override
    public final String id() {
        return id;
    }

    @Override
    public final String title() {
        return title;
    }

    @Override
    public final int width() {
        return width;
    }

    /** Background and the title at the top left, fitted into {@code maxWidth} pixels. */
    final void drawTitle(Canvas c, double x, double maxWidth) {
        c.background(width(), height());
        c.color(Canvas.INK);
        c.font(13, true);
        c.textFit(title, x, 20, maxWidth);
    }
}
