package io.aepool.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Harbord's score-based test and Peters' test for small-study effects ({@link SmallStudyTests}). */
class HarbordPetersTest {

    /**
     * Four informative studies and a double-zero one. Efficient score Z = a − n1·m/N and Peto variance
     * V = n1·n2·m·(N − m)/(N²(N − 1)):
     * A (2/10 vs 1/10): Z = 2 − 1.5 = 0.5, V = 10·10·3·17/(400·19) = 51/76;
     * B (5/40 vs 3/40): Z = 1, V = 40·40·8·72/(6400·79) = 144/79;
     * C (1/20 vs 3/20): Z = −1, V = 20·20·4·36/(1600·39) = 12/13;
     * D (12/100 vs 10/100): Z = 1, V = 100·100·22·178/(40000·199) = 979/199;
     * E (0/30 vs 0/30): V = 0, no information, left out.
     */
    private static final List<StudyCounts> FIVE = List.of(
            StudyCounts.binary("A", 2, 10, 1, 10),
            StudyCounts.binary("B", 5, 40, 3, 40),
            StudyCounts.binary("C", 1, 20, 3, 20),
            StudyCounts.binary("D", 12, 100, 10, 100),
            StudyCounts.binary("E", 0, 30, 0, 30));

    @Test
    void harbordHandWorkedExample() {
        double[] z = {0.5, 1, -1, 1};
        double[] v = {51.0 / 76, 144.0 / 79, 12.0 / 13, 979.0 / 199};
        // ordinary least squares of Y = Z/√V on X = √V, written out: b = Sxy/Sxx, a = Ȳ − b·X̄,
        // s² = RSS/(k − 2), se(a) = √(s²(1/k + X̄²/Sxx)), t = a/se(a) on k − 2 = 2 df
        int k = 4;
        double mx = 0;
        double my = 0;
        for (int i = 0; i < k; i++) {
            mx += Math.sqrt(v[i]) / k;
            my += z[i] / Math.sqrt(v[i]) / k;
        }
        double sxx = 0;
        double sxy = 0;
        for (int i = 0; i < k; i++) {
            sxx += (Math.sqrt(v[i]) - mx) * (Math.sqrt(v[i]) - mx);
            sxy += (Math.sqrt(v[i]) - mx) * (z[i] / Math.sqrt(v[i]) - my);
        }
        double b = sxy / sxx;
        double a = my - b * mx;
        double rss = 0;
        for (int i = 0; i < k; i++) {
            double r = z[i] / Math.sqrt(v[i]) - a - b * Math.sqrt(v[i]);
            rss += r * r;
        }
        double seA = Math.sqrt(rss / (k - 2) * (1.0 / k + mx * mx / sxx));

        HarbordTest h = SmallStudyTests.harbord(FIVE);
        assertTrue(h.isOk(), h.status());
        assertEquals(4, h.k(), "the double-zero study carries no information");
        assertEquals(2, h.df());
        assertEquals(a, h.intercept(), 1e-12);
        assertEquals(b, h.slope(), 1e-12);
        assertEquals(seA, h.interceptSe(), 1e-12);
        assertEquals(a / seA, h.t(), 1e-12);
        // the same regression in R: lm(I(Z/sqrt(V)) ~ sqrt(V)) gives these (R 4.2.2)
        assertEquals(-0.35357347630303271, h.intercept(), 1e-12);
        assertEquals(1.28066378802521563, h.interceptSe(), 1e-12);
        assertEquals(0.40675707547123602, h.slope(), 1e-12);
        assertEquals(0.80839471063785495, h.pValue(), 1e-12);
        assertTrue(h.fewerThanTenStudies());
    }

    @Test
    void harbordNeedsThreeInformativeStudies() {
        HarbordTest h = SmallStudyTests.harbord(FIVE.subList(2, 5));
        assertFalse(h.isOk());
        assertEquals(2, h.k());
        assertEquals("not estimable: fewer than 3 studies", h.status());
        assertTrue(Double.isNaN(h.pValue()));
        assertEquals("not estimable: no study with both events and non-events",
                SmallStudyTests.harbord(List.of(StudyCounts.binary("E", 0, 30, 0, 30))).status());
    }

    @Test
    void petersRegressesOnTheReciprocalOfTheTotalSampleSize() {
        // structural checks: t = slope/se on k − 2 df and the under-ten flag (the values are oracle-tested against
        // metafor regtest(model = "lm", predictor = "ninv") in MetaforOracleTest)
        List<StudyCounts> three = List.of(
                StudyCounts.binary("a", 5, 10, 3, 10),
                StudyCounts.binary("b", 12, 40, 10, 40),
                StudyCounts.binary("c", 30, 100, 31, 100));
        PetersTest p = SmallStudyTests.peters(three, EffectMeasure.RD, ZeroCellRule.DEFAULT);
        assertTrue(p.isOk(), p.status());
        assertEquals(3, p.k());
        assertEquals(1, p.df());
        assertTrue(p.fewerThanTenStudies());
        assertEquals(p.slope() / p.slopeSe(), p.t(), 1e-12);
        assertEquals(Dist.twoSidedTP(p.t(), 1), p.pValue(), 1e-15);
    }

    @Test
    void petersIsNotEstimableWithoutSampleSizesOrWithFewerThanThreeStudies() {
        PetersTest rate = SmallStudyTests.peters(List.of(StudyCounts.rate("r", 1, 100, 2, 100)), EffectMeasure.IRR,
                ZeroCellRule.DEFAULT);
        assertFalse(rate.isOk());
        assertTrue(rate.status().startsWith("not estimable: Peters' test needs sample sizes"), rate.status());
        PetersTest two = SmallStudyTests.peters(FIVE.subList(0, 2), EffectMeasure.OR, ZeroCellRule.DEFAULT);
        assertEquals("not estimable: fewer than 3 studies", two.status());
        assertTrue(Double.isNaN(two.t()));
        PetersTest same = SmallStudyTests.peters(List.of(
                StudyCounts.binary("a", 5, 10, 3, 10), StudyCounts.binary("b", 4, 10, 3, 10),
                StudyCounts.binary("c", 2, 10, 3, 10)), EffectMeasure.OR, ZeroCellRule.DEFAULT);
        assertEquals("not estimable: all studies have the same sample size", same.status());
    }
}
