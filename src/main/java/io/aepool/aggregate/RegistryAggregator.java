package io.aepool.aggregate;

import io.aepool.ingest.RegistryExtract;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.date_add;
import static org.apache.spark.sql.functions.datediff;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.year;

/**
 * Registry exposure episodes and events to events, patients and person-years at risk per registry × exposure group
 * × outcome (and per stratum), entirely as DataFrame operations: no patient row reaches the driver.
 * <p>
 * At-risk time of an exposure group runs from an episode's start to the earliest of its end plus the risk window,
 * the end of the observation period that holds its start, death and the as-of date (each episode is censored on its
 * own; an episode starting outside every observation period has no time). Episodes of one group whose censored
 * at-risk intervals overlap or touch (the next starts at most one day after the previous at-risk end) are then merged
 * (gaps-and-islands over a window ordered by start), so no day is counted twice within a group. A patient
 * exposed to two groups contributes time to each (as-treated; overlapping days count in both and an event in the
 * overlap counts in both). For first-event outcomes time stops at the first event inside the group's at-risk time;
 * otherwise every event inside at-risk time counts and time runs to the end. Days count inclusively (end − start + 1).
 */
public final class RegistryAggregator {

    /** The stratum name and value of the whole registry. */
    public static final String ALL = "all";

    /** Stratum derived from birth_year at the start of each at-risk interval, in ten-year bands ("40-49"). */
    public static final String AGE_BAND = "age_band";

    /**
     * @param riskWindowDays days at risk after an episode ends
     * @param asOf           administrative end of follow-up (the extract date), or null
     * @param strata         patient columns (or age_band) to stratify by, besides the whole registry
     */
    public record Settings(int riskWindowDays, LocalDate asOf, List<String> strata) {
        public Settings {
            if (riskWindowDays < 0) {
                throw new IllegalArgumentException("risk_window_days must be >= 0, was " + riskWindowDays);
            }
            strata = strata == null ? List.of() : List.copyOf(strata);
        }
    }

    /** Separator of the variable names and of the values of the joint stratum ({@link #jointVariable}). */
    public static final String JOINT_SEPARATOR = "×";

    /**
     * Output columns of {@link #incidence}: the counts, then the per-patient sums a patient-clustered (sandwich)
     * variance of the rate needs, in days: Σ events², Σ events·days, Σ days² over the patients of the row.
     */
    public static final List<String> INCIDENCE_COLUMNS = List.of("registry_id", "exposure_group", "outcome",
            "stratum_variable", "stratum", "patients", "events", "person_years", "sum_events_squared",
            "sum_events_days", "sum_days_squared");

    /** Output columns of {@link #crossSums}. */
    public static final List<String> CROSS_SUM_COLUMNS = List.of("registry_id", "outcome", "stratum_variable",
            "stratum", "group_a", "group_b", "patients_both", "sum_events_a_events_b", "sum_events_a_days_b",
            "sum_days_a_events_b", "sum_days_a_days_b");

    /**
     * The stratum variable that stands for all the strata jointly (one stratum per combination of their values), or
     * null with fewer than two: {@code condition×age_band×sex}, its values e.g. {@code psoriasis×40-49×F}.
     */
    public static String jointVariable(List<String> strata) {
        return strata.size() < 2 ? null : String.join(JOINT_SEPARATOR, strata);
    }

    /**
     * The stratum variable a Mantel–Haenszel rate ratio adjusts for: the joint variable with two strata or more, the
     * one stratum variable, or null without strata.
     */
    public static String adjustmentVariable(List<String> strata) {
        return strata.isEmpty() ? null : strata.size() == 1 ? strata.get(0) : jointVariable(strata);
    }

    private RegistryAggregator() {
    }

