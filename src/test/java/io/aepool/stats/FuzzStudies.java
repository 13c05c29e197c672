package io.aepool.stats;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Generators and well-formedness checks shared by the engine's property-based tests: random study sets skewed
 * toward the boundaries the engine must survive (no events, every subject with an event, one subject per arm,
 * arms of 10⁹ subjects, person-time from 10⁻³ to 10⁷).
 */
final class FuzzStudies {

    static final long HUGE = 1_000_000_000L;

    /** The zero-cell rules the engine is fuzzed under (labels as users write them). */
    static final List<ZeroCellRule> RULES = List.of(ZeroCellRule.DEFAULT, ZeroCellRule.parse("all:0.5,drop00"),
            ZeroCellRule.parse("tacc,drop00"), ZeroCellRule.parse("none,keep00"), ZeroCellRule.parse("only0:0.5,keep00"));

    /** The rules that treat both arms alike, so that swapping the arms mirrors every per-study effect. */
    static final List<ZeroCellRule> SYMMETRIC_RULES = List.of(ZeroCellRule.DEFAULT, ZeroCellRule.parse("all:0.5,drop00"),
            ZeroCellRule.parse("tacc,drop00"));

    private FuzzStudies() {
    }

    /** Subjects in one arm: 1 to 10⁹, mostly small, with n = 1 and n = 10⁹ often. */
    static Arbitrary<Long> armSize() {
        return Arbitraries.frequencyOf(
                Tuple.of(3, Arbitraries.just(1L)),
                Tuple.of(2, Arbitraries.just(2L)),
                Tuple.of(10, Arbitraries.longs().between(1, 30)),
                Tuple.of(8, Arbitraries.longs().between(1, 3000)),
                Tuple.of(3, Arbitraries.longs().between(1, HUGE)),
                Tuple.of(2, Arbitraries.of(HUGE, HUGE - 1)));
    }

    /** Subjects in one arm, at most {@code max}: the everyday sizes of {@link #armSize()}. */
    static Arbitrary<Long> armSizeUpTo(long max) {
        return armSize().filter(n -> n <= max);
    }

    /** Events in an arm of n subjects: 0 and n often, 1 and n − 1 sometimes, otherwise anything in 0..n. */
    static Arbitrary<Long> events(long n) {
        return Arbitraries.frequencyOf(
                Tuple.of(3, Arbitraries.just(0L)),
                Tuple.of(3, Arbitraries.just(n)),
                Tuple.of(1, Arbitraries.just(1L)),
                Tuple.of(1, Arbitraries.just(n - 1)),
                Tuple.of(8, Arbitraries.longs().between(0, n)));
    }

    /** {events, subjects} of one arm of at most maxN subjects. */
    static Arbitrary<long[]> arm(long maxN) {
        return armSizeUpTo(maxN).flatMap(n -> events(n).map(e -> new long[] {e, n}));
    }

    /** {eventsExp, nExp, eventsCtl, nCtl} of one binary study with arms of at most maxN subjects. */
    static Arbitrary<long[]> binaryTable(long maxN) {
        return Combinators.combine(arm(maxN), arm(maxN)).as((x, c) -> new long[] {x[0], x[1], c[0], c[1]});
    }

    /** 1 to 40 binary studies with ids s0, s1, ... */
    static Arbitrary<List<StudyCounts>> binaryStudies() {
        return binaryStudies(1, 40);
    }

    static Arbitrary<List<StudyCounts>> binaryStudies(int min, int max) {
        return binaryStudies(min, max, HUGE);
    }

    /** min to max binary studies with arms of at most maxN subjects. */
    static Arbitrary<List<StudyCounts>> binaryStudies(int min, int max, long maxN) {
        return binaryTable(maxN).list().ofMinSize(min).ofMaxSize(max).map(tables -> {
            List<StudyCounts> out = new ArrayList<>(tables.size());
            for (int i = 0; i < tables.size(); i++) {
                long[] t = tables.get(i);
                out.add(StudyCounts.binary("s" + i, t[0], t[1], t[2], t[3]));
            }
            return out;
        });
    }

    /** Person-time from 10⁻³ to 10⁷, log-uniform, with both ends often. */
    static Arbitrary<Double> personTime() {
        return Arbitraries.frequencyOf(
                Tuple.of(2, Arbitraries.just(1e-3)),
                Tuple.of(2, Arbitraries.just(1e7)),
                Tuple.of(10, Arbitraries.doubles().between(-3, 7).map(e -> Math.pow(10, e))));
    }

    /** Events over person-time: 0 often, mostly few, up to 10⁹. */
    static Arbitrary<Long> rateEvents() {
        return Arbitraries.frequencyOf(
                Tuple.of(4, Arbitraries.just(0L)),
                Tuple.of(8, Arbitraries.longs().between(0, 20)),
                Tuple.of(3, Arbitraries.longs().between(0, 1_000_000)),
                Tuple.of(1, Arbitraries.longs().between(0, HUGE)));
    }

