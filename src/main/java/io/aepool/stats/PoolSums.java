package io.aepool.stats;

import java.util.Arrays;
import java.util.function.ToDoubleFunction;

/**
 * The sufficient sums of one pooler over a set of studies: each study's terms (null for a study that contributes
 * nothing, e.g. one the zero-cell rule drops) and their totals, so that the sums of the set without study {@code i}
 * are the totals minus that study's terms ({@link #without(int)}, O(number of components), not O(k)). Immutable.
 * Which components a row holds is the pooler's business ({@link LeaveOneOutPooler}); the first {@code summed}
 * components of a row are summed, any further ones are per-study data the pooler reads back (e.g. y and v for the
 * random-effects weighting pass).
 *
 * <p>Totals are summed in input order exactly as a fit of the whole set sums them, so the whole set's totals are the
 * fit's own. A total without one study is the whole total minus its term: algebraically exact, and within a small
 * multiple of the fit's own rounding error as long as the study left out does not hold almost all of a component's
 * absolute mass ({@link #isWellConditioned()}). What a pooler computes from the totals is checked with
 * {@link #isExact}: the rounding difference from a refit, propagated through its formula, must stay below
 * {@link #TOLERANCE} of the result; else the caller refits.
 */
public final class PoolSums {

    /**
     * The study left out may hold at most 1 − 1/1000 of any total's absolute mass: a total without it then carries at
     * most 1000 times the refit's own summation error (~1e-16 relative each), so what follows from the totals by the
     * same formula as the refit's (θ, SE) stays within ~1e-13 of it; beyond it the caller refits.
     */
    static final double CANCELLATION_LIMIT = 1000;
    /** A result from the sums must be within this of the refit's, relative to its scale ({@link #isExact}). */
    static final double TOLERANCE = 1e-12;
    /** Relative step of the finite differences of {@link #roundingError}. */
    private static final double STEP = 1e-7;

    /** What the whole set's sums and every set without one study share: its terms, their absolute mass, constants. */
    private record Whole(double[][] terms, int summed, double[] absTotals, int k, double[] constants) {
    }

    private final Whole whole;
    private final double[] totals;
    private final int left;

    private PoolSums(Whole whole, double[] totals, int left) {
        this.whole = whole;
        this.totals = totals;
        this.left = left;
    }

    /**
     * The sums of all studies: row i holds study i's terms (at least {@code summed} components) or null when it
     * contributes nothing. The array is kept, not copied: the caller hands it over. {@code constants} are values of
     * the whole set the pooler keeps beside its sums (e.g. the centre c of centred sums Σw(y − c)).
     */
    static PoolSums of(double[][] terms, int summed, double... constants) {
        double[] totals = new double[summed];
        double[] abs = new double[summed];
        int k = 0;
        for (double[] row : terms) {
            if (row == null) {
                continue;
            }
            k++;
            for (int m = 0; m < summed; m++) {
                totals[m] += row[m];
                abs[m] += Math.abs(row[m]);
            }
        }
        return new PoolSums(new Whole(terms, summed, abs, k, constants.clone()), totals, -1);
    }

    /** The sums without study {@code i} (an index into the studies the sums were made of); O(components). */
    public PoolSums without(int i) {
        if (left >= 0) {
            throw new IllegalStateException("these sums already leave out study " + left);
        }
        double[] row = whole.terms()[i];
        double[] t = totals.clone();
        for (int m = 0; row != null && m < whole.summed(); m++) {
            t[m] -= row[m];
        }
        return new PoolSums(whole, t, i);
    }

    /** Studies that contribute to these sums. */
    public int k() {
        return whole.k() - (left >= 0 && whole.terms()[left] != null ? 1 : 0);
    }

    /** Studies the sums were made of (contributing or not, the left-out one included). */
    public int size() {
        return whole.terms().length;
    }

    /** The study left out, or -1. */
    public int leftOut() {
        return left;
    }

    /**
     * False when the study left out holds more than 1 − 1/{@link #CANCELLATION_LIMIT} of some total's absolute mass.
     */
    public boolean isWellConditioned() {
        double[] row = left < 0 ? null : whole.terms()[left];
        for (int m = 0; row != null && m < whole.summed(); m++) {
            double mass = whole.absTotals()[m];
            if (mass > 0 && !((mass - Math.abs(row[m])) * CANCELLATION_LIMIT >= mass)) {
                return false;
            }
        }
        return true;
    }

    double total(int component) {
        return totals[component];
    }

    double constant(int index) {
        return whole.constants()[index];
    }

    /** Study i's terms, or null when it contributes nothing or is the study left out. */
    double[] term(int i) {
        return i == left ? null : whole.terms()[i];
    }

    /** The totals (a copy), for the functions {@link #isExact} checks. */
    double[] totals() {
        return totals.clone();
    }

    /**
     * The rounding difference to expect between {@code f} of these totals and {@code f} of a refit's sums: each total
     * and the refit's differ by about a summation error, (4 + √k)·ε·Σ|terms|, and that is propagated to first order
     * through f (finite differences: f is linear in every signed total and smooth in the positive ones). NaN when f
     * is not finite.
     */
    double roundingError(ToDoubleFunction<double[]> f) {
        double[] t = totals.clone();
        double f0 = f.applyAsDouble(t);
        double error = 0;
        double gamma = (4 + Math.sqrt(k() + 1.0)) * Math.ulp(1.0);
        for (int m = 0; m < whole.summed(); m++) {
            double mass = whole.absTotals()[m];
            if (mass == 0) {
                continue;
            }
            t[m] = totals[m] + STEP * mass;
            error += Math.abs(f.applyAsDouble(t) - f0) / STEP * gamma;
            t[m] = totals[m];
        }
        return Double.isFinite(f0) ? error : Double.NaN;
    }

    /**
     * True when {@code f} of these totals is within {@link #TOLERANCE} of {@code scale} of what a refit would give
     * ({@link #roundingError}); else the caller refits.
     */
    boolean isExact(ToDoubleFunction<double[]> f, double scale) {
        return roundingError(f) <= TOLERANCE * scale;
    }

    @Override
    public String toString() {
        return "PoolSums[k=" + k() + ", left=" + left + ", totals=" + Arrays.toString(totals) + "]";
    }
}