    /**
     * At-risk intervals: registry_id, patient_id, exposure_group, risk_start, risk_end, risk_until (the end without
     * the as-of date: equal to risk_end unless the interval is cut by it), plus one column per stratum.
     */
    public static Dataset<Row> atRisk(RegistryExtract extract, Settings settings) {
        Dataset<Row> episodes = extract.exposures().select(col("registry_id"), col("patient_id"), col("exposure_group"),
                col("start_date").as("__s"), date_add(col("end_date"), settings.riskWindowDays()).as("__e"));
        // Each episode is censored on its own first (observation period holding its start, death, as-of date), then
        // the censored intervals are merged: merging first would let an episode's risk window carry a later episode
        // into the observation period of an earlier start (or out of observation altogether) and lose its time.
        if (extract.observation() != null) {
            Dataset<Row> periods = extract.observation().select(col("registry_id").as("__orid"), col("patient_id").as("__opid"),
                    col("observation_start").as("__os"), col("observation_end").as("__oe"));
            // the observation period holding the start bounds the episode; a start outside observation has no time
            episodes = episodes.join(periods, episodes.col("registry_id").equalTo(periods.col("__orid"))
                            .and(episodes.col("patient_id").equalTo(periods.col("__opid")))
                            .and(coalesce(periods.col("__os"), lit(java.sql.Date.valueOf("0001-01-01"))).leq(episodes.col("__s")))
                            .and(coalesce(periods.col("__oe"), lit(java.sql.Date.valueOf("9999-12-31"))).geq(episodes.col("__s"))),
                            "inner")
                    .groupBy("registry_id", "patient_id", "exposure_group", "__s", "__e")
                    .agg(max(coalesce(col("__oe"), lit(java.sql.Date.valueOf("9999-12-31")))).as("__obs_end"))
                    .withColumn("__e", least(col("__e"), col("__obs_end")))
                    .drop("__obs_end");
        }
        // per-patient columns carried through the merge: the strata (birth year for age_band)
        List<String> carried = new ArrayList<>();
        Dataset<Row> patients = extract.patients();
        if (patients != null) {
            List<Column> keep = new ArrayList<>(List.of(col("registry_id").as("__prid"), col("patient_id").as("__ppid"),
                    col("death_date").as("__death")));
            for (String s : settings.strata()) {
                if (s.equals(AGE_BAND) && !List.of(patients.columns()).contains(AGE_BAND)) {
                    keep.add(col("birth_year").as("__birth_year"));
                    carried.add("__birth_year");
                } else {
                    keep.add(col(s).cast(DataTypes.StringType).as(s));
                    carried.add(s);
                }
            }
            Dataset<Row> p = patients.select(keep.toArray(Column[]::new));
            episodes = episodes.join(p, episodes.col("registry_id").equalTo(p.col("__prid"))
                            .and(episodes.col("patient_id").equalTo(p.col("__ppid"))), "left")
                    .withColumn("__e", least(col("__e"), col("__death")))
                    .drop("__prid", "__ppid", "__death");
        } else if (!settings.strata().isEmpty()) {
            throw new IllegalArgumentException("registry strata " + settings.strata() + " need a patients table");
        }
        // the end the episode's time would reach with no as-of date: an open interval grows towards it as the date moves
        episodes = episodes.withColumn("__u", col("__e"));
        if (settings.asOf() != null) {
            episodes = episodes.withColumn("__e", least(col("__e"), lit(java.sql.Date.valueOf(settings.asOf()))));
        }
        episodes = episodes.filter(col("__e").geq(col("__s")));

        WindowSpec ordered = Window.partitionBy("registry_id", "patient_id", "exposure_group").orderBy("__s", "__e");
        // gaps and islands: an episode starts a new island unless it begins by the day after every earlier one ended
        List<Column> islandKey = new ArrayList<>(List.of(col("registry_id"), col("patient_id"), col("exposure_group"),
                col("__island")));
        carried.forEach(c -> islandKey.add(col(c)));
        Dataset<Row> islands = episodes
                .withColumn("__prev_end", max("__e").over(ordered.rowsBetween(Window.unboundedPreceding(), -1)))
                .withColumn("__new", when(col("__prev_end").isNull()
                        .or(col("__s").gt(date_add(col("__prev_end"), 1))), 1).otherwise(0))
                .withColumn("__island", sum("__new").over(ordered.rowsBetween(Window.unboundedPreceding(), Window.currentRow())))
                .groupBy(islandKey.toArray(Column[]::new))
                .agg(min("__s").as("risk_start"), max("__e").as("risk_end"), max("__u").as("risk_until"))
                .drop("__island");

        List<Column> out = new ArrayList<>(List.of(col("registry_id"), col("patient_id"), col("exposure_group"),
                col("risk_start"), col("risk_end"), col("risk_until")));
        for (String s : settings.strata()) {
            if (s.equals(AGE_BAND) && carried.contains("__birth_year")) {
                Column lower = floor(year(col("risk_start")).minus(col("__birth_year")).divide(10)).multiply(10).cast(DataTypes.IntegerType);
                out.add(when(col("__birth_year").isNull(), lit("unknown"))
                        .otherwise(concat(lower.cast(DataTypes.StringType), lit("-"), lower.plus(9).cast(DataTypes.StringType)))
                        .as(s));
            } else {
                out.add(coalesce(col(s), lit("unknown")).as(s));
            }
        }
        return islands.select(out.toArray(Column[]::new));
    }

