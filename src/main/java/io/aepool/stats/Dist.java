package io.aepool.stats;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.commons.math3.distribution.ChiSquaredDistribution;
import org.apache.commons.math3.distribution.NormalDistribution;
import org.apache.commons.math3.distribution.TDistribution;
import org.apache.commons.math3.special.Beta;
import org.apache.commons.math3.special.Erf;
import org.apache.commons.math3.special.Gamma;

/** Tail probabilities and quantiles, computed so that tiny p-values keep their relative precision. */
final class Dist {

    private static final double INVERSE_ACCURACY = 1e-15;
    private static final NormalDistribution NORMAL = new NormalDistribution(null, 0, 1, INVERSE_ACCURACY);
    /**
     * Quantiles already found, by distribution, p and df. Commons Math inverts the cdf by a root search over the
     * regularized incomplete beta or gamma (a distribution object and about ten microseconds each), while the engine
     * asks for a handful of (p, df) pairs (95% intervals, df below the largest k) millions of times: the profile of
     * the engine benchmark (issue 19) found 80% of a closed-form analysis in tQuantile. A quantile depends on
     * nothing else, so the memo returns the very value the search gives.
     */
    private static final Map<Quantile, Double> QUANTILES = new ConcurrentHashMap<>();

    private enum Family { T, CHI_SQUARE }

    private record Quantile(Family family, double p, int df) {
        double compute() {
            return switch (family) {
                case T -> new TDistribution(null, df, INVERSE_ACCURACY).inverseCumulativeProbability(p);
                case CHI_SQUARE -> new ChiSquaredDistribution(null, df, INVERSE_ACCURACY).inverseCumulativeProbability(p);
            };
        }
    }

    private Dist() {
    }

    /** Two-sided p of a standard normal statistic: 2·Φ(−|z|) = erfc(|z|/√2). */
    static double twoSidedNormalP(double z) {
        if (Double.isNaN(z)) {
            return Double.NaN;
        }
        return Erf.erfc(Math.abs(z) / Math.sqrt(2));
    }

    /** Two-sided p of a t statistic: P(|T_df| > |t|) = I_{df/(df+t²)}(df/2, 1/2) (regularized incomplete beta). */
    static double twoSidedTP(double t, int df) {
        if (Double.isNaN(t) || df < 1) {
            return Double.NaN;
        }
        if (Double.isInfinite(t)) {
            return 0;
        }
        return Beta.regularizedBeta(df / (df + t * t), df / 2.0, 0.5);
    }

    /** Upper tail of chi-square: P(X²_df > q) = Q(df/2, q/2) (regularized upper incomplete gamma). */
    static double chiSquareUpper(double q, int df) {
        if (Double.isNaN(q) || df < 1) {
            return Double.NaN;
        }
        if (q <= 0) {
            return 1;
        }
        return Gamma.regularizedGammaQ(df / 2.0, q / 2.0);
    }

    /** Standard normal cdf Φ(z) = erfc(−z/√2)/2, with Commons Numbers' erfc (a few ulps; ten times commons-math3's speed). */
    static double normalCdf(double z) {
        return 0.5 * org.apache.commons.numbers.gamma.Erfc.value(-z / SQRT2);
    }

    private static final double SQRT2 = Math.sqrt(2);

    static double normalQuantile(double p) {
        return NORMAL.inverseCumulativeProbability(p);
    }

    static double tQuantile(double p, int df) {
        return QUANTILES.computeIfAbsent(new Quantile(Family.T, p, df), Quantile::compute);
    }

    static double chiSquareQuantile(double p, int df) {
        return QUANTILES.computeIfAbsent(new Quantile(Family.CHI_SQUARE, p, df), Quantile::compute);
    }
}
