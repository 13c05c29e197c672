package io.aepool.plan;

import io.aepool.stats.CiMethod;
import io.aepool.stats.EffectMeasure;
import io.aepool.stats.PoolingMethod;
import io.aepool.stats.PredictionInterval;
import io.aepool.stats.ZeroCellRule;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A run's plan from the conf's choices and the study records: one call, a value, no state left for later steps. */
class JobPlanTest {

    private static final JobPlan.AxisChoices AXES = new JobPlan.AxisChoices(List.of(EffectMeasure.RR, EffectMeasure.IRR),
            List.of(PoolingMethod.MH), List.of(CiMethod.WALD_Z), List.of(PredictionInterval.DEFAULT),
            List.of(ZeroCellRule.DEFAULT), false, false, false, List.of(), false, List.of());

    private static StudyRecord record(String id, String design) {
        return new StudyRecord("si", id, 2, 100, 1, 100, 10.0, 10.0, 2020, Map.of("design", design, "drug", "upa"));
    }

    private static final List<StudyRecord> TRIALS = List.of(record("T1", "rct"), record("T2", "rct"));
    private static final List<StudyRecord> MIXED = List.of(record("T1", "rct"), record("T2", "rct"),
            record("R1", "registry"));

    private static JobPlan.PoolDeclaration pool(String name) {
        return new JobPlan.PoolDeclaration(name, Map.of(), false);
    }

    @Test
    void aPoolOfOneDesignIsPlannedAsDeclaredWithTheDefaultPrimary() {
        JobPlan plan = JobPlan.of(List.of(pool("all")), AXES, JobPlan.PrimaryChoice.DEFAULTS, TRIALS);
        assertEquals(List.of("all"), List.copyOf(plan.pools().keySet()));
        assertEquals(List.of(), plan.axes().subgroupVariables(), "no design subgroup without mixed designs");
        assertEquals("all|si|RR|MH|wald-z|" + PredictionInterval.DEFAULT.label() + "|none,drop00|all", plan.primary().id());
        assertFalse(plan.specs().isEmpty());
        assertEquals(List.of(), plan.designsKeptApart(TRIALS));
        assertEquals(Set.of(), plan.registryPools(TRIALS));
    }

    @Test
    void aPoolMixingDesignsAlsoRunsPerDesignAndTestsBetweenDesigns() {
        JobPlan plan = JobPlan.of(List.of(pool("all")), AXES, JobPlan.PrimaryChoice.DEFAULTS, MIXED);
        assertEquals(List.of("all", "all[rct]", "all[registry]"), List.copyOf(plan.pools().keySet()));
        assertEquals(List.of("design"), plan.axes().subgroupVariables());
        assertEquals(List.of("all"), plan.designsKeptApart(MIXED), "no estimate across designs unless combine_designs");
        assertEquals(Set.of("all", "all[registry]"), plan.registryPools(MIXED));

        JobPlan combined = JobPlan.of(List.of(new JobPlan.PoolDeclaration("all", Map.of(), true)), AXES,
                JobPlan.PrimaryChoice.DEFAULTS, MIXED);
        assertEquals(List.of(), combined.designsKeptApart(MIXED));
    }

    @Test
    void aPoolThatChoosesItsDesignIsNotSplit() {
        JobPlan plan = JobPlan.of(List.of(new JobPlan.PoolDeclaration("trials", Map.of("design", Set.of("rct")), false)),
                AXES, JobPlan.PrimaryChoice.DEFAULTS, MIXED);
        assertEquals(List.of("trials"), List.copyOf(plan.pools().keySet()));
    }

    @Test
    void theUntruncatedHartungKnappPrimaryRunsAdHocAndSaysSo() {
        JobPlan plan = JobPlan.of(List.of(pool("all")), AXES,
                new JobPlan.PrimaryChoice(null, null, null, PoolingMethod.DL, CiMethod.HKSJ), TRIALS);
        assertEquals(CiMethod.HKSJ_ADHOC, plan.primary().ciMethod());
        assertTrue(plan.primaryHksjReplaced());
    }

    @Test
    void confErrorsNameTheirKey() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> JobPlan.of(List.of(pool("a"), pool("a")), AXES,
                JobPlan.PrimaryChoice.DEFAULTS, TRIALS)).getMessage().startsWith("pools: pool name 'a' is used twice"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> JobPlan.of(List.of(pool("all")), AXES,
                new JobPlan.PrimaryChoice("other", null, null, null, null), TRIALS)).getMessage()
                .startsWith("primary.pool: unknown pool 'other'"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> JobPlan.of(List.of(pool("all")), AXES,
                new JobPlan.PrimaryChoice(null, "death", null, null, null), TRIALS)).getMessage()
                .startsWith("primary.outcome: unknown outcome 'death'"));
        JobPlan.AxisChoices byAge = new JobPlan.AxisChoices(AXES.measures(), AXES.methods(), AXES.ciMethods(),
                AXES.predictionIntervals(), AXES.zeroRules(), false, false, false, List.of("age"), false, List.of());
        assertEquals("analysis.subgroups: 'age' is not a column of the studies table",
                assertThrows(IllegalArgumentException.class, () -> JobPlan.of(List.of(pool("all")), byAge,
                        JobPlan.PrimaryChoice.DEFAULTS, TRIALS)).getMessage());
    }
}