    /** Registry events that count towards each outcome: registry_id, patient_id, event_date, outcome. */
    public static Dataset<Row> outcomeEvents(Dataset<Row> events, List<OutcomeDefinition> outcomes) {
        Dataset<Row> all = null;
        for (OutcomeDefinition o : outcomes) {
            Column generic = col("concept_id").isNull().and(o.matchesRegistryEvent());
            Column omop = o.omopConcepts().isEmpty() ? lit(false)
                    : col("concept_id").isNotNull().and(col("concept_id").isin(o.omopConcepts().toArray()));
            Dataset<Row> one = events.filter(generic.or(omop))
                    .select(col("registry_id"), col("patient_id"), col("event_date"), lit(o.name()).as("outcome"));
            all = all == null ? one : all.unionByName(one);
        }
        return all;
    }

    /** Output columns of {@link #contributions}. */
    public static final List<String> CONTRIBUTION_COLUMNS = List.of("registry_id", "patient_id", "exposure_group",
            "outcome", "stratum_variable", "stratum", "events", "days", "open_until");

    /**
     * Per registry × exposure group × outcome × stratum: patients with at-risk time, events inside at-risk time
     * (patients with a first event, for first-event outcomes) and person-years ({@link #INCIDENCE_COLUMNS}).
     * Stratum "all"/"all" is the whole registry.
     */
    public static Dataset<Row> incidence(SparkSession spark, RegistryExtract extract, List<OutcomeDefinition> outcomes,
                                         Settings settings) {
        return incidence(contributions(spark, extract, outcomes, settings));
    }

    /**
     * The incidence table from per-patient contributions: patients are rows (one per patient and key), events and
     * days are sums. Sums of whole days are exact, so contributions merged from several runs give the same table as
     * one run over everything.
     */
    public static Dataset<Row> incidence(Dataset<Row> contributions) {
        return contributions.groupBy("registry_id", "exposure_group", "outcome", "stratum_variable", "stratum")
                .agg(count(lit(1)).as("patients"), sum("events").cast(DataTypes.LongType).as("events"),
                        sum("days").divide(SubjectAggregator.DAYS_PER_YEAR).as("person_years"),
                        sum(col("events").multiply(col("events"))).cast(DataTypes.LongType).as("sum_events_squared"),
                        sum(col("events").multiply(col("days"))).cast(DataTypes.LongType).as("sum_events_days"),
                        sum(col("days").multiply(col("days"))).cast(DataTypes.LongType).as("sum_days_squared"))
                .select(INCIDENCE_COLUMNS.stream().map(org.apache.spark.sql.functions::col).toArray(Column[]::new));
    }

    /**
     * Per registry × outcome × stratum and ordered pair of exposure groups (a, b), sums over the patients who
     * contribute to both ({@link #CROSS_SUM_COLUMNS}): Σ y_a·y_b, Σ y_a·t_b, Σ t_a·y_b, Σ t_a·t_b (events and days):
     * the covariance of the two groups' rates in a patient-clustered sandwich variance of their ratio. As-treated time
     * lets one patient contribute to two groups (a switch, or overlapping exposures), so the term is not zero in
     * general. Only the given outcomes (the recurrent ones: a first-event outcome's interval is exact) are summed.
     */
    public static Dataset<Row> crossSums(Dataset<Row> contributions, Set<String> outcomes) {
        Dataset<Row> c = contributions.filter(outcomes.isEmpty() ? lit(false) : col("outcome").isin(outcomes.toArray()));
        Dataset<Row> a = c.select(col("registry_id"), col("patient_id"), col("outcome"), col("stratum_variable"),
                col("stratum"), col("exposure_group").as("group_a"), col("events").as("__ya"), col("days").as("__ta"));
        Dataset<Row> b = c.select(col("registry_id").as("__brid"), col("patient_id").as("__bpid"), col("outcome").as("__bout"),
                col("stratum_variable").as("__bvar"), col("stratum").as("__bstr"), col("exposure_group").as("group_b"),
                col("events").as("__yb"), col("days").as("__tb"));
        return a.join(b, a.col("registry_id").equalTo(b.col("__brid")).and(a.col("patient_id").equalTo(b.col("__bpid")))
                        .and(a.col("outcome").equalTo(b.col("__bout"))).and(a.col("stratum_variable").equalTo(b.col("__bvar")))
                        .and(a.col("stratum").equalTo(b.col("__bstr"))).and(a.col("group_a").notEqual(b.col("group_b"))),
                        "inner")
                .groupBy("registry_id", "outcome", "stratum_variable", "stratum", "group_a", "group_b")
                .agg(count(lit(1)).as("patients_both"),
                        sum(col("__ya").multiply(col("__yb"))).cast(DataTypes.LongType).as("sum_events_a_events_b"),
                        sum(col("__ya").multiply(col("__tb"))).cast(DataTypes.LongType).as("sum_events_a_days_b"),
                        sum(col("__ta").multiply(col("__yb"))).cast(DataTypes.LongType).as("sum_days_a_events_b"),
                        sum(col("__ta").multiply(col("__tb"))).cast(DataTypes.LongType).as("sum_days_a_days_b"))
                .select(CROSS_SUM_COLUMNS.stream().map(org.apache.spark.sql.functions::col).toArray(Column[]::new));
    }

