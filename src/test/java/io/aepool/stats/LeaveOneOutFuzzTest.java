package io.aepool.stats;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Leave-one-out from sums on the fuzzer's boundary data (no events, all events, arms of 1 and of 10⁹, person-time
 * from 10⁻³ to 10⁷, every zero-cell rule): a step the sums give equals the refit (same status, k, Q df; numbers to
 * 1e-9 relative, on the scale of the estimate's standard error for values near 0; p to 1e-9 though its relative
 * error grows with z²), and any step the sums cannot give exactly is refitted rather than approximated. On the
 * seed-42 data most steps (~85%) come from the sums; the rest are refitted by the checks of {@link PoolSums}.
 */
class LeaveOneOutFuzzTest {

    static final List<EffectMeasure> BINARY = List.of(EffectMeasure.RR, EffectMeasure.OR, EffectMeasure.RD);
    static final List<EffectMeasure> RATE = List.of(EffectMeasure.IRR, EffectMeasure.IRD);

    /** Binary or rate study sets (a rate set's studies have person-time, a binary set's do not). */
    @Provide
    Arbitrary<List<StudyCounts>> studySets() {
        return Arbitraries.oneOf(FuzzStudies.binaryStudies(2, 12), FuzzStudies.rateStudies());
    }

    @Property(tries = 400, seed = "42")
    void eachStepFromTheSumsEqualsTheRefit(@ForAll("studySets") List<StudyCounts> studies) {
        check(studies, studies.get(0).hasPersonTime() ? RATE : BINARY);
    }

    private static void check(List<StudyCounts> studies, List<EffectMeasure> measures) {
        for (EffectMeasure measure : measures) {
            for (PoolingMethod method : List.of(PoolingMethod.MH, PoolingMethod.IV, PoolingMethod.DL)) {
                for (ZeroCellRule rule : FuzzStudies.RULES) {
                    Pooler pooler = Poolers.create(measure, method, CiMethod.WALD_Z, rule, PredictionInterval.DEFAULT, false);
                    LeaveOneOut loo = LeaveOneOut.of(pooler, studies);
                    for (int i = 0; i < studies.size(); i++) {
                        LeaveOneOut.Step step = loo.without(i);
                        List<StudyCounts> rest = new ArrayList<>(studies);
                        rest.remove(i);
                        PooledEstimate refit = pooler.pool(rest);
                        String where = measure + " " + method + " " + rule.label() + " without " + i + " of " + studies;
                        if (!step.fromSums()) {
                            assertEquals(refit, step.estimate(), where);
                            continue;
                        }
                        PooledEstimate fast = step.estimate();
                        // a status may quote the interval, whose last digits may differ like any number's
                        assertEquals(words(refit.status()), words(fast.status()), where);
                        assertEquals(refit.k(), fast.k(), where);
                        assertEquals(refit.qDf(), fast.qDf(), where);
                        double scale = Math.abs(refit.se());
                        close(refit.theta(), fast.theta(), scale, where + " theta");
                        close(refit.se(), fast.se(), 0, where + " se");
                        close(refit.q(), fast.q(), 1, where + " q");
                        close(refit.tau2(), fast.tau2(), 0, where + " tau2");
                        close(refit.i2(), fast.i2(), 1e-3, where + " i2");
                        close(refit.pValue(), fast.pValue(), 1e-300, where + " p");
                        close(refit.ciLow(), fast.ciLow(), scale, where + " ci low");
                        close(refit.ciHigh(), fast.ciHigh(), scale, where + " ci high");
                    }
                }
            }
        }
    }

    private static String words(String status) {
        int bracket = status.indexOf('[');
        return bracket < 0 ? status : status.substring(0, bracket);
    }

    /** Equal to 1e-9 relative to max(|expected|, floor). */
    private static void close(double expected, double actual, double floor, String what) {
        if (Double.isNaN(expected) || Double.isInfinite(expected)) {
            assertEquals(expected, actual, what);
            return;
        }
        assertEquals(expected, actual, 1e-9 * Math.max(Math.abs(expected), floor), what);
    }
}
