package io.aepool.compute;

import io.aepool.plan.AnalysisGrid;
import io.aepool.plan.StudyRecord;
import io.aepool.stats.ClusteredPoissonRates;
import io.aepool.stats.MantelHaenszelRates;
import io.aepool.stats.PoissonRates;
import io.aepool.stats.RateRatioSums;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Registry incidence (events, patients, person-years per registry × exposure group × outcome × stratum, already
 * aggregated by Spark: a few rows per registry) to rates per 100 person-years and the incidence rate ratio of each
 * experimental group against each comparator. First-event outcomes take exact intervals (Garwood for a rate, the
 * exact conditional one for a ratio); recurrent-event outcomes a Wald interval from the patient-clustered sandwich
 * variance (robust to overdispersion: one patient's events are not independent), falling back to the exact interval
 * where a group has no events; {@code interval_method} says which. The whole-registry rows of the rate-ratio table also
 * carry the Mantel–Haenszel rate ratio over the strata jointly, with the Greenland–Robins variance.
 */
public final class RegistryRates {

    public static final StructType INCIDENCE_SCHEMA = new StructType()
            .add("registry_id", DataTypes.StringType).add("exposure_group", DataTypes.StringType)
            .add("role", DataTypes.StringType).add("outcome", DataTypes.StringType)
            .add("stratum_variable", DataTypes.StringType).add("stratum", DataTypes.StringType)
            .add("patients", DataTypes.LongType).add("events", DataTypes.LongType)
            .add("person_years", DataTypes.DoubleType).add("rate_per_100py", DataTypes.DoubleType)
            .add("ci_low", DataTypes.DoubleType).add("ci_high", DataTypes.DoubleType)
            .add("interval_method", DataTypes.StringType);

    public static final StructType RATE_RATIO_SCHEMA = new StructType()
            .add("registry_id", DataTypes.StringType).add("outcome", DataTypes.StringType)
            .add("stratum_variable", DataTypes.StringType).add("stratum", DataTypes.StringType)
            .add("experimental_group", DataTypes.StringType).add("comparator_group", DataTypes.StringType)
            .add("pooled", DataTypes.BooleanType)
            .add("events_exp", DataTypes.LongType).add("person_years_exp", DataTypes.DoubleType)
            .add("events_ctl", DataTypes.LongType).add("person_years_ctl", DataTypes.DoubleType)
            .add("irr", DataTypes.DoubleType).add("ci_low", DataTypes.DoubleType).add("ci_high", DataTypes.DoubleType)
            .add("interval_method", DataTypes.StringType)
            .add("mh_irr", DataTypes.DoubleType).add("mh_ci_low", DataTypes.DoubleType)
            .add("mh_ci_high", DataTypes.DoubleType).add("mh_strata_used", DataTypes.IntegerType)
            .add("mh_strata_dropped", DataTypes.IntegerType).add("mh_interval_method", DataTypes.StringType)
            .add("status", DataTypes.StringType);

    /** {@code interval_method} of a first-event rate. */
    public static final String EXACT_RATE = "exact (Garwood)";
    /** {@code interval_method} of a first-event rate ratio. */
    public static final String EXACT_RATIO = "exact conditional";
    /** {@code interval_method} of a recurrent-event rate or rate ratio with events in every group. */
    public static final String ROBUST = "robust (patient sandwich)";

    private static final double LEVEL = 0.95;
    /** {@code mh_interval_method} of a Mantel–Haenszel rate ratio. */
    public static final String MH_WALD = "Wald, Greenland-Robins variance";
    /** The whole-registry stratum's name and value, as the aggregation writes it. */
    private static final String ALL = "all";
    private static final double DAYS_PER_YEAR = 365.25;

    /** The two tables, sorted on their keys. */
    public record Tables(Dataset<Row> incidence, Dataset<Row> rateRatios) {
    }

    private RegistryRates() {
    }

    /**
     * @param incidence          registry_id, exposure_group, outcome, stratum_variable, stratum, patients, events,
     *                           person_years, and for robust intervals sum_events_squared, sum_events_days,
     *                           sum_days_squared (per-patient sums, days)
     * @param crossSums          sums over patients in two groups (registry_id, outcome, stratum_variable, stratum,
     *                           group_a, group_b, sum_events_a_events_b, sum_events_a_days_b, sum_days_a_events_b,
     *                           sum_days_a_days_b), or null (no patient in two groups)
     * @param experimental       experimental groups
     * @param comparators        comparator groups, in conf order
     * @param pooled             the comparator pooled with trials (flagged in the rate-ratio table)
     * @param recurrent          the recurrent-event outcomes (robust intervals)
     * @param adjustmentVariable the stratum variable whose strata the Mantel–Haenszel rate ratio of the whole-registry
     *                           rows sums over (the strata jointly), or null (MH columns empty)
     */
    public static Tables compute(SparkSession spark, Dataset<Row> incidence, Dataset<Row> crossSums,
                                 Set<String> experimental, List<String> comparators, String pooled, Set<String> recurrent,
                                 String adjustmentVariable) {
        List<Row> rows = new ArrayList<>(incidence.collectAsList());
        rows.sort(Comparator.<Row, String>comparing(r -> r.getAs("registry_id"))
                .thenComparing(r -> r.<String>getAs("outcome"))
                .thenComparing(r -> r.<String>getAs("stratum_variable"))
                .thenComparing(r -> r.<String>getAs("stratum"))
                .thenComparing(r -> r.<String>getAs("exposure_group")));
        List<Row> rates = new ArrayList<>();
        // registry | outcome | stratum variable | stratum -> group -> row
        Map<String, Map<String, Row>> cells = new LinkedHashMap<>();
        // registry | outcome -> stratum of the adjustment variable -> group -> row
        Map<String, Map<String, Map<String, Row>>> adjustment = new LinkedHashMap<>();
        for (Row r : rows) {
            String group = r.getAs("exposure_group");
            long events = r.<Long>getAs("events");
            double py = r.<Double>getAs("person_years");
            boolean robust = recurrent.contains(r.<String>getAs("outcome")) && events > 0 && py > 0;
            PoissonRates.RateInterval rate = !(py > 0) ? null : robust ? robustRate(r) : PoissonRates.per100(events, py, LEVEL);
            rates.add(RowFactory.create(r.getAs("registry_id"), group, experimental.contains(group) ? "experimental" : "comparator",
                    r.getAs("outcome"), r.getAs("stratum_variable"), r.getAs("stratum"), r.<Long>getAs("patients"), events, py,
                    rate == null ? null : rate.estimate(), rate == null ? null : rate.low(), rate == null ? null : rate.high(),
                    rate == null ? null : robust ? ROBUST : EXACT_RATE));
            String key = String.join("|", r.<String>getAs("registry_id"), r.getAs("outcome"), r.getAs("stratum_variable"),
                    r.getAs("stratum"));
            cells.computeIfAbsent(key, k -> new LinkedHashMap<>()).put(group, r);
            if (r.<String>getAs("stratum_variable").equals(adjustmentVariable)) {
                adjustment.computeIfAbsent(r.<String>getAs("registry_id") + "|" + r.<String>getAs("outcome"),
                                k -> new LinkedHashMap<>())
                        .computeIfAbsent(r.getAs("stratum"), k -> new LinkedHashMap<>()).put(group, r);
            }
        }
        Map<String, Row> cross = new LinkedHashMap<>();
        if (crossSums != null) {
            for (Row c : crossSums.collectAsList()) {
                cross.put(String.join("|", c.<String>getAs("registry_id"), c.getAs("outcome"), c.getAs("stratum_variable"),
                        c.getAs("stratum"), c.getAs("group_a"), c.getAs("group_b")), c);
            }
        }
        List<Row> ratios = new ArrayList<>();
        for (Map.Entry<String, Map<String, Row>> cell : cells.entrySet()) {
            String[] key = cell.getKey().split("\\|", 4);
            for (String exp : experimental) {
                for (String ctl : comparators) {
                    Row a = cell.getValue().get(exp);
                    Row b = cell.getValue().get(ctl);
                    if (a == null || b == null) {
                        continue;
                    }
                    MantelHaenszelRates.Result mh = !key[2].equals(ALL) || adjustmentVariable == null
                            ? null : mantelHaenszel(adjustment.getOrDefault(key[0] + "|" + key[1], Map.of()), exp, ctl);
                    ratios.add(ratio(key, exp, ctl, ctl.equals(pooled), a, b, recurrent.contains(key[1]),
                            cross.get(cell.getKey() + "|" + exp + "|" + ctl), mh));
                }
            }
        }
        return new Tables(spark.createDataFrame(rates, INCIDENCE_SCHEMA), spark.createDataFrame(ratios, RATE_RATIO_SCHEMA));
    }

    /** The study attribute that says how a registry comparison's rate ratio entered the pools. */
    public static final String POOLED_AS = "irr_pooled_as";
    private static final String CRUDE = "crude (events / person-time of each group)";

    /**
     * The registry comparisons of {@code records} with their rate ratio adjusted over the strata of
     * {@code adjustmentVariable} (the conf's strata jointly): the Mantel–Haenszel sums of the comparison's experimental
     * group(s) against the pooled comparator, the comparator's events and person-time in every stratum taken at the
     * share the comparison's crude counts took of them (a comparator shared by k comparisons is split, never counted
     * twice). For recurrent-event outcomes the Greenland–Robins variance, a Poisson variance, is multiplied by the
     * design effect of the crude comparison, φ = max(1, patient-sandwich variance / Poisson variance of the crude log
     * rate ratio), the largest over the comparison's experimental groups. Every registry comparison gets the
     * {@link #POOLED_AS} attribute: what its IRR in the pools is.
     *
     * @param records  every comparison (others are returned as they are)
     * @param adjusted false ({@code registry.pooled_rate_ratio: crude}): the crude counts enter, and say so
     */
    public static List<StudyRecord> stratified(List<StudyRecord> records,
                                                              boolean adjusted, Dataset<Row> incidence,
                                                              Dataset<Row> crossSums, Set<String> experimental,
                                                              String pooled, Set<String> recurrent,
                                                              String adjustmentVariable) {
        if (records.stream().noneMatch(AnalysisGrid::isRegistry)) {
            return records;
        }
        if (!adjusted) {
            return records.stream().map(r -> !AnalysisGrid.isRegistry(r) ? r : r.withStratifiedRateRatio(
                    null, POOLED_AS, CRUDE + ": conf registry.pooled_rate_ratio is crude")).toList();
        }
        // registry | outcome | stratum_variable | stratum -> group -> row (the whole-registry and adjustment rows)
        Map<String, Map<String, Row>> cells = new LinkedHashMap<>();
        for (Row r : incidence.collectAsList()) {
            String variable = r.getAs("stratum_variable");
            if (variable.equals(ALL) || variable.equals(adjustmentVariable)) {
                cells.computeIfAbsent(String.join("|", r.<String>getAs("registry_id"), r.getAs("outcome"), variable,
                        r.getAs("stratum")), k -> new TreeMap<>()).put(r.getAs("exposure_group"), r);
            }
        }
        Map<String, Row> cross = new LinkedHashMap<>();
        if (crossSums != null) {
            for (Row c : crossSums.filter(crossSums.col("stratum_variable").equalTo(ALL))
                    .collectAsList()) {
                cross.put(String.join("|", c.<String>getAs("registry_id"), c.getAs("outcome"), c.getAs("group_a"),
                        c.getAs("group_b")), c);
            }
        }
        List<StudyRecord> out = new ArrayList<>(records.size());
        for (StudyRecord r : records) {
            String registry = r.attribute("study_id");
            if (!AnalysisGrid.isRegistry(r)) {
                out.add(r);
                continue;
            }
            out.add(stratified(r, registry, cells, cross, experimental, pooled, recurrent.contains(r.outcome()),
                    adjustmentVariable));
        }
        return out;
    }

    private static StudyRecord stratified(StudyRecord r, String registry,
                                                         Map<String, Map<String, Row>> cells, Map<String, Row> cross,
                                                         Set<String> experimental, String pooled, boolean recurrent,
                                                         String adjustmentVariable) {
        String crude = CRUDE;
        Row ctlAll = cells.getOrDefault(String.join("|", registry, r.outcome(), ALL, ALL), Map.of()).get(pooled);
        // the comparison's experimental groups: "registry:group" per group, or every group of the registry merged
        String prefix = registry + ":";
        List<String> groups = r.comparisonId().startsWith(prefix)
                ? List.of(r.comparisonId().substring(prefix.length()).split("\\+"))
                : cells.getOrDefault(String.join("|", registry, r.outcome(), ALL, ALL), Map.of()).keySet().stream()
                        .filter(experimental::contains).toList();
        if (adjustmentVariable == null || ctlAll == null || !r.hasPersonTime() || groups.isEmpty()) {
            return r.withStratifiedRateRatio(null, POOLED_AS, crude + (adjustmentVariable == null ? ": no registry.strata" : ""));
        }
        long ctlEvents = ctlAll.<Long>getAs("events");
        double eventShare = ctlEvents == 0 ? 1 : Math.min(1, (double) r.eventsCtl() / ctlEvents);
        double timeShare = Math.min(1, r.personYearsCtl() / ctlAll.<Double>getAs("person_years"));
        if (!(eventShare > 0) || !(timeShare > 0)) {
            return r.withStratifiedRateRatio(null, POOLED_AS, crude + ": no comparator share");
        }
        // strata of the adjustment variable: the experimental groups' events and time summed, the comparator's
        Map<String, long[]> eventsByStratum = new TreeMap<>();
        Map<String, double[]> timeByStratum = new TreeMap<>();
        String stratumPrefix = String.join("|", registry, r.outcome(), adjustmentVariable) + "|";
        for (Map.Entry<String, Map<String, Row>> cell : cells.entrySet()) {
            if (!cell.getKey().startsWith(stratumPrefix)) {
                continue;
            }
            long[] e = eventsByStratum.computeIfAbsent(cell.getKey(), k -> new long[2]);
            double[] t = timeByStratum.computeIfAbsent(cell.getKey(), k -> new double[2]);
            for (Map.Entry<String, Row> g : cell.getValue().entrySet()) {
                int side = groups.contains(g.getKey()) ? 0 : g.getKey().equals(pooled) ? 1 : -1;
                if (side >= 0) {
                    e[side] += g.getValue().<Long>getAs("events");
                    t[side] += g.getValue().<Double>getAs("person_years");
                }
            }
        }
        List<MantelHaenszelRates.Stratum> strata = new ArrayList<>();
        for (String k : eventsByStratum.keySet()) {
            long[] e = eventsByStratum.get(k);
            double[] t = timeByStratum.get(k);
            if (t[0] > 0 || t[1] > 0) {
                strata.add(new MantelHaenszelRates.Stratum(e[0], t[0], e[1], t[1]));
            }
        }
        if (strata.isEmpty()) {
            return r.withStratifiedRateRatio(null, POOLED_AS, crude + ": no strata");
        }
        MantelHaenszelRates.Sums mh = MantelHaenszelRates.sums(strata, eventShare, timeShare);
        RateRatioSums sums = mh.sums();
        String how = "Mantel-Haenszel over " + adjustmentVariable + " (" + mh.strataUsed() + " strata used, "
                + mh.strataDropped() + " dropped; Greenland-Robins variance";
        if (recurrent) {
            double phi = 1;
            Map<String, Row> all = cells.get(String.join("|", registry, r.outcome(), ALL, ALL));
            for (String g : groups) {
                Row a = all.get(g);
                if (a != null && a.<Long>getAs("events") > 0 && ctlEvents > 0) {
                    phi = Math.max(phi, designEffect(a, ctlAll, cross.get(String.join("|", registry, r.outcome(), g,
                            pooled))));
                }
            }
            sums = sums.withDispersion(phi);
            how += designEffectLabel("", phi);
        }
        return r.withStratifiedRateRatio(sums, POOLED_AS, how + ")");
    }

    /** MH rate ratio of exp against ctl over the strata of the adjustment variable (either group's strata). */
    private static MantelHaenszelRates.Result mantelHaenszel(Map<String, Map<String, Row>> strata, String exp, String ctl) {
        List<MantelHaenszelRates.Stratum> list = new ArrayList<>();
        for (Map<String, Row> groups : strata.values()) {
            Row a = groups.get(exp);
            Row b = groups.get(ctl);
            if (a == null && b == null) {
                continue;
            }
            // a group without a row has no person-time in the stratum: it drops out (and is counted)
            list.add(new MantelHaenszelRates.Stratum(a == null ? 0 : a.<Long>getAs("events"),
                    a == null ? 0 : a.<Double>getAs("person_years"), b == null ? 0 : b.<Long>getAs("events"),
                    b == null ? 0 : b.<Double>getAs("person_years")));
        }
        return list.isEmpty() ? null : MantelHaenszelRates.rateRatio(list, LEVEL);
    }

    private static Row ratio(String[] key, String exp, String ctl, boolean pooled, Row a, Row b, boolean recurrent,
                             Row cross, MantelHaenszelRates.Result mh) {
        long xa = a.<Long>getAs("events");
        long xb = b.<Long>getAs("events");
        double ta = a.<Double>getAs("person_years");
        double tb = b.<Double>getAs("person_years");
        Double irr = null;
        Double low = null;
        Double high = null;
        String method = null;
        String status;
        Double phi = null;
        if (!(ta > 0) || !(tb > 0)) {
            status = "not estimable: no person-time in one group";
        } else if (xa == 0 && xb == 0) {
            status = "not estimable: no events in either group";
        } else {
            boolean robust = recurrent && xa > 0 && xb > 0;
            PoissonRates.RateInterval r = robust ? ClusteredPoissonRates.rateRatio(sums(a), sums(b), crossSums(cross), LEVEL)
                    : PoissonRates.rateRatio(xa, ta, xb, tb, LEVEL);
            method = robust ? ROBUST : EXACT_RATIO;
            irr = finite(r.estimate());
            low = finite(r.low());
            high = finite(r.high());
            status = xb == 0 ? "ok: no comparator events, upper limit infinite" : "ok";
            if (robust && mh != null && Double.isFinite(mh.logVariance())) {
                // the MH variance is a Poisson one: recurrent events widen it by the crude comparison's design effect
                phi = designEffect(a, b, cross);
                mh = mh.scaled(phi, LEVEL);
            }
        }
        String mhMethod = mh == null || !Double.isFinite(mh.logVariance()) ? null : phi == null ? MH_WALD
                : designEffectLabel(MH_WALD, phi);
        return RowFactory.create(key[0], key[1], key[2], key[3], exp, ctl, pooled, xa, ta, xb, tb, irr, low, high, method,
                mh == null ? null : finite(mh.estimate()), mh == null ? null : finite(mh.low()),
                mh == null ? null : finite(mh.high()), mh == null ? null : mh.strataUsed(),
                mh == null ? null : mh.strataDropped(), mhMethod, status);
    }

    /**
     * The design effect of recurrent events on a rate ratio of groups a and b (both with events): the patient-sandwich
     * variance of the crude log rate ratio over its Poisson variance 1/x_a + 1/x_b, never below 1 (1 when the sandwich
     * is not finite).
     */
    private static double designEffect(Row a, Row b, Row cross) {
        double robust = ClusteredPoissonRates.logRateRatioVariance(sums(a), sums(b), crossSums(cross));
        double poisson = 1.0 / a.<Long>getAs("events") + 1.0 / b.<Long>getAs("events");
        return Double.isFinite(robust) ? Math.max(1, robust / poisson) : 1;
    }

    /** How a design effect is named after an interval's method, in the tables and study_counts. */
    private static String designEffectLabel(String method, double phi) {
        return String.format(Locale.ROOT, "%s x design effect %.3f (patient sandwich / Poisson)", method, phi);
    }

    /** A recurrent-event rate per 100 person-years with the robust interval. */
    private static PoissonRates.RateInterval robustRate(Row r) {
        PoissonRates.RateInterval perYear = ClusteredPoissonRates.incidence(sums(r), LEVEL);
        return new PoissonRates.RateInterval(100 * perYear.estimate(), 100 * perYear.low(), 100 * perYear.high());
    }

    /** The per-patient sums of an incidence row, person-time in years (the variance of a log rate has no unit). */
    private static ClusteredPoissonRates.GroupSums sums(Row r) {
        return new ClusteredPoissonRates.GroupSums(r.<Long>getAs("events"), r.<Double>getAs("person_years"),
                r.<Long>getAs("sum_events_squared"), r.<Long>getAs("sum_events_days") / DAYS_PER_YEAR,
                r.<Long>getAs("sum_days_squared") / (DAYS_PER_YEAR * DAYS_PER_YEAR));
    }

    private static ClusteredPoissonRates.CrossSums crossSums(Row c) {
        return c == null ? ClusteredPoissonRates.CrossSums.NONE : new ClusteredPoissonRates.CrossSums(
                c.<Long>getAs("sum_events_a_events_b"), c.<Long>getAs("sum_events_a_days_b") / DAYS_PER_YEAR,
                c.<Long>getAs("sum_days_a_events_b") / DAYS_PER_YEAR,
                c.<Long>getAs("sum_days_a_days_b") / (DAYS_PER_YEAR * DAYS_PER_YEAR));
    }

    private static Double finite(double v) {
        return Double.isFinite(v) ? v : null;
    }
}