    /**
     * Each patient's share of the incidence table ({@link #CONTRIBUTION_COLUMNS}): per registry × patient × exposure
     * group × outcome × stratum, events and days at risk, and {@code open_until}: when the days still run at the
     * as-of date (an at-risk interval is cut by it and, for a first-event outcome, no event has stopped the time), the
     * date they would run to without it, else null. A later as-of date only adds days to such rows
     * ({@link #extended}), so a nightly run recomputes the patients with new rows only.
     */
    public static Dataset<Row> contributions(SparkSession spark, RegistryExtract extract, List<OutcomeDefinition> outcomes,
                                             Settings settings) {
        Dataset<Row> intervals = atRisk(extract, settings);
        Dataset<Row> events = outcomeEvents(extract.events(), outcomes);
        Dataset<Row> i = intervals.select(col("registry_id").as("__irid"), col("patient_id").as("__ipid"),
                col("exposure_group").as("__igroup"), col("risk_start").as("__is"), col("risk_end").as("__ie"));
        // events inside at-risk time, tagged with their interval
        Dataset<Row> inside = events.join(i, events.col("registry_id").equalTo(i.col("__irid"))
                .and(events.col("patient_id").equalTo(i.col("__ipid")))
                .and(events.col("event_date").between(i.col("__is"), i.col("__ie"))), "inner");
        Dataset<Row> firstEvents = inside.groupBy(col("__irid").as("__frid"), col("__ipid").as("__fpid"),
                col("__igroup").as("__fgroup"), col("outcome").as("__fout")).agg(min("event_date").as("__first"));
        Dataset<Row> perInterval = inside.groupBy(col("__irid").as("__crid"), col("__ipid").as("__cpid"),
                col("__igroup").as("__cgroup"), col("__is").as("__cs"), col("outcome").as("__cout")).agg(count(lit(1)).as("__n"));

        Dataset<Row> outcomeTable = spark.createDataFrame(
                outcomes.stream().map(o -> RowFactory.create(o.name(), o.firstEvent())).toList(),
                new StructType().add("outcome", DataTypes.StringType).add("__first_event", DataTypes.BooleanType));
        Dataset<Row> grid = intervals.crossJoin(outcomeTable);
        Dataset<Row> joined = grid
                .join(firstEvents, grid.col("registry_id").equalTo(firstEvents.col("__frid"))
                        .and(grid.col("patient_id").equalTo(firstEvents.col("__fpid")))
                        .and(grid.col("exposure_group").equalTo(firstEvents.col("__fgroup")))
                        .and(grid.col("outcome").equalTo(firstEvents.col("__fout"))), "left")
                .join(perInterval, grid.col("registry_id").equalTo(perInterval.col("__crid"))
                        .and(grid.col("patient_id").equalTo(perInterval.col("__cpid")))
                        .and(grid.col("exposure_group").equalTo(perInterval.col("__cgroup")))
                        .and(grid.col("risk_start").equalTo(perInterval.col("__cs")))
                        .and(grid.col("outcome").equalTo(perInterval.col("__cout"))), "left");
        Column full = datediff(col("risk_end"), col("risk_start")).plus(1);
        Column first = col("__first");
        Column firstDays = when(first.isNull(), full).when(first.lt(col("risk_start")), lit(0))
                .otherwise(least(datediff(first, col("risk_start")).plus(1), full));
        Column firstHere = when(first.isNotNull().and(first.between(col("risk_start"), col("risk_end"))), 1).otherwise(0);
        // days still running at the as-of date: cut by it, and not stopped by a first event (in this or an earlier interval)
        Column running = settings.asOf() == null ? lit(false)
                : col("risk_until").gt(col("risk_end")).and(col("__first_event").unary_$bang().or(first.isNull()));
        Dataset<Row> perIntervalRows = joined.withColumn("__days", when(col("__first_event"), firstDays).otherwise(full))
                .withColumn("__events", when(col("__first_event"), firstHere).otherwise(coalesce(col("__n"), lit(0L))))
                .withColumn("__open_until", when(running, col("risk_until")))
                .cache(); // one plan, aggregated once per stratum variable

        Dataset<Row> result = null;
        List<String> variables = new ArrayList<>();
        variables.add(ALL);
        variables.addAll(settings.strata());
        // the strata jointly (one stratum per combination), what a Mantel–Haenszel rate ratio is stratified by
        String joint = jointVariable(settings.strata());
        if (joint != null) {
            variables.add(joint);
        }
        for (String v : variables) {
            Column value = v.equals(ALL) ? lit(ALL) : v.equals(joint)
                    ? concat_ws(JOINT_SEPARATOR, settings.strata().stream().map(org.apache.spark.sql.functions::col)
                    .toArray(Column[]::new)) : col(v);
            Dataset<Row> one = perIntervalRows.groupBy(col("registry_id"), col("patient_id"), col("exposure_group"),
                            col("outcome"), lit(v).as("stratum_variable"), value.as("stratum"))
                    .agg(sum("__events").cast(DataTypes.LongType).as("events"),
                            sum("__days").cast(DataTypes.LongType).as("days"), max("__open_until").as("open_until"));
            result = result == null ? one : result.unionByName(one);
        }
        return result.select(CONTRIBUTION_COLUMNS.stream().map(org.apache.spark.sql.functions::col).toArray(Column[]::new));
    }

