package io.aepool.stats;

import java.util.ArrayList;
import java.util.List;

/**
 * Leave-one-out over any {@link Pooler}, written once: the set's sufficient sums are made once (O(k)) when the pooler
 * is a {@link LeaveOneOutPooler}, and each estimate without one study comes from them minus that study's terms;
 * every other pooler, and every step the sums cannot give exactly, refits the k − 1 studies. Immutable.
 */
public final class LeaveOneOut {

    /** One estimate without a study, and whether it came from the sums (true) or a refit (false). */
    public record Step(PooledEstimate estimate, boolean fromSums) {
    }

    private final Pooler pooler;
    private final List<StudyCounts> studies;
    private final PoolSums sums;

    private LeaveOneOut(Pooler pooler, List<StudyCounts> studies, PoolSums sums) {
        this.pooler = pooler;
        this.studies = studies;
        this.sums = sums;
    }

    /** Prepares leave-one-out of {@code studies}: O(k) once, the pooler's sums when it has them. */
    public static LeaveOneOut of(Pooler pooler, List<StudyCounts> studies) {
        List<StudyCounts> copy = List.copyOf(studies);
        PoolSums sums = pooler instanceof LeaveOneOutPooler fast ? fast.sums(copy) : null;
        return new LeaveOneOut(pooler, copy, sums);
    }

    /** Studies of the whole set. */
    public int size() {
        return studies.size();
    }

    /** The estimate without study {@code i} (index into the studies given): O(1) from the sums, else a refit. */
    public Step without(int i) {
        if (sums != null) {
            PooledEstimate fast = ((LeaveOneOutPooler) pooler).fromSums(sums.without(i));
            if (fast != null) {
                return new Step(fast, true);
            }
        }
        List<StudyCounts> rest = new ArrayList<>(studies.size() - 1);
        rest.addAll(studies.subList(0, i));
        rest.addAll(studies.subList(i + 1, studies.size()));
        return new Step(pooler.pool(rest), false);
    }
}
