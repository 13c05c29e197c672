package io.aepool.plan;

import io.aepool.stats.CiMethod;
import io.aepool.stats.EffectMeasure;
import io.aepool.stats.PoolingMethod;
import io.aepool.stats.PredictionInterval;
import io.aepool.stats.ZeroCellRule;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** A spec is a value: its canonical text round-trips and equal specs have equal ids in every run. */
class AnalysisSpecTest {

    private static final AnalysisSpec SPEC = new AnalysisSpec("synthetic-32", "serious_infection", EffectMeasure.RR,
            PoolingMethod.DL, CiMethod.WALD_Z, PredictionInterval.DEFAULT, ZeroCellRule.DEFAULT, Subset.subgroup("condition", "atopic dermatitis"));

    @Test
    void canonicalTextNamesEveryAxis() {
        assertEquals("synthetic-32|serious_infection|RR|DL|wald-z|t(k-2)|only0:0.5,drop00|subgroup:condition=atopic dermatitis",
                SPEC.canonical());
    }

    @Test
    void canonicalTextRoundTrips() {
        assertEquals(SPEC, AnalysisSpec.parse(SPEC.canonical()));
        AnalysisSpec loo = SPEC.withSubset(Subset.leaveOut("S|1"));
        assertEquals(loo, AnalysisSpec.parse(loo.canonical()));
    }

    @Test
    void theIdIsTheReadableCanonicalTextAndDiffersWhenAnyAxisDiffers() {
        assertEquals("synthetic-32|serious_infection|RR|DL|wald-z|t(k-2)|only0:0.5,drop00|all", SPEC.withSubset(Subset.ALL).id());
        assertEquals(SPEC.id(), AnalysisSpec.parse(SPEC.canonical()).id());
        assertNotEquals(SPEC.id(), SPEC.withSubset(Subset.ALL).id());
        assertNotEquals(SPEC.id(), SPEC.withMethod(PoolingMethod.IV, CiMethod.WALD_Z).id());
    }

    @Test
    void aRawCountMethodsSpecCarriesNoCorrectionAndGivesItsSiblingsTheUsualOne() {
        AnalysisSpec mh = SPEC.withMethod(PoolingMethod.MH, CiMethod.WALD_Z);
        assertEquals("none,drop00", mh.zeroRule().label());
        assertEquals("only0:0.5,drop00", mh.effectsZeroRule().label(), "per-study effects and Q");
        assertEquals(mh, AnalysisSpec.parse(mh.canonical()));
        // back to a method on per-study effects, the correction returns
        assertEquals("only0:0.5,drop00", mh.withMethod(PoolingMethod.IV, CiMethod.WALD_Z).zeroRule().label());
    }

    @Test
    void malformedTextIsRejectedWithItsReason() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AnalysisSpec.parse("a|b|RR"));
        assertEquals("analysis spec 'a|b|RR' must have 8 '|'-separated parts", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Subset.parse("some"));
    }

    @Test
    void everySubsetKindRoundTrips() {
        for (Subset s : new Subset[]{Subset.ALL, Subset.leaveOut("A"), Subset.subgroup("drug", "x=y"),
                Subset.leaveSubgroupOut("condition", "vitiligo"), Subset.cumulativeThrough("S:1")}) {
            assertEquals(s, Subset.parse(s.label()));
        }
    }
}
