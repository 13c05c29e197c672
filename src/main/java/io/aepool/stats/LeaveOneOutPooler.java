package io.aepool.stats;

import java.util.List;

/**
 * A {@link Pooler} whose estimate follows from sufficient sums, so leaving one study out is the whole set's sums
 * minus that study's terms (O(1) per study, not a refit). Implemented by Mantel–Haenszel, inverse-variance fixed
 * effect and DerSimonian–Laird with the Wald-z interval; leave-one-out itself is written once, in
 * {@link LeaveOneOut}, over any pooler.
 */
public interface LeaveOneOutPooler extends Pooler {

    /**
     * The sums of {@code studies} for this pooler (O(k), once per set), or null when this set's subsets must be
     * refitted (e.g. a study without person-time, or a configuration the sums cannot reproduce exactly).
     */
    PoolSums sums(List<StudyCounts> studies);

    /**
     * The estimate {@link #pool} would give on the studies summed in {@code sums} (typically {@code all.without(i)}),
     * or null when the sums cannot give it exactly (too few studies, a status other than ok, a result whose rounding
     * difference from the refit could exceed 1e-12 of it): the caller
     * then refits.
     */
    PooledEstimate fromSums(PoolSums sums);
}
