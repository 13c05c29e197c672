package io.aepool.stats;

/** How the confidence interval of a pooled estimate is formed. */
public enum CiMethod {
    /** Wald interval with the normal quantile. */
    WALD_Z("wald-z"),
    /** Hartung–Knapp–Sidik–Jonkman: rescaled variance, t(k−1) quantile (random effects only). */
    HKSJ("hksj");

    private final String label;

    CiMethod(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    public static CiMethod parse(String name) {
        for (CiMethod m : values()) {
            if (m.label.equalsIgnoreCase(name.trim()) || m.name().equalsIgnoreCase(name.trim())) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown interval method '" + name + "' (expected wald-z or hksj)");
    }
}
