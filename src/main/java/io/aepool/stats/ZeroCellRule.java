package io.aepool.stats;

/**
 * What to do with zero cells when per-study effects are computed: a value, so it can be a grid axis.
 * The default follows metafor's escalc (add 0.5 to every cell of a study with a zero cell) and drops
 * double-zero studies from ratio measures.
 */
public record ZeroCellRule(double increment, Scope scope, boolean dropDoubleZero) {

    /** Which studies receive the continuity correction. */
    public enum Scope {
        /** Only studies with a zero cell (metafor to="only0"). */
        ONLY_ZERO,
        /** Every study (metafor to="all"). */
        ALL,
        /** No correction at all. */
        NONE,
        /**
         * Only studies with a zero cell, the treatment-arm continuity correction of Sweeting, Sutton & Lambert (2004):
         * each arm's correction is proportional to the reciprocal of the size of the other arm, the two summing to
         * 2 × increment (1 with the usual 0.5): k_exp = 2·inc·n_exp/(n_exp + n_ctl), k_ctl = 2·inc·n_ctl/(n_exp + n_ctl)
         * (R meta {@code incr = "TACC"}). Rate measures use person-time in place of arm sizes.
         */
        TACC
    }

    public static final ZeroCellRule DEFAULT = new ZeroCellRule(0.5, Scope.ONLY_ZERO, true);

    public ZeroCellRule {
        if (scope == null) {
            throw new IllegalArgumentException("zero-cell scope must be given");
        }
        if (!(increment >= 0) || Double.isInfinite(increment)) {
            throw new IllegalArgumentException("zero-cell increment must be a finite number >= 0, was " + increment);
        }
    }

    /** The treatment-arm continuity correction with corrections summing to 1 per study, dropping double zeros. */
    public static final ZeroCellRule TACC = new ZeroCellRule(0.5, Scope.TACC, true);

    /**
     * The corrections added to the experimental and control arms' cells of a study with a zero cell, given the arm
     * sizes (or person-time): {increment, increment} except for {@link Scope#TACC}; {0, 0} for {@link Scope#NONE}.
     */
    public double[] armIncrements(double sizeExp, double sizeCtl) {
        return switch (scope) {
            case NONE -> new double[] {0, 0};
            case ONLY_ZERO, ALL -> new double[] {increment, increment};
            // Sweeting, Sutton & Lambert (2004) treatment-arm correction: k_T ∝ 1/n_C, k_C ∝ 1/n_T, k_T + k_C = 2·inc
            case TACC -> new double[] {2 * increment * sizeExp / (sizeExp + sizeCtl), 2 * increment * sizeCtl / (sizeExp + sizeCtl)};
        };
    }

    /** The same rule without any continuity correction: only its choice about double-zero studies is kept. */
    public ZeroCellRule withoutCorrection() {
        return new ZeroCellRule(0, Scope.NONE, dropDoubleZero);
    }

    /**
     * The rule for per-study effects: this one, or when it adds nothing, 0.5 added to the cells of studies with a zero
     * cell with this rule's double-zero choice (metafor's {@code add = 1/2, to = "only0"} beside {@code rma.mh},
     * {@code rma.peto}, {@code rma.glmm}).
     */
    public ZeroCellRule withDefaultCorrection() {
        return isUncorrected() ? new ZeroCellRule(DEFAULT.increment(), DEFAULT.scope(), dropDoubleZero) : this;
    }

    /** True when the rule adds nothing to any cell. */
    public boolean isUncorrected() {
        return scope == Scope.NONE;
    }

    /** Stable label used in spec ids and results rows, e.g. {@code only0:0.5,drop00}, {@code tacc,drop00}. */
    public String label() {
        String base = switch (scope) {
            case ONLY_ZERO -> "only0:" + trim(increment);
            case ALL -> "all:" + trim(increment);
            case NONE -> "none";
            case TACC -> increment == 0.5 ? "tacc" : "tacc:" + trim(increment);
        };
        return base + (dropDoubleZero ? ",drop00" : ",keep00");
    }

    /** Inverse of {@link #label()}. */
    public static ZeroCellRule parse(String label) {
        String[] parts = label.trim().split(",");
        boolean drop = parts.length < 2 || !parts[1].trim().equals("keep00");
        if (parts.length > 1 && !parts[1].trim().equals("keep00") && !parts[1].trim().equals("drop00")) {
            throw new IllegalArgumentException("zero-cell rule '" + label + "': second part must be drop00 or keep00");
        }
        String head = parts[0].trim();
        if (head.equals("none")) {
            return new ZeroCellRule(0, Scope.NONE, drop);
        }
        if (head.equals("tacc")) {
            return new ZeroCellRule(0.5, Scope.TACC, drop);
        }
        int colon = head.indexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("zero-cell rule '" + label + "': expected only0:<inc>, all:<inc>, tacc[:<inc>] or none");
        }
        String kind = head.substring(0, colon);
        double inc;
        try {
            inc = Double.parseDouble(head.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("zero-cell rule '" + label + "': increment is not a number");
        }
        return switch (kind) {
            case "only0" -> new ZeroCellRule(inc, Scope.ONLY_ZERO, drop);
            case "all" -> new ZeroCellRule(inc, Scope.ALL, drop);
            case "tacc" -> new ZeroCellRule(inc, Scope.TACC, drop);
            default -> throw new IllegalArgumentException("zero-cell rule '" + label + "': expected only0:<inc>, all:<inc>, tacc[:<inc>] or none");
        };
    }

    private static String trim(double d) {
        return d == Math.rint(d) ? String.valueOf((long) d) : String.valueOf(d);
    }
}
