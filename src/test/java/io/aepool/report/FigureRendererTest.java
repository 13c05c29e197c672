package io.aepool.report;

import org.junit.jupiter.api.Test;

import java.awt.Color;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FigureRendererTest {

    /** A drawing of the given size: white, with a red bar across its last 20 units. */
    private record Tall(int width, int height) implements Figure {
        public String id() {
            return "tall";
        }

        public String title() {
            return "tall figure";
        }

        public void draw(Canvas c) {
            c.background(width, height);
            c.color(Color.RED);
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
        assertTrue((long) png.getWidth() * png.getHeight() <= FigureRenderer.PNG_MAX_PIXELS,
                png.getWidth() + " x " + png.getHeight());
        assertEquals((double) forest.width() / forest.height(), (double) png.getWidth() / png.getHeight(), 0.01,
                "same aspect ratio");
        // the whole drawing is there, stretched to the last pixel: the bottom corner is the bar's, above it is white
        // (an image pixel left undrawn would be black)
        assertEquals(Color.RED.getRGB(), png.getRGB(png.getWidth() - 1, png.getHeight() - 1));
        int barTop = (int) Math.floor((forest.height() - 20) * (double) png.getHeight() / forest.height());
        assertEquals(Color.WHITE.getRGB(), png.getRGB(png.getWidth() / 2, barTop - 2));
    }

    @Test
    void anOrdinaryFigureIsDrawnToItsLastPixel() {
        BufferedImage png = FigureRenderer.toPng(new Tall(901, 603));
        assertEquals(Color.RED.getRGB(), png.getRGB(png.getWidth() - 1, png.getHeight() - 1));
        assertEquals(Color.WHITE.getRGB(), png.getRGB(0, 0));
    }
}
