package io.aepool.stats;

import java.util.List;

/**
 * A pooling method: studies in, one pooled estimate with its heterogeneity out.
 * Leave-one-out, cumulative, subgroups and the analysis grid are written once over this interface.
 * Implementations never throw for sparse data: a study set that cannot be pooled gives a
 * {@link PooledEstimate} whose status says why.
 */
public interface Pooler {
    PooledEstimate pool(List<StudyCounts> studies);
}
