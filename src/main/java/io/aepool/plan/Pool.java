package io.aepool.plan;

import java.io.Serializable;
import java.util.Map;
import java.util.Set;

/**
 * A named set of studies pooled together, chosen by study attributes: a study is in the pool when,
 * for every attribute named in {@code where}, its value is one of the listed values.
 *
 * @param combineDesigns whether analyses whose studies are of more than one design (trials and registries) are
 *                       pooled into one estimate; by default they are not (Cochrane Handbook ch. 24; CIOMS X)
 */
public record Pool(String name, Map<String, Set<String>> where, boolean combineDesigns) implements Serializable {

    public Pool(String name, Map<String, Set<String>> where) {
        this(name, where, false);
    }

    public Pool {
        if (name == null || name.isBlank() || name.contains("|")) {
            throw new IllegalArgumentException("pool name '" + name + "' must be non-blank and free of '|'");
        }
        where = where == null ? Map.of() : Map.copyOf(where);
    }

    public static Pool everything() {
        return new Pool("all", Map.of());
    }

    public boolean contains(StudyRecord study) {
        return admits(study::attribute, null);
    }

    /**
     * Whether a study with these attributes is in the pool, judged on {@code checked} attributes only (null: all): a
     * study known by its study-table row alone (e.g. one quarantined by validation) has no {@code dose_arms}.
     */
    public boolean admits(java.util.function.Function<String, Object> attribute, Set<String> checked) {
        return where.entrySet().stream().allMatch(e -> (checked != null && !checked.contains(e.getKey()))
                || e.getValue().contains(String.valueOf(attribute.apply(e.getKey()))));
    }
}
