package io.aepool.stats;

/**
 * Test for subgroup differences: Q-between on G − 1 degrees of freedom.
 *
 * @param groups subgroups whose pooled estimate entered the test
 */
public record SubgroupTest(double qBetween, int df, double pValue, int groups, String status) {
}
