package io.aepool.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SensitivityTest {

    private static final List<StudyCounts> STUDIES = List.of(
            StudyCounts.binary("a", 3, 50, 6, 52),
            StudyCounts.binary("b", 5, 80, 19, 77),
            StudyCounts.binary("c", 12, 80, 9, 77),
            StudyCounts.binary("d", 7, 60, 9, 61));
    private static final Pooler DL = Poolers.create(EffectMeasure.RR, PoolingMethod.DL, CiMethod.WALD_Z, ZeroCellRule.DEFAULT);

    @Test
    void leaveOneOutPoolsAllOtherStudiesKeyedByTheLeftOutStudyInInputOrder() {
        Map<String, PooledEstimate> loo = Sensitivity.leaveOneOut(DL, STUDIES);
        assertEquals(List.of("a", "b", "c", "d"), new ArrayList<>(loo.keySet()));
        assertEquals(DL.pool(List.of(STUDIES.get(0), STUDIES.get(1), STUDIES.get(3))), loo.get("c"));
        loo.values().forEach(e -> assertEquals(3, e.k()));
    }

    @Test
    void cumulativeStepIPoolsTheFirstIPlusOneStudies() {
        List<PooledEstimate> cum = Sensitivity.cumulative(DL, STUDIES);
        assertEquals(4, cum.size());
        for (int i = 0; i < cum.size(); i++) {
            assertEquals(i + 1, cum.get(i).k());
            assertEquals(DL.pool(STUDIES.subList(0, i + 1)), cum.get(i));
        }
    }

    @Test
    void subgroupsPoolEachGroupOnItsOwnSortedByLabelAndSkipStudiesWithoutGroup() {
        Map<String, String> group = Map.of("a", "y", "b", "x", "c", "y", "d", "x");
        SubgroupAnalysis sub = Sensitivity.subgroups(DL, STUDIES, group::get);
        assertEquals(List.of("x", "y"), new ArrayList<>(sub.groups().keySet()));
        assertEquals(DL.pool(List.of(STUDIES.get(1), STUDIES.get(3))), sub.groups().get("x"));
        assertEquals(SubgroupTests.of(List.of(sub.groups().get("x"), sub.groups().get("y"))), sub.test());

        SubgroupAnalysis partial = Sensitivity.subgroups(DL, STUDIES, id -> id.equals("a") ? null : "all");
        assertEquals(3, partial.groups().get("all").k());
        assertEquals("not estimable: fewer than 2 subgroups", partial.test().status());
    }
}
