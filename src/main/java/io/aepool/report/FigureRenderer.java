package io.aepool.report;

import org.jfree.svg.SVGGraphics2D;
import org.jfree.svg.ViewBox;

import javax.imageio.ImageIO;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Renders one {@link Figure} drawing to an SVG element (for inlining and the .svg file) and a .png file. */
final class FigureRenderer {

    /** PNG pixels per drawing unit. */
    static final int PNG_SCALE = 2;

    /**
     * Largest PNG in pixels (4 bytes each while drawn): a figure that would exceed it at {@link #PNG_SCALE} (a forest
     * plot of thousands of studies is ~18 drawing units per study tall) is drawn at the largest scale within it; the
     * SVG keeps every detail.
     */
    static final long PNG_MAX_PIXELS = 32_000_000L;

    private FigureRenderer() {
    }

    /** Writes {@code figuresDir/<id>.svg} and {@code <id>.png}; returns the {@code <svg>} element for inlining. */
    static String render(Figure f, Path figuresDir) {
        String svg = toSvg(f);
        try {
            Files.createDirectories(figuresDir);
            Files.writeString(figuresDir.resolve(f.id() + ".svg"),
                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + svg + "\n", StandardCharsets.UTF_8);
            ImageIO.write(toPng(f), "png", figuresDir.resolve(f.id() + ".png").toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write figure " + f.id() + " to " + figuresDir, e);
        }
        return svg;
    }

    static String toSvg(Figure f) {
        SVGGraphics2D g = new SVGGraphics2D(f.width(), f.height());
        g.setDefsKeyPrefix(f.id() + "-");
        f.draw(new Canvas(g, f.id()));
        return g.getSVGElement(f.id(), true, new ViewBox(0, 0, f.width(), f.height()), null, null);
    }

    static BufferedImage toPng(Figure f) {
        double scale = pngScale(f.width(), f.height());
        // rounded down (at least one pixel), and the drawing stretched to the last pixel of each side
        int w = Math.max(1, (int) Math.floor(f.width() * scale));
        int h = Math.max(1, (int) Math.floor(f.height() * scale));
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.scale((double) w / f.width(), (double) h / f.height());
            f.draw(new Canvas(g, f.id()));
        } finally {
            g.dispose();
        }
        return img;
    }

    /** PNG pixels per drawing unit: {@link #PNG_SCALE}, or less where that would exceed {@link #PNG_MAX_PIXELS}. */
    static double pngScale(int width, int height) {
        return Math.min(PNG_SCALE, Math.sqrt(PNG_MAX_PIXELS / ((double) width * height)));
    }
}
