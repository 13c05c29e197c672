package io.aepool.stats;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/** Sensitivity analyses written once over any {@link Pooler}. */
public final class Sensitivity {

    private Sensitivity() {
    }

    /**
     * The pooled estimate without each study in turn, keyed by the left-out study's id, in input order.
     * A study the pooler would drop anyway (e.g. double zero) still gets its entry (equal to the full analysis).
     * Duplicate study ids keep the last one's result. O(1) per study from the pooler's sums when it has them
     * ({@link LeaveOneOutPooler}: MH, IV, DL with the Wald-z interval and no Q-profile intervals), else a refit each.
     */
    public static LinkedHashMap<String, PooledEstimate> leaveOneOut(Pooler pooler, List<StudyCounts> studies) {
        LeaveOneOut loo = LeaveOneOut.of(pooler, studies);
        LinkedHashMap<String, PooledEstimate> out = new LinkedHashMap<>();
        for (int i = 0; i < studies.size(); i++) {
            out.put(studies.get(i).studyId(), loo.without(i).estimate());
        }
        return out;
    }

    /** Element i pools the first i + 1 studies of {@code inOrder} (the caller chooses the order, e.g. by year). */
    public static List<PooledEstimate> cumulative(Pooler pooler, List<StudyCounts> inOrder) {
        List<PooledEstimate> out = new ArrayList<>(inOrder.size());
        for (int i = 1; i <= inOrder.size(); i++) {
            out.add(pooler.pool(inOrder.subList(0, i)));
        }
        return Collections.unmodifiableList(out);
    }

    /**
     * Pools each subgroup separately (each with its own tau² for random effects) and tests the difference between
     * subgroups. Studies whose group is null are left out. Groups are keyed and ordered by label.
     */
    public static SubgroupAnalysis subgroups(Pooler pooler, List<StudyCounts> studies,
                                             Function<String, String> groupOfStudyId) {
        Map<String, List<StudyCounts>> byGroup = new TreeMap<>();
        for (StudyCounts s : studies) {
            String group = groupOfStudyId.apply(s.studyId());
            if (group != null) {
                byGroup.computeIfAbsent(group, g -> new ArrayList<>()).add(s);
            }
        }
        LinkedHashMap<String, PooledEstimate> groups = new LinkedHashMap<>();
        byGroup.forEach((group, members) -> groups.put(group, pooler.pool(members)));
        return new SubgroupAnalysis(groups, SubgroupTests.of(new ArrayList<>(groups.values())));
    }
}
