package io.aepool.stats;

import java.util.Locale;

/**
 * The priors of the Bayesian normal–normal model and the threshold of its reported probability of harm:
 * a half-normal prior on τ with the given scale (Friede et al. 2017; Röver 2021, bayesmeta's {@code dhalfnormal}),
 * and on μ either a flat prior ({@code muSd} infinite) or a normal one with mean 0 and the given standard deviation.
 * All on the analysis scale (log for ratio measures). Validated at the door, as Commons Math's inference classes do.
 *
 * @param tauScale  scale of the half-normal prior on τ (default 0.5: a "fairly conservative" prior for log ratios, Friede 2017)
 * @param muSd      standard deviation of the normal prior on μ, or {@link Double#POSITIVE_INFINITY} for a flat prior
 * @param threshold a ratio above 1 whose posterior probability of being exceeded is reported (default 1.25)
 */
public record BayesPrior(double tauScale, double muSd, double threshold) implements java.io.Serializable {

    public static final BayesPrior DEFAULT = new BayesPrior(0.5, Double.POSITIVE_INFINITY, 1.25);

    public BayesPrior {
        if (!(tauScale > 0) || Double.isInfinite(tauScale)) {
            throw new IllegalArgumentException("the half-normal prior's scale on tau must be a positive number, not " + tauScale);
        }
        if (!(muSd > 0)) {
            throw new IllegalArgumentException("the normal prior's sd on mu must be positive (or infinite: flat), not " + muSd);
        }
        if (!(threshold > 0) || Double.isInfinite(threshold)) {
            throw new IllegalArgumentException("the probability threshold must be a positive ratio, not " + threshold);
        }
    }

    public boolean flatMu() {
        return Double.isInfinite(muSd);
    }

    /** Stable text, part of a Bayesian analysis's id: {@code hn(0.5),flat,>1.25} or {@code hn(1),n(0;4),>1.25}. */
    public String label() {
        return "hn(" + num(tauScale) + ")," + (flatMu() ? "flat" : "n(0;" + num(muSd) + ")") + ",>" + num(threshold);
    }

    /** Parses {@link #label()}. */
    public static BayesPrior parse(String label) {
        String[] p = label.trim().split(",");
        if (p.length != 3 || !p[0].startsWith("hn(") || !p[0].endsWith(")") || !p[2].startsWith(">")) {
            throw new IllegalArgumentException("prior '" + label + "' is not of the form hn(SCALE),flat|n(0;SD),>THRESHOLD");
        }
        double scale = Double.parseDouble(p[0].substring(3, p[0].length() - 1));
        double sd;
        if (p[1].equals("flat")) {
            sd = Double.POSITIVE_INFINITY;
        } else if (p[1].startsWith("n(0;") && p[1].endsWith(")")) {
            sd = Double.parseDouble(p[1].substring(4, p[1].length() - 1));
        } else {
            throw new IllegalArgumentException("prior on mu '" + p[1] + "' must be flat or n(0;SD)");
        }
        return new BayesPrior(scale, sd, Double.parseDouble(p[2].substring(1)));
    }

    private static String num(double x) {
        return x == Math.rint(x) && Math.abs(x) < 1e15 ? String.valueOf((long) x) : String.format(Locale.ROOT, "%s", x);
    }
}
