package io.aepool.report;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static io.aepool.report.ReportWriterTest.countClass;
import static io.aepool.report.ReportWriterTest.svg;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Opens the written index.html in headless Chromium: the page loads without console errors, the DOM holds the
 * inline figures with one group per study and the diamonds, and a screenshot lands in target/.
 */
class ReportInBrowserTest {

    private static Path work;
    private static String url;
    private static Chromium.Result load;

    @BeforeAll
    static void loadTheReport() throws Exception {
        Path results = Fixture.copy("browser");
        Path index = ReportWriter.write(results);
        work = Path.of("target", "report-test", "browser-run").toAbsolutePath();
        url = index.toUri().toString();
        load = Chromium.run(work, url, "--enable-logging=stderr", "--v=0", "--dump-dom");
    }

    @Test
    void pageLoadsWithoutConsoleErrors() {
        assertEquals(0, load.exitCode(), load.stderr());
        List<String> errors = Chromium.consoleErrors(load.stderr());
        assertTrue(errors.isEmpty(), "console errors: " + errors);
        assertTrue(load.stdout().contains("Summary of findings"), "the DOM was dumped");
    }

    @Test
    void domHoldsAForestGroupPerStudyAndTheDiamonds() {
        String dom = load.stdout();
        String forest = svg(dom, "forest-synthetic-32-serious_infection-all");
        assertEquals(32, countClass(forest, "forest-study"), "forest.csv: 32 comparisons in block all");
        assertEquals(2, countClass(forest, "diamond"), "MH and DL");
        String byDrug = svg(dom, "forest-synthetic-32-serious_infection-by-drug");
        assertEquals(32, countClass(byDrug, "forest-study"));
        // 9 drugs; estimable in MH and DL: abrocitinib, baricitinib, deucravacitinib, povorcitinib, tofacitinib,
        // upadacitinib (analyses.csv status ok); + the overall pair
        assertEquals(6 * 2 + 2, countClass(byDrug, "diamond"));
        assertEquals(9, ReportWriterTest.inlineSvgIds(dom).size(),
                "every figure is inline (with the registry incidence and the specification curve)");
        assertEquals(9, countClass(svg(dom, "incidence-serious_infection"), "incidence-row"));
    }

    @Test
    void savesAScreenshot() throws Exception {
        Path shot = Path.of("target", "report-screenshot.png").toAbsolutePath();
        Files.deleteIfExists(shot);
        Chromium.Result r = Chromium.run(work, url, "--screenshot=" + shot, "--window-size=1400,2000");
        assertEquals(0, r.exitCode(), r.stderr());
        BufferedImage img = ImageIO.read(shot.toFile());
        assertEquals(1400, img.getWidth());
        assertEquals(2000, img.getHeight());
    }
}
