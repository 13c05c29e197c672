package io.aepool.cli;

import io.aepool.aggregate.AtRiskWindow;
import io.aepool.testing.Files2;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The conf's adam_window: its default, its two shapes, and a clear error naming the key for every bad value. */
class AdamWindowConfTest {

    @TempDir
    Path dir;

    private JobConf load(String... window) {
        String[] head = {"inputs:", "  studies: studies.csv", "  arm_counts: [arms.csv]", "analysis:", "  measures: [RR]"};
        String[] lines = new String[head.length + window.length];
        System.arraycopy(head, 0, lines, 0, head.length);
        System.arraycopy(window, 0, lines, head.length, window.length);
        return JobConf.load(Path.of(Files2.write(dir, "job.yaml", lines)));
    }

    private String error(String... window) {
        return assertThrows(ConfException.class, () -> load(window)).getMessage();
    }

    @Test
    void withoutAnAdamWindowTheTreatmentWindowWithoutLagIsUsed() {
        assertEquals(AtRiskWindow.DEFAULT, load().atRiskWindow());
        assertEquals(AtRiskWindow.treatment(0), load().atRiskWindow());
    }

    @Test
    void bothShapesRead() {
        assertEquals(AtRiskWindow.treatment(30), load("adam_window: {period: treatment, lag_days: 30}").atRiskWindow());
        assertEquals(AtRiskWindow.treatment(30), load("adam_window: {lag_days: 30}").atRiskWindow());
        assertEquals(AtRiskWindow.randomisedPeriod(1, 0),
                load("adam_window: {period: randomised, period_number: 1}").atRiskWindow());
        assertEquals(AtRiskWindow.randomisedPeriod(2, 7),
                load("adam_window:", "  period: randomised", "  period_number: 2", "  lag_days: 7").atRiskWindow());
    }

    @Test
    void badValuesAreNamedWithTheirKey() {
        assertTrue(error("adam_window: {period: treatment, lag_days: -1}").contains("adam_window.lag_days must be between 0"));
        assertTrue(error("adam_window: {period: on_drug}").contains("adam_window.period must be treatment or randomised (got 'on_drug')"));
        assertTrue(error("adam_window: {period: randomised}").contains("adam_window.period_number is required"));
        assertTrue(error("adam_window: {period: randomised, period_number: 0}").contains("adam_window.period_number must be between 1 and 99"));
        assertTrue(error("adam_window: {period: treatment, period_number: 2}").contains("adam_window.period_number applies to period: randomised only"));
        String typo = error("adam_window: {period: treatment, lag_day: 30}");
        assertTrue(typo.contains("unknown key 'lag_day' at adam_window.lag_day"), typo);
        String notANumber = error("adam_window: {lag_days: thirty}");
        assertTrue(notANumber.contains("adam_window.lag_days"), notANumber);
    }
}
