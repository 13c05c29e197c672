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
     * Duplicate study ids keep the last one's result.
     */
    public static LinkedHashMap<String, PooledEstimate> leaveOneOut(Pooler pooler, List<StudyCounts> studies) {
        LinkedHashMap<String, PooledEstimate> out = new LinkedHashMap<>();
        for (int i = 0; i < studies.size(); i++) {
            List<StudyCounts> rest = new ArrayList<>(studies.size() - 1);
            rest.addAll(studies.subList(0, i));
            rest.addAll(studies.subList(i + 1, studies.size()));
            out.put(studies.get(i).studyId(), pooler.pool(rest));
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
