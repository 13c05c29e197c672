package io.aepool.plan;

import io.aepool.stats.PooledEstimate;

import java.util.List;

import static io.aepool.plan.FamilyTable.num;

/**
 * One row of the results table: the spec that produced it, the totals of the studies it used and the
 * pooled estimate. Ratios are reported on the natural scale ({@code estimate}, {@code ci_*}, {@code pi_*});
 * {@code log_estimate} and {@code se} are on the analysis scale. {@code designs_combined} names the designs an
 * estimate pooled when they were more than one (only in a pool with {@code combine_designs: true}; such rows are
 * flagged in the report). {@code median_ctl_risk} and {@code median_ctl_rate_per_100py} are the medians over the
 * analysis's studies of the control risk and rate: the assumed control risk of a GRADE summary of findings.
 * {@code n_exp} and {@code n_ctl} are empty when a study of the subset gave events and person-years without arm sizes.
 * {@code cumulative_order} (cumulative rows only) says how studies were added: {@code year} (ties in input order),
 * {@code input order (no year)} or {@code year, then input order (studies without a year last)}.
 * The Bayesian model's rows (method {@code BAYES}) give their {@code prior} and the posterior probabilities that the
 * ratio exceeds 1 ({@code prob_above_1}) and {@code prob_threshold} ({@code prob_above_threshold}); their
 * {@code p_value} is empty and {@code pi_dist} says {@code posterior} (posterior predictive interval).
 */
public record AnalysisResult(AnalysisSpec spec, int studiesInSubset, long eventsExp, Long nExp, long eventsCtl,
                             Long nCtl, Double personYearsExp, Double personYearsCtl, PooledEstimate pooled,
                             String mixedDesigns, Double medianControlRisk, Double medianControlRatePer100py,
                             String cumulativeOrder) {

    /** Output columns, in order. Renaming one is a breaking change (see README). */
    public static final List<ResultColumn> COLUMNS = List.of(
            ResultColumn.text("analysis_id"), ResultColumn.text("pool"), ResultColumn.text("outcome"),
            ResultColumn.text("measure"), ResultColumn.text("method"), ResultColumn.text("ci_method"),
            ResultColumn.text("prediction_interval"), ResultColumn.text("zero_rule"), ResultColumn.text("subset"), ResultColumn.text("subset_kind"),
            ResultColumn.text("subgroup_variable"), ResultColumn.text("subgroup_value"),
            ResultColumn.integer("studies"), ResultColumn.integer("k"),
            ResultColumn.longs("events_exp"), ResultColumn.longs("n_exp"),
            ResultColumn.longs("events_ctl"), ResultColumn.longs("n_ctl"),
            ResultColumn.number("person_years_exp"), ResultColumn.number("person_years_ctl"),
            ResultColumn.number("rate_exp_per_100py"), ResultColumn.number("rate_ctl_per_100py"),
            ResultColumn.number("estimate"), ResultColumn.number("ci_low"), ResultColumn.number("ci_high"),
            ResultColumn.number("log_estimate"), ResultColumn.number("se"), ResultColumn.number("p_value"),
            ResultColumn.number("q"), ResultColumn.integer("q_df"), ResultColumn.number("q_p"),
            ResultColumn.number("i2"), ResultColumn.number("h2"), ResultColumn.number("tau2"),
            ResultColumn.number("tau2_ci_low"), ResultColumn.number("tau2_ci_high"),
            ResultColumn.number("i2_ci_low"), ResultColumn.number("i2_ci_high"),
            ResultColumn.number("pi_low"), ResultColumn.number("pi_high"), ResultColumn.text("pi_dist"),
            ResultColumn.text("status"), ResultColumn.text("designs_combined"),
            ResultColumn.number("median_ctl_risk"), ResultColumn.number("median_ctl_rate_per_100py"),
            ResultColumn.text("cumulative_order"), ResultColumn.text("prior"), ResultColumn.number("prob_above_1"),
            ResultColumn.number("prob_threshold"), ResultColumn.number("prob_above_threshold"));

    /** Values in {@link #COLUMNS} order; NaN becomes null so no results file ever holds NaN. */
    public Object[] values() {
        PooledEstimate p = pooled;
        PooledEstimate.Posterior post = p.posterior();
        Subset s = spec.subset();
        return new Object[]{
                spec.id(), spec.pool(), spec.outcome(), spec.measure().name(), spec.method().name(),
                spec.ciMethod().label(), spec.predictionInterval().label(), spec.zeroRule().label(), s.label(), s.kindLabel(),
                s.variable(), s.kind() == Subset.Kind.SUBGROUP || s.kind() == Subset.Kind.LEAVE_SUBGROUP_OUT ? s.value() : null,
                studiesInSubset, p.k(), eventsExp, nExp, eventsCtl, nCtl, personYearsExp, personYearsCtl,
                per100(eventsExp, personYearsExp), per100(eventsCtl, personYearsCtl),
                num(p.estimate()), num(p.ciLowNatural()), num(p.ciHighNatural()), num(p.theta()), num(p.se()),
                num(p.pValue()), num(p.q()), p.qDf(), num(p.qP()), num(p.i2()), num(p.h2()), num(p.tau2()),
                num(p.tau2CiLow()), num(p.tau2CiHigh()), num(p.i2CiLow()), num(p.i2CiHigh()),
                num(p.piLowNatural()), num(p.piHighNatural()), post == null ? piDist(p.piDf()) : "posterior", p.status(),
                p.isOk() ? mixedDesigns : null, medianControlRisk, medianControlRatePer100py, cumulativeOrder,
                spec.prior() == null ? null : spec.prior().label(), post == null ? null : num(post.probAbove1()),
                post == null ? null : post.threshold(), post == null ? null : num(post.probAboveThreshold())};
    }

    // crude incidence rate, shown beside rate measures (events per 100 person-years)
    private static Double per100(long events, Double personYears) {
        return personYears == null || personYears <= 0 ? null : 100.0 * events / personYears;
    }

    private static String piDist(int df) {
        if (df < 0) {
            return null;
        }
        return df == 0 ? "z" : "t(" + df + ")";
    }
}
