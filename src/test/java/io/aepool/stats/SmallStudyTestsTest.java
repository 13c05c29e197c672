package io.aepool.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SmallStudyTestsTest {

    private static final ZeroCellRule RULE = ZeroCellRule.DEFAULT;

    @Test
    void kendallNullDistributionIsTheMahonianCountOverNFactorial() {
        // permutations of 3 by inversions: 1, 2, 2, 1
        assertEquals(1.0 / 6, SmallStudyTests.kendallCdf(0, 3), 1e-15);
        assertEquals(3.0 / 6, SmallStudyTests.kendallCdf(1, 3), 1e-15);
        assertEquals(5.0 / 6, SmallStudyTests.kendallCdf(2, 3), 1e-15);
        assertEquals(1.0, SmallStudyTests.kendallCdf(3, 3), 1e-15);
        assertEquals(0.0, SmallStudyTests.kendallCdf(-1, 3));
    }

    @Test
    void perfectRankAgreementOfFourHasExactTwoSidedPOneTwelfth() {
        SmallStudyTests.Kendall k = SmallStudyTests.kendall(new double[] {1, 2, 3, 4}, new double[] {10, 20, 30, 40});
        assertEquals(1.0, k.tau(), 1e-15);
        assertTrue(k.exact());
        assertEquals(2.0 / 24, k.pValue(), 1e-15, "2·P(T >= 6) = 2/4!");
    }

    @Test
    void tiesGiveTauBAndTheTieCorrectedNormalApproximation() {
        // C = 5, D = 0, one tie pair in x: tau-b = 5/√(5·6); var S = (4·3·13 − 2·1·9)/18 = 138/18
        SmallStudyTests.Kendall k = SmallStudyTests.kendall(new double[] {1, 2, 2, 3}, new double[] {1, 2, 3, 4});
        assertEquals(0.9128709291752769, k.tau(), 1e-15);
        assertFalse(k.exact());
        assertEquals(0.07095149242730567, k.pValue(), 1e-12);
    }

    @Test
    void fiftyOrMoreStudiesUseTheNormalApproximation() {
        double[] a = new double[50];
        double[] b = new double[50];
        for (int i = 0; i < 50; i++) {
            a[i] = i;
            b[i] = (i * 7) % 50; // a permutation
        }
        SmallStudyTests.Kendall k = SmallStudyTests.kendall(a, b);
        assertFalse(k.exact());
        double s = k.tau() * 50 * 49 / 2;
        double z = s / Math.sqrt(50 * 49 * 105 / 18.0);
        assertEquals(Dist.twoSidedNormalP(z), k.pValue(), 1e-15);
    }

    private static List<StudyCounts> asymmetric() {
        return List.of(
                StudyCounts.binary("a", 2, 20, 8, 20),
                StudyCounts.binary("b", 5, 40, 12, 40),
                StudyCounts.binary("c", 20, 200, 26, 200),
                StudyCounts.binary("d", 40, 400, 45, 400),
                StudyCounts.binary("e", 9, 60, 15, 60),
                StudyCounts.binary("f", 80, 1000, 84, 1000));
    }

    @Test
    void eggerSlopeTestEqualsTheClassicInterceptTestOfTheStandardNormalDeviateOnPrecision() {
        // Egger et al. (1997): OLS of y/se on 1/se; its intercept t equals the slope t of the weighted form
        List<EffectSize> es = EffectSizes.all(asymmetric(), EffectMeasure.OR, RULE);
        int k = es.size();
        double[] z = new double[k];
        double[] prec = new double[k];
        for (int i = 0; i < k; i++) {
            double se = Math.sqrt(es.get(i).vi());
            z[i] = es.get(i).yi() / se;
            prec[i] = 1 / se;
        }
        double mx = mean(prec);
        double my = mean(z);
        double sxx = 0;
        double sxy = 0;
        for (int i = 0; i < k; i++) {
            sxx += (prec[i] - mx) * (prec[i] - mx);
            sxy += (prec[i] - mx) * (z[i] - my);
        }
        double b1 = sxy / sxx;
        double b0 = my - b1 * mx;
        double rss = 0;
        for (int i = 0; i < k; i++) {
            rss += Math.pow(z[i] - b0 - b1 * prec[i], 2);
        }
        double s2 = rss / (k - 2);
        double seB0 = Math.sqrt(s2 * (1.0 / k + mx * mx / sxx));

        EggerTest egger = SmallStudyTests.egger(asymmetric(), EffectMeasure.OR, RULE);
        assertTrue(egger.isOk(), egger.status());
        assertEquals(6, egger.k());
        assertEquals(4, egger.df());
        assertEquals(b0, egger.slope(), 1e-10, "the bias coefficient");
        assertEquals(b1, egger.limitEstimate(), 1e-10, "the slope on precision is the limit estimate");
        assertEquals(b0 / seB0, egger.t(), 1e-9);
        assertEquals(Dist.twoSidedTP(b0 / seB0, k - 2), egger.pValue(), 1e-10);
        assertTrue(egger.t() < 0, "small studies show the larger protective effects");
        assertTrue(egger.fewerThanTenStudies());
    }

    private static double mean(double[] x) {
        double s = 0;
        for (double d : x) {
            s += d;
        }
        return s / x.length;
    }

    @Test
    void fewerThanThreeStudiesAreNotEstimableAndFlagged() {
        List<StudyCounts> two = asymmetric().subList(0, 2);
        EggerTest egger = SmallStudyTests.egger(two, EffectMeasure.RR, RULE);
        BeggTest begg = SmallStudyTests.begg(two, EffectMeasure.RR, RULE);
        assertEquals("not estimable: fewer than 3 studies", egger.status());
        assertEquals("not estimable: fewer than 3 studies", begg.status());
        assertEquals(2, egger.k());
        assertTrue(egger.fewerThanTenStudies() && begg.fewerThanTenStudies());
        assertTrue(Double.isNaN(egger.pValue()) && Double.isNaN(begg.pValue()));
    }

    @Test
    void doubleZeroStudiesDoNotCountTowardsTheMinimumForRatios() {
        List<StudyCounts> s = new ArrayList<>(asymmetric().subList(0, 2));
        s.add(StudyCounts.binary("z", 0, 30, 0, 30));
        assertEquals("not estimable: fewer than 3 studies", SmallStudyTests.egger(s, EffectMeasure.RR, RULE).status());
        assertTrue(SmallStudyTests.egger(s, EffectMeasure.RD, RULE).isOk(), "RD keeps the double-zero study");
    }

    @Test
    void equalStandardErrorsLeaveBothTestsUndefined() {
        List<StudyCounts> same = List.of(
                StudyCounts.rate("a", 4, 100, 8, 100),
                StudyCounts.rate("b", 8, 100, 4, 100),
                StudyCounts.rate("c", 4, 100, 8, 100));
        EggerTest egger = SmallStudyTests.egger(same, EffectMeasure.IRR, RULE);
        assertEquals("not estimable: all studies have the same standard error", egger.status());
        BeggTest begg = SmallStudyTests.begg(same, EffectMeasure.IRR, RULE);
        assertEquals("not estimable: all studies have the same variance or the same standardised deviate", begg.status());
    }

    @Test
    void tenStudiesAreNotFlagged() {
        List<StudyCounts> ten = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            ten.add(StudyCounts.binary("s" + i, 3 + i, 50 + 10 * i, 6 + i % 3, 52 + 7 * i));
        }
        assertFalse(SmallStudyTests.egger(ten, EffectMeasure.OR, RULE).fewerThanTenStudies());
        BeggTest begg = SmallStudyTests.begg(ten, EffectMeasure.OR, RULE);
        assertFalse(begg.fewerThanTenStudies());
        assertTrue(begg.exact());
    }

    @Test
    void rateMeasuresNeedPersonTime() {
        EggerTest egger = SmallStudyTests.egger(asymmetric(), EffectMeasure.IRR, RULE);
        assertTrue(egger.status().startsWith("not estimable: study a has no person-time"), egger.status());
    }
}
