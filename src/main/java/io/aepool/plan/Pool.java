package io.aepool.plan;

import java.io.Serializable;
import java.util.Map;
import java.util.Set;

/**
 * A named set of studies pooled together, chosen by study attributes: a study is in the pool when,
 * for every attribute named in {@code where}, its value is one of the listed values.
 */
public record Pool(String name, Map<String, Set<String>> where) implements Serializable {

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
        return where.entrySet().stream().allMatch(e -> e.getValue().contains(String.valueOf(study.attribute(e.getKey()))));
    }
}
