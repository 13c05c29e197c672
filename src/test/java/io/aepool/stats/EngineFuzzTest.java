package io.aepool.stats;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static io.aepool.stats.FuzzStudies.assertWellFormed;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Property-based tests of the study-level engine on random 2×2 tables (zeros, n = 1, n = 10⁹, all-event arms) and
 * random rate data: every result is finite or says why not, and pooling respects the symmetries of the data.
 */
class EngineFuzzTest {

    private static final List<EffectMeasure> BINARY = List.of(EffectMeasure.RR, EffectMeasure.OR, EffectMeasure.RD);
    private static final List<EffectMeasure> RATE = List.of(EffectMeasure.IRR, EffectMeasure.IRD);

    @Provide
    Arbitrary<List<StudyCounts>> binaryStudies() {
        return FuzzStudies.binaryStudies();
    }

    @Provide
    Arbitrary<List<StudyCounts>> rateStudies() {
        return FuzzStudies.rateStudies();
    }

    // ------------------------------------------------------------------------------- 1. finite or not estimable

    @Property(tries = 60, seed = "42")
    void everyBinaryResultIsFiniteOrSaysWhyNot(@ForAll("binaryStudies") List<StudyCounts> studies) {
        poolEverything(studies, BINARY);
    }

    @Property(tries = 60, seed = "42")
    void everyRateResultIsFiniteOrSaysWhyNot(@ForAll("rateStudies") List<StudyCounts> studies) {
        poolEverything(studies, RATE);
    }