    /** 1 to 40 rate studies (events and person-time in each arm, no arm sizes). */
    static Arbitrary<List<StudyCounts>> rateStudies() {
        Arbitrary<Object[]> study = Combinators.combine(rateEvents(), personTime(), rateEvents(), personTime())
                .as((x1, t1, x2, t2) -> new Object[] {x1, t1, x2, t2});
        return study.list().ofMinSize(1).ofMaxSize(40).map(rows -> {
            List<StudyCounts> out = new ArrayList<>(rows.size());
            for (int i = 0; i < rows.size(); i++) {
                Object[] r = rows.get(i);
                out.add(StudyCounts.rate("r" + i, (Long) r[0], (Double) r[1], (Long) r[2], (Double) r[3]));
            }
            return out;
        });
    }

    /** The same study with its arms exchanged (experimental becomes control). */
    static StudyCounts swapped(StudyCounts s) {
        return new StudyCounts(s.studyId(), s.eventsCtl(), s.nCtl(), s.eventsExp(), s.nExp(), s.timeCtl(), s.timeExp());
    }

    /** Every supported pooling method × interval method for a measure. */
    static List<Object[]> supportedMethods(EffectMeasure measure) {
        List<Object[]> out = new ArrayList<>();
        for (PoolingMethod m : PoolingMethod.values()) {
            for (CiMethod ci : CiMethod.values()) {
                if (Poolers.supports(measure, m, ci)) {
                    out.add(new Object[] {m, ci});
                }
            }
        }
        return out;
    }

    // ---------------------------------------------------------------- well-formedness of results

    /** The status with its numbers blanked, to compare the reasons of mirrored or reordered data. */
    static String reason(String status) {
        return status.replaceAll("-?\\d[\\d.eE+-]*", "#");
    }

    static boolean isNotEstimable(String status) {
        return status.startsWith("not estimable: ");
    }

    static boolean isNotConverged(String status) {
        return status.startsWith("not converged: ");
    }

    /** Every double of the result, named, for messages. */
    static double[] numbers(PooledEstimate e) {
        return new double[] {e.theta(), e.se(), e.ciLow(), e.ciHigh(), e.pValue(), e.q(), e.qP(), e.i2(), e.h2(),
                e.tau2(), e.tau2CiLow(), e.tau2CiHigh(), e.i2CiLow(), e.i2CiHigh(), e.piLow(), e.piHigh()};
    }

    static void assertNoInfinity(double[] xs, String ctx) {
        for (double x : xs) {
            assertFalse(Double.isInfinite(x), () -> ctx + ": infinite number");
        }
    }

    static void assertFinite(double x, String what, String ctx) {
        assertTrue(Double.isFinite(x), () -> ctx + ": " + what + " = " + x + " is not finite");
    }

    static void assertProbability(double p, String what, String ctx) {
        assertTrue(p >= 0 && p <= 1, () -> ctx + ": " + what + " = " + p + " is not in [0, 1]");
    }

    /**
     * The contract of a pooled result: "ok" with every number the method produces finite and in range (NaN only for
     * what the method does not produce), or "not estimable: why", or "not converged: why" without infinities.
     */
    /**
     * The Bayesian model: no p-value but posterior probabilities (harm beyond the threshold no likelier than harm),
     * τ² and I² with credible intervals around them, a posterior predictive interval around the credible interval.
     */
    static void assertWellFormedPosterior(PooledEstimate e, String ctx) {
        PooledEstimate.Posterior post = e.posterior();
        assertTrue(post != null && Double.isNaN(e.pValue()), () -> ctx + ": a posterior and no p-value");
        assertProbability(post.probAbove1(), "P(ratio > 1)", ctx);
        assertProbability(post.probAboveThreshold(), "P(ratio > threshold)", ctx);
        assertTrue(post.probAboveThreshold() <= post.probAbove1() + 1e-12, () -> ctx + ": P(> threshold) above P(> 1)");
        assertTrue(e.tau2CiLow() <= e.tau2() && e.tau2() <= e.tau2CiHigh() && e.tau2CiLow() >= 0
                && Double.isFinite(e.tau2CiHigh()), () -> ctx + ": tau² credible interval");
        assertTrue(e.piDf() == 0 && e.piLow() <= e.ciLow() && e.ciHigh() <= e.piHigh() && Double.isFinite(e.piLow())
                && Double.isFinite(e.piHigh()), () -> ctx + ": the predictive interval must hold the credible interval");
        assertEquals(e.k() - 1, e.qDf(), () -> ctx + ": Q df");
        if (e.k() > 1) {
            assertProbability(e.qP(), "p(Q)", ctx);
            assertProbability(e.i2CiLow(), "I² CI low", ctx);
            assertProbability(e.i2CiHigh(), "I² CI high", ctx);
            assertTrue(e.i2CiLow() <= e.i2() && e.i2() <= e.i2CiHigh(), () -> ctx + ": I² credible interval");
        }
    }

