package io.aepool.stats;

/** One coefficient of a meta-regression (analysis scale) with its Wald z test and 95% interval. */
public record MetaRegressionCoefficient(String name, double estimate, double se, double z, double pValue,
                                        double ciLow, double ciHigh) {
}