    /** Every supported measure × method × interval × zero-cell rule × prediction interval: never throws, well formed. */
    private static void poolEverything(List<StudyCounts> studies, List<EffectMeasure> measures) {
        for (EffectMeasure measure : measures) {
            for (ZeroCellRule rule : FuzzStudies.RULES) {
                for (Object[] mc : FuzzStudies.supportedMethods(measure)) {
                    PoolingMethod method = (PoolingMethod) mc[0];
                    CiMethod ci = (CiMethod) mc[1];
                    // fixed-effect methods have no prediction interval: one PI setting is enough for them
                    List<PredictionInterval> pis = method.isRandomEffects()
                            ? List.of(PredictionInterval.values()) : List.of(PredictionInterval.DEFAULT);
                    for (PredictionInterval pi : pis) {
                        String ctx = measure + "/" + method + "/" + ci.label() + "/" + rule.label() + "/" + pi.label()
                                + " on " + studies;
                        PooledEstimate e = Poolers.create(measure, method, ci, rule, pi).pool(studies);
                        assertWellFormed(e, pi, ctx);
                    }
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------ 2. swapping the arms

    @Property(tries = 150, seed = "42")
    void swappingTheArmsMirrorsTheEstimate(@ForAll("binaryStudies") List<StudyCounts> studies) {
        List<StudyCounts> swapped = studies.stream().map(FuzzStudies::swapped).toList();
        for (ZeroCellRule rule : FuzzStudies.SYMMETRIC_RULES) {
            for (EffectMeasure measure : BINARY) {
                for (PoolingMethod method : swapMethods(measure)) {
                    assertMirrored(measure, method, rule, studies, swapped);
                }
            }
        }
    }

    @Property(tries = 150, seed = "42")
    void swappingTheArmsMirrorsTheRateEstimate(@ForAll("rateStudies") List<StudyCounts> studies) {
        List<StudyCounts> swapped = studies.stream().map(FuzzStudies::swapped).toList();
        for (ZeroCellRule rule : FuzzStudies.SYMMETRIC_RULES) {
            for (EffectMeasure measure : RATE) {
                for (PoolingMethod method : List.of(PoolingMethod.MH, PoolingMethod.IV, PoolingMethod.DL)) {
                    assertMirrored(measure, method, rule, studies, swapped);
                }
            }
        }
    }

    private static List<PoolingMethod> swapMethods(EffectMeasure measure) {
        return measure == EffectMeasure.OR
                ? List.of(PoolingMethod.MH, PoolingMethod.IV, PoolingMethod.DL, PoolingMethod.PETO, PoolingMethod.CMEL)
                : List.of(PoolingMethod.MH, PoolingMethod.IV, PoolingMethod.DL);
    }

    /** θ → −θ (log ratio inverted, difference negated), same se, Q and tau²; same status. */
    private static void assertMirrored(EffectMeasure measure, PoolingMethod method, ZeroCellRule rule,
                                       List<StudyCounts> studies, List<StudyCounts> swapped) {
        Pooler pooler = Poolers.create(measure, method, CiMethod.WALD_Z, rule);
        PooledEstimate a = pooler.pool(studies);
        PooledEstimate b = pooler.pool(swapped);
        String ctx = measure + "/" + method + "/" + rule.label() + " on " + studies + ": " + a + " vs swapped " + b;
        assertEquals(FuzzStudies.reason(a.status()), FuzzStudies.reason(b.status()), () -> ctx);
        assertEquals(a.k(), b.k(), () -> ctx);
        if (!a.isOk()) {
            return;
        }
        assertClose(a.theta(), -b.theta(), a.se(), ctx + " (theta)");
        assertClose(a.se(), b.se(), a.se(), ctx + " (se)");
        assertClose(a.ciLow(), -b.ciHigh(), a.se(), ctx + " (CI)");
        assertClose(a.q(), b.q(), 1, ctx + " (Q)");
        assertClose(a.tau2(), b.tau2(), a.se() * a.se(), ctx + " (tau²)");
    }

    /**
     * Equal to about 1e-9 of the larger magnitude or of the natural scale of the quantity, plus a few ulps of 1 (a
     * ratio near 1 is rounded before its log is taken, so log(r/s) and log(s/r) may differ by ~1e-16).
     */
    private static void assertClose(double expected, double actual, double scale, String ctx) {
        if (Double.isNaN(expected) && Double.isNaN(actual)) {
            return;
        }
        double tol = 1e-9 * Math.max(Math.max(Math.abs(expected), Math.abs(actual)), Math.abs(scale)) + 1e-15;
        assertTrue(Math.abs(expected - actual) <= tol, () -> ctx + ": " + expected + " vs " + actual);
    }

    // ------------------------------------------------------------------------------ 3. an empty study changes nothing

    @Property(tries = 40, seed = "42")
    void aDoubleZeroStudyChangesNothingWhereItIsDropped(@ForAll("binaryStudies") List<StudyCounts> studies,
                                                         @ForAll("arm") long[] arm, @ForAll @IntRange(max = 40) int at) {
        List<StudyCounts> more = new ArrayList<>(studies);
        more.add(Math.min(at, studies.size()), StudyCounts.binary("empty", 0, arm[0], 0, arm[1]));
        for (ZeroCellRule rule : FuzzStudies.RULES) {
            for (EffectMeasure measure : List.of(EffectMeasure.RR, EffectMeasure.OR)) {
                for (Object[] mc : FuzzStudies.supportedMethods(measure)) {
                    Pooler pooler = Poolers.create(measure, (PoolingMethod) mc[0], (CiMethod) mc[1], rule);
                    PooledEstimate before = pooler.pool(studies);
                    PooledEstimate after = pooler.pool(more);
                    if (rule.dropDoubleZero()) {
                        // the study is dropped before anything is computed: the very same result
                        assertEquals(before, after, () -> "drop00 " + mc[0] + " on " + studies);
                    } else if (mc[0] == PoolingMethod.MH) {
                        // MH sums of a·d/n, b·c/n, a·n2/n, c·n1/n gain exactly 0; only Q's studies change
                        assertEquals(before.status(), after.status(), () -> "MH keep00 on " + studies);
                        assertEquals(before.theta(), after.theta(), () -> "MH keep00 on " + studies);
                        assertEquals(before.se(), after.se(), () -> "MH keep00 on " + studies);
                    }
                }
            }
        }
    }

    @Property(tries = 40, seed = "42")
    void aRateStudyWithoutEventsChangesNothingWhereItIsDropped(@ForAll("rateStudies") List<StudyCounts> studies,
                                                               @ForAll("time") double t1, @ForAll("time") double t2,
                                                               @ForAll @IntRange(max = 40) int at) {
        List<StudyCounts> more = new ArrayList<>(studies);
        more.add(Math.min(at, studies.size()), StudyCounts.rate("empty", 0, t1, 0, t2));
        for (ZeroCellRule rule : FuzzStudies.RULES) {
            for (Object[] mc : FuzzStudies.supportedMethods(EffectMeasure.IRR)) {
                Pooler pooler = Poolers.create(EffectMeasure.IRR, (PoolingMethod) mc[0], (CiMethod) mc[1], rule);
                PooledEstimate before = pooler.pool(studies);
                PooledEstimate after = pooler.pool(more);
                if (rule.dropDoubleZero()) {
                    assertEquals(before, after, () -> "drop00 " + mc[0] + " on " + studies);
                } else if (mc[0] == PoolingMethod.MH) {
                    assertEquals(before.theta(), after.theta(), () -> "MH keep00 on " + studies);
                    assertEquals(before.se(), after.se(), () -> "MH keep00 on " + studies);
                }
            }
        }
    }

    @Provide
    Arbitrary<long[]> arm() {
        return Combinators.combine(FuzzStudies.armSize(), FuzzStudies.armSize()).as((a, b) -> new long[] {a, b});
    }

    @Provide
    Arbitrary<Double> time() {
        return FuzzStudies.personTime();
    }

    // ------------------------------------------------------------------------------------ 4. order is irrelevant

    @Provide
    Arbitrary<List<StudyCounts>> everydayStudies() {
        return FuzzStudies.binaryStudies(1, 40, 3000);
    }

    /** Arms up to 3000 subjects: sums are well conditioned and closed forms agree to 1e-12. */
    @Property(tries = 30, seed = "42")
    void theOrderOfTheStudiesDoesNotMatter(@ForAll("everydayStudies") List<StudyCounts> studies, @ForAll long shuffleSeed) {
        assertOrderFree(studies, shuffleSeed, 1);
    }

    /**
     * Arms up to 10⁹ subjects: products of 10⁹-sized counts cancel in the MH risk-difference variance and in Q around
     * estimates with variances near 1e-18, so closed forms agree only to 1e-9 (still far from any real order effect).
     */
    @Property(tries = 30, seed = "42")
    void theOrderOfHugeStudiesDoesNotMatter(@ForAll("binaryStudies") List<StudyCounts> studies, @ForAll long shuffleSeed) {
        assertOrderFree(studies, shuffleSeed, 1000);
    }

    private static void assertOrderFree(List<StudyCounts> studies, long shuffleSeed, double looser) {
        List<StudyCounts> shuffled = new ArrayList<>(studies);
        Collections.shuffle(shuffled, new Random(shuffleSeed));
        for (EffectMeasure measure : BINARY) {
            for (ZeroCellRule rule : FuzzStudies.RULES) {
                for (Object[] mc : FuzzStudies.supportedMethods(measure)) {
                    Pooler pooler = Poolers.create(measure, (PoolingMethod) mc[0], (CiMethod) mc[1], rule);
                    PooledEstimate a = pooler.pool(studies);
                    PooledEstimate b = pooler.pool(shuffled);
                    String ctx = measure + "/" + mc[0] + "/" + mc[1] + "/" + rule.label() + " on " + studies + ": "
                            + a + " vs shuffled " + b;
                    assertEquals(FuzzStudies.reason(a.status()), FuzzStudies.reason(b.status()), () -> ctx);
                    assertEquals(a.k(), b.k(), () -> ctx);
                    double[] x = FuzzStudies.numbers(a);
                    double[] y = FuzzStudies.numbers(b);
                    for (int i = 0; i < x.length; i++) {
                        boolean qProfile = i >= 10 && i <= 13; // tau² and I² bounds: Q-profile root searches
                        assertRelative(x[i], y[i], qProfile ? ROOT_SEARCH : Math.min(ROOT_SEARCH,
                                        looser * orderTolerance((PoolingMethod) mc[0])),
                                ctx + " (number " + i + ")");
                    }
                }
            }
        }
    }

    /** R's uniroot tolerance eps^0.25 ≈ 1.2e-4 (Paule–Mandel tau², Q-profile bounds), with a little room. */
    private static final double ROOT_SEARCH = 2.5e-4;

    /**
     * Closed-form methods agree to rounding (1e-12 relative); iterative ones only to their stopping rule: metafor's
     * Fisher-scoring threshold 1e-5 and uniroot tolerance for REML, ML and PM, the 1e-10 Newton step for CM-EL, and for
     * the GLMM Brent's search for the maximum of the profile likelihood in tau, which places a maximum only to about the
     * square root of the likelihood's rounding (τ to ~1e-8, seen 3e-8 on μ).
     */
    private static double orderTolerance(PoolingMethod method) {
        return switch (method) {
            case REML, ML, PM -> ROOT_SEARCH;
            case CMEL -> 1e-9;
            case GLMM -> 1e-6;
            default -> 1e-12;
        };
    }

    private static void assertRelative(double x, double y, double tol, String ctx) {
        if (Double.isNaN(x) || Double.isNaN(y)) {
            assertTrue(Double.isNaN(x) && Double.isNaN(y), () -> ctx + ": " + x + " vs " + y);
            return;
        }
        assertTrue(Math.abs(x - y) <= tol * Math.max(1, Math.max(Math.abs(x), Math.abs(y))),
                () -> ctx + ": " + x + " vs " + y);
    }

    // ------------------------------------------------------------------- 5. more information, more weight

    @Property(tries = 200, seed = "42")
    void tenTimesTheSubjectsWithTheSameProportionsTenTimesTheWeight(@ForAll("binaryStudies") List<StudyCounts> studies,
                                                                   @ForAll("smallTable") long[] t,
                                                                   @ForAll @IntRange(max = 40) int at) {
        int i = Math.min(at, studies.size());
        StudyCounts one = StudyCounts.binary("grown", t[0], t[1], t[2], t[3]);
        StudyCounts ten = StudyCounts.binary("grown", 10 * t[0], 10 * t[1], 10 * t[2], 10 * t[3]);
        List<StudyCounts> withOne = new ArrayList<>(studies);
        withOne.add(i, one);
        List<StudyCounts> withTen = new ArrayList<>(studies);
        withTen.add(i, ten);
        for (EffectMeasure measure : BINARY) {
            for (ZeroCellRule rule : FuzzStudies.RULES) {
                EffectSize e1 = EffectSizes.of(one, measure, rule).orElseThrow();
                EffectSize e10 = EffectSizes.of(ten, measure, rule).orElseThrow();
                if (rule.scope() != ZeroCellRule.Scope.ALL) {
                    // no zero cell, so no correction: same effect, a tenth of the variance (binomial variances ∝ 1/n)
                    assertEquals(e1.yi(), e10.yi(), 1e-12 * Math.max(1, Math.abs(e1.yi())), () -> measure + " " + rule.label());
                    assertEquals(e1.vi() / 10, e10.vi(), 1e-12 * e1.vi(), () -> measure + " " + rule.label());
                } else {
                    // the correction of every cell weighs less in the bigger study, but the variance still shrinks
                    assertTrue(e10.vi() < e1.vi(), () -> measure + " " + rule.label());
                }
                for (PoolingMethod method : List.of(PoolingMethod.MH, PoolingMethod.IV, PoolingMethod.PETO)) {
                    if (!Poolers.supports(measure, method, CiMethod.WALD_Z)) {
                        continue;
                    }
                    Map<String, Double> w1 = StudyWeights.percent(withOne, measure, method, rule, 0);
                    Map<String, Double> w10 = StudyWeights.percent(withTen, measure, method, rule, 0);
                    String ctx = measure + "/" + method + "/" + rule.label() + " on " + withOne + ": " + w1 + " vs " + w10;
                    assertTrue(w10.get("grown") >= w1.get("grown") - 1e-9, () -> ctx);
                    if (w1.size() > 1 && w1.get("grown") < 99) {
                        assertTrue(w10.get("grown") > w1.get("grown"), () -> ctx);
                    }
                }
            }
        }
    }

    /** A 2×2 table with every cell between 1 and 1000 (so no zero-cell correction applies, before or after × 10). */
    @Provide
    Arbitrary<long[]> smallTable() {
        Arbitrary<Long> cell = Arbitraries.longs().between(1, 1000);
        return Combinators.combine(cell, cell, cell, cell).as((a, b, c, d) -> new long[] {a, a + b, c, c + d});
    }
}