    static void assertWellFormed(PooledEstimate e, PredictionInterval pi, String ctx0) {
        String ctx = ctx0 + " -> " + e;
        String status = e.status();
        assertTrue(e.isOk() || isNotEstimable(status) || isNotConverged(status), () -> ctx + ": unexpected status");
        assertNoInfinity(numbers(e), ctx);
        if (!e.isOk()) {
            return;
        }
        assertTrue(e.k() >= 1, () -> ctx + ": ok with k = 0");
        assertFinite(e.theta(), "theta", ctx);
        assertTrue(e.se() > 0 && Double.isFinite(e.se()), () -> ctx + ": se must be finite and > 0");
        assertTrue(e.ciLow() <= e.theta() && e.theta() <= e.ciHigh(), () -> ctx + ": theta outside its CI");
        if (e.method().isBayesian()) {
            assertWellFormedPosterior(e, ctx);
            return;
        }
        assertProbability(e.pValue(), "p", ctx);
        if (e.measure().isRatio()) {
            // ratios are reported on the natural scale: exp must neither overflow nor underflow
            for (double x : new double[] {e.estimate(), e.ciLowNatural(), e.ciHighNatural(),
                    e.piDf() >= 0 ? e.piLowNatural() : 1, e.piDf() >= 0 ? e.piHighNatural() : 1}) {
                assertTrue(x > 0 && Double.isFinite(x), () -> ctx + ": ratio " + x + " on the natural scale");
            }
        }
        boolean random = e.method().isRandomEffects();
        if (!random && Double.isNaN(e.q())) {
            // Q comes from the per-study effects; MH and CM-EL pool raw counts and may have no usable effect
            assertTrue(e.method() == PoolingMethod.MH || e.method() == PoolingMethod.CMEL || e.method() == PoolingMethod.GLMM,
                    () -> ctx + ": Q missing for " + e.method());
            assertTrue(Double.isNaN(e.qP()) && Double.isNaN(e.i2()) && Double.isNaN(e.h2()),
                    () -> ctx + ": Q is NaN but its p, I² or H² is not");
        } else {
            assertTrue(e.q() >= 0, () -> ctx + ": Q must be finite and >= 0");
            if (e.method() == PoolingMethod.MH || e.method() == PoolingMethod.CMEL) {
                // Q over the studies with a usable per-study effect (metafor rma.mh)
                assertTrue(e.qDf() >= 0 && e.qDf() <= e.k() - 1, () -> ctx + ": Q df");
            } else {
                assertEquals(e.k() - 1, e.qDf(), () -> ctx + ": Q df");
            }
            assertProbability(e.qP(), "p(Q)", ctx);
            assertProbability(e.i2(), "I²", ctx);
            assertTrue(e.h2() >= 0 && Double.isFinite(e.h2()), () -> ctx + ": H² must be finite and >= 0");
        }
        if (e.method() == PoolingMethod.GLMM) {
            // a maximum-likelihood tau² without a Q-profile interval; the prediction interval as asked
            assertTrue(e.tau2() >= 0 && Double.isFinite(e.tau2()), () -> ctx + ": tau² must be finite and >= 0");
            assertTrue(Double.isNaN(e.tau2CiLow()) && Double.isNaN(e.tau2CiHigh()), () -> ctx + ": no tau² CI for the GLMM");
            assertEquals(pi.df(e.k()), e.piDf(), () -> ctx + ": PI df");
            if (e.piDf() >= 0) {
                assertTrue(e.piLow() <= e.ciLow() && e.ciHigh() <= e.piHigh(), () -> ctx + ": PI must hold the CI");
            }
            return;
        }
        if (!random) {
            assertEquals(0.0, e.tau2(), () -> ctx + ": fixed-effect tau²");
            assertTrue(Double.isNaN(e.tau2CiLow()) && Double.isNaN(e.tau2CiHigh()) && Double.isNaN(e.piLow())
                    && Double.isNaN(e.piHigh()) && e.piDf() == -1, () -> ctx + ": fixed effect has no tau² CI or PI");
            return;
        }
        assertTrue(e.tau2() >= 0 && Double.isFinite(e.tau2()), () -> ctx + ": tau² must be finite and >= 0");
        assertTrue(e.h2() >= 1, () -> ctx + ": random-effects H² must be >= 1");
        if (e.k() >= 2) {
            assertTrue(e.tau2CiLow() >= 0 && e.tau2CiLow() <= e.tau2CiHigh() && Double.isFinite(e.tau2CiHigh()),
                    () -> ctx + ": tau² CI");
            assertProbability(e.i2CiLow(), "I² CI low", ctx);
            assertProbability(e.i2CiHigh(), "I² CI high", ctx);
        } else {
            assertTrue(Double.isNaN(e.tau2CiLow()) && Double.isNaN(e.tau2CiHigh()), () -> ctx + ": tau² CI with k = 1");
        }
        assertEquals(pi.df(e.k()), e.piDf(), () -> ctx + ": PI df");
        if (e.piDf() >= 0) {
            assertTrue(e.piLow() <= e.theta() && e.theta() <= e.piHigh() && Double.isFinite(e.piLow())
                    && Double.isFinite(e.piHigh()), () -> ctx + ": PI must be finite and contain theta");
        } else {
            assertTrue(Double.isNaN(e.piLow()) && Double.isNaN(e.piHigh()), () -> ctx + ": PI without df");
        }
    }
}
