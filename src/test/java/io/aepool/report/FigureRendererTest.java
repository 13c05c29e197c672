package io.aepool.report;

import org.junit.jupiter.api.Test;

import java.awt.Color;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FigureRendererTest {

    /** A drawing of the given size: white, with a black bar across its last row. */
    private record Tall(int width, int height) implements Figure {
        public String id() {
            return "tall";
        }

        public String title() {
            return "tall figure";
        }

        public void draw(Canvas c) {
            c.background(width, height);
            c.color(Color.BLACK);
            c.fill(new Rectangle2D.Double(0, height - 20, width, 20));
        }
    }

    @Test
    void aFigureOfOrdinarySizeIsRenderedAtTwicePixelDensity() {
        BufferedImage png = FigureRenderer.toPng(new Tall(900, 600));
        assertEquals(1800, png.getWidth());
        assertEquals(1200, png.getHeight());
    }

    @Test
    void aForestPlotOfTenThousandStudiesIsRenderedSmallerNotOutOfMemory() {
        // ~18 drawing units per study: at 2x this PNG alone would need 2.6 GB of heap
        Tall forest = new Tall(900, 180_000);
        BufferedImage png = FigureRenderer.toPng(forest);
        assertTrue((long) png.getWidth() * png.getHeight() <= FigureRenderer.PNG_MAX_PIXELS * 1.001,
                png.getWidth() + " x " + png.getHeight());
        assertEquals((double) forest.width() / forest.height(), (double) png.getWidth() / png.getHeight(), 0.01,
                "same aspect ratio");
        // the whole drawing is there, down to its last row
        assertEquals(Color.BLACK.getRGB(), png.getRGB(png.getWidth() / 2, png.getHeight() - 2));
        assertEquals(Color.WHITE.getRGB(), png.getRGB(png.getWidth() / 2, png.getHeight() / 2));
    }
}