    /**
     * Contributions computed as of {@code through} ({@link #contributions}), as they are at the later date {@code asOf}
     * for a patient without new rows: running days grow to the earlier of {@code open_until} and {@code asOf} (the
     * intervals cut by the earlier date reach the same ends a recomputation would find; events and intervals that
     * start after it are the caller's to recompute). Days count inclusively, so {@code through} itself was counted.
     */
    public static Dataset<Row> extended(Dataset<Row> contributions, LocalDate through, LocalDate asOf) {
        if (!asOf.isAfter(through)) {
            return contributions;
        }
        Column now = lit(java.sql.Date.valueOf(asOf));
        Column reached = least(col("open_until"), now);
        return contributions
                .withColumn("days", when(col("open_until").isNull(), col("days"))
                        .otherwise(col("days").plus(datediff(reached, lit(java.sql.Date.valueOf(through))))))
                .withColumn("open_until", when(col("open_until").gt(now), col("open_until")));
    }

    /**
     * The whole-registry rows as arms of a comparison ({@link ArmTable} shape): each experimental group is an
     * experimental arm, the pooled comparator group the control arm; other groups are described in the incidence
     * table only. For recurrent-event outcomes n is 0 (events may exceed patients; only rate measures apply).
     */
    public static Dataset<Row> arms(Dataset<Row> incidence, Set<String> experimentalGroups, String comparatorGroup,
                                    List<OutcomeDefinition> outcomes, String origin) {
        Column recurrent = col("outcome").isin(outcomes.stream().filter(o -> !o.firstEvent()).map(OutcomeDefinition::name)
                .toArray());
        Column role = when(col("exposure_group").isin(experimentalGroups.toArray()), lit("experimental"))
                .when(col("exposure_group").equalTo(comparatorGroup), lit("control"));
        return incidence.filter(col("stratum_variable").equalTo(ALL))
                .withColumn("role", role)
                .filter(col("role").isNotNull().and(col("person_years").gt(0)))
                .select(col("registry_id").as("study_id"), col("exposure_group").as("arm_id"), col("role"),
                        col("exposure_group").as("treatment"), lit(null).cast(DataTypes.DoubleType).as("dose_mg"),
                        col("outcome"), when(recurrent, lit(0L)).otherwise(col("patients")).as("n"), col("events"),
                        col("events").as("event_count"), col("person_years"), lit(origin).as("origin"));
    }
}
