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
        BufferedImage img = new BufferedImage(f.width() * PNG_SCALE, f.height() * PNG_SCALE,
                BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.scale(PNG_SCALE, PNG_SCALE);
            f.draw(new Canvas(g, f.id()));
        } finally {
            g.dispose();
        }
        return img;
    }
}
