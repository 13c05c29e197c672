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
 * (gaps-and-islands over a window ordered by start), so no day is counted twice within a group. Where a patient's
 * at-risk time of two groups overlaps, each day (and an event on it) goes to one group by the declared
 * {@link Attribution} rule (default {@link Attribution#LATEST_EXPOSURE}), applied to each censored episode before the
 * merge and before the as-of cut. For first-event outcomes time stops at the first event inside the group's at-risk time;
 * otherwise every event inside at-risk time counts and time runs to the end. Days count inclusively (end − start + 1).
 */
public final class RegistryAggregator {

    private static final java.sql.Date EARLIEST = java.sql.Date.valueOf("0001-01-01");

    /** The stratum name and value of the whole registry. */
    public static final String ALL = "all";

    /** Stratum derived from birth_year at the start of each at-risk interval, in ten-year bands ("40-49"). */
    public static final String AGE_BAND = "age_band";

    /**
     * @param riskWindowDays days at risk after an episode ends
     * @param asOf           administrative end of follow-up (the extract date), or null
     * @param strata         patient columns (or age_band) to stratify by, besides the whole registry
     */
    public record Settings(int riskWindowDays, LocalDate asOf, List<String> strata, Attribution attribution,
                           NewUser newUser) {
        public Settings {
            if (riskWindowDays < 0) {
                throw new IllegalArgumentException("risk_window_days must be >= 0, was " + riskWindowDays);
            }
            strata = strata == null ? List.of() : List.copyOf(strata);
            attribution = attribution == null ? Attribution.LATEST_EXPOSURE : attribution;
        }

        /** Every episode enters (no new-user design). */
        public Settings(int riskWindowDays, LocalDate asOf, List<String> strata, Attribution attribution) {
            this(riskWindowDays, asOf, strata, attribution, null);
        }

        /** The default attribution ({@link Attribution#LATEST_EXPOSURE}), every episode entering. */
        public Settings(int riskWindowDays, LocalDate asOf, List<String> strata) {
            this(riskWindowDays, asOf, strata, null, null);
        }
    }

    /**
     * A new-user design (conf {@code registry.new_user}); the names are OHDSI CohortMethod's arguments
     * (getDbCohortMethodData / createStudyPopulation: washoutPeriod, firstExposureOnly,
     * removeSubjectsWithPriorOutcome, priorOutcomeLookback), so a study's settings map one to one.
     *
     * @param washoutPeriod                  days before the index date that must be observed and free of any exposure
     *                                       to the group
     * @param minPriorObservation            days of observation before the index date required
     * @param firstExposureOnly              only the patient's earliest recorded exposure of the group may enter
     * @param removeSubjectsWithPriorOutcome per outcome: an era with an event of the outcome in the lookback before its
     *                                       index date does not enter for that outcome
     * @param priorOutcomeLookback           days before the index date searched for a prior outcome
     */
    public record NewUser(int washoutPeriod, int minPriorObservation, boolean firstExposureOnly,
                          boolean removeSubjectsWithPriorOutcome, int priorOutcomeLookback) {
        /** CohortMethod createStudyPopulation's default priorOutcomeLookback: all prior time. */
        public static final int ALL_PRIOR_TIME = 99999;

        public NewUser {
            if (washoutPeriod < 0 || minPriorObservation < 0 || priorOutcomeLookback < 1) {
                throw new IllegalArgumentException("new_user: washout_period and min_prior_observation must be >= 0 and "
                        + "prior_outcome_lookback >= 1, were " + washoutPeriod + ", " + minPriorObservation + ", "
                        + priorOutcomeLookback);
            }
        }
    }

    /**
     * How the days (and events) where a patient's at-risk intervals of two exposure groups overlap are attributed to
     * one group (conf {@code registry.attribution}); each day counts in at most one group.
     */
    public enum Attribution {
        /**
         * As-treated: a day goes to the exposure whose episode started most recently among those at risk on it; the
         * earlier exposure's time resumes after the later one's at-risk interval ends (the default).
         */
        LATEST_EXPOSURE("latest_exposure"),
        /** An episode's time ends for good the day before an episode of another group starts inside it. */
        CENSOR_AT_SWITCH("censor_at_switch");

        private final String label;

        Attribution(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }

        /** The conf value; IllegalArgumentException naming the choices otherwise. */
        public static Attribution parse(String label) {
            for (Attribution a : values()) {
                if (a.label.equals(label)) {
                    return a;
                }
            }
            throw new IllegalArgumentException("attribution '" + label + "' must be latest_exposure or censor_at_switch");
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
     * A patient-level table on one side of a join: sort-merge joined, never broadcast. Adaptive execution turns every
     * join whose side has under 10 MB of shuffle output into a broadcast at run time, and a query's broadcasts are
     * built on the driver together: at 1e7 registry events, fifteen of the contributions query's overran a 2 GiB heap.
     * Small tables (the outcome list) are still broadcast.
     */
    static Dataset<Row> patientLevel(Dataset<Row> table) {
        return table.hint("merge");
    }

    /**
     * At-risk intervals: registry_id, patient_id, exposure_group, risk_start, risk_end, risk_until (the end without
     * the as-of date: equal to risk_end unless the interval is cut by it), plus one column per stratum.
     */
    public static Dataset<Row> atRisk(RegistryExtract extract, Settings settings) {
        return plan(extract, settings, List.of()).intervals();
    }

    /**
     * At-risk intervals ({@link #atRisk}) and, per patient, pieces of at-risk time that start after the as-of date
     * although no row is dated after it (registry_id, patient_id, __next: the earliest such start): under
     * latest_exposure an earlier exposure resumes the day after a later one's at-risk time ends, which a later as-of
     * date reaches without a new row.
     */
    private record Plan(Dataset<Row> intervals, Dataset<Row> resuming, Dataset<Row> steps) {
    }

    private static Plan plan(RegistryExtract extract, Settings settings, List<OutcomeDefinition> outcomes) {
        Dataset<Row> episodes = extract.exposures().select(col("registry_id"), col("patient_id"), col("exposure_group"),
                col("start_date").as("__s"), date_add(col("end_date"), settings.riskWindowDays()).as("__e"));
        // Each episode is censored on its own first (observation period holding its start, death, as-of date), then
        // the censored intervals are merged: merging first would let an episode's risk window carry a later episode
        // into the observation period of an earlier start (or out of observation altogether) and lose its time.
        if (extract.observation() != null) {
            Dataset<Row> periods = patientLevel(extract.observation().select(col("registry_id").as("__orid"), col("patient_id").as("__opid"),
                    col("observation_start").as("__os"), col("observation_end").as("__oe")));
            // the observation period holding the start bounds the episode; a start outside observation has no time
            episodes = episodes.join(periods, episodes.col("registry_id").equalTo(periods.col("__orid"))
                            .and(episodes.col("patient_id").equalTo(periods.col("__opid")))
                            .and(coalesce(periods.col("__os"), lit(java.sql.Date.valueOf("0001-01-01"))).leq(episodes.col("__s")))
                            .and(coalesce(periods.col("__oe"), lit(java.sql.Date.valueOf("9999-12-31"))).geq(episodes.col("__s"))),
                            "inner")
                    .groupBy("registry_id", "patient_id", "exposure_group", "__s", "__e")
                    .agg(max(coalesce(col("__oe"), lit(java.sql.Date.valueOf("9999-12-31")))).as("__obs_end"),
                            min(coalesce(col("__os"), lit(EARLIEST))).as("__obs_start"))
                    .withColumn("__e", least(col("__e"), col("__obs_end")))
                    .drop("__obs_end");
        } else {
            // no observation table: every recorded day counts as observed, as for the at-risk time
            episodes = episodes.withColumn("__obs_start", lit(EARLIEST));
        }
        if (settings.newUser() == null) {
            episodes = episodes.drop("__obs_start");
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
            Dataset<Row> p = patientLevel(patients.select(keep.toArray(Column[]::new)));
            episodes = episodes.join(p, episodes.col("registry_id").equalTo(p.col("__prid"))
                            .and(episodes.col("patient_id").equalTo(p.col("__ppid"))), "left")
                    .withColumn("__e", least(col("__e"), col("__death")))
                    .drop("__prid", "__ppid", "__death");
        } else if (!settings.strata().isEmpty()) {
            throw new IllegalArgumentException("registry strata " + settings.strata() + " need a patients table");
        }
        // attrition (CohortMethod getAttritionTable): the days of each step, per patient and group (and outcome)
        Dataset<Row> outcomeNames = outcomes.isEmpty() ? null : extract.exposures().sparkSession().createDataFrame(
                outcomes.stream().map(o -> RowFactory.create(o.name())).toList(),
                new StructType().add("outcome", DataTypes.StringType));
        List<Dataset<Row>> steps = new ArrayList<>();
        if (outcomeNames != null) {
            steps.add(stepRows(inExtract(extract, settings), settings.asOf(), STEPS.get(0), outcomeNames));
            steps.add(stepRows(episodes, settings.asOf(), STEPS.get(1), outcomeNames));
        }
        NewUser nu = settings.newUser();
        boolean cleanWindow = nu != null && nu.removeSubjectsWithPriorOutcome() && outcomeNames != null;
        if (nu != null) {
            episodes = newUsers(episodes, extract.exposures(), nu);
            if (outcomeNames != null) {
                Dataset<Row> newUsers = episodes.filter(col("__nu"));
                steps.add(stepRows(newUsers, settings.asOf(), STEPS.get(2), outcomeNames));
                if (cleanWindow) {
                    steps.add(stepRows(withoutPriorOutcome(newUsers, extract, outcomes, outcomeNames, nu),
                            settings.asOf(), STEPS.get(3), null));
                }
            }
        }
        // one group per day: overlaps between groups are attributed before the as-of cut, so the pieces (and where an
        // earlier exposure resumes) do not depend on the date. Every exposure takes part, new user or not: a switch to
        // a prevalent user's drug is still a switch
        episodes = attribute(episodes, settings.attribution());
        boolean perOutcome = false;
        if (nu != null) {
            episodes = episodes.filter(col("__nu")).drop("__nu", "__obs_start");
            if (cleanWindow) {
                episodes = withoutPriorOutcome(episodes, extract, outcomes, outcomeNames, nu);
                perOutcome = true;
            }
            episodes = episodes.drop("__idx");
        }
        // the end the episode's time would reach with no as-of date: an open interval grows towards it as the date moves
        episodes = episodes.withColumn("__u", col("__e"));
        if (settings.asOf() != null) {
            episodes = episodes.withColumn("__e", least(col("__e"), lit(java.sql.Date.valueOf(settings.asOf()))));
        }
        Dataset<Row> resuming = settings.asOf() == null ? null : episodes
                .filter(col("__s").gt(lit(java.sql.Date.valueOf(settings.asOf()))))
                .groupBy("registry_id", "patient_id").agg(min("__s").as("__next"));
        episodes = episodes.filter(col("__e").geq(col("__s")));

        WindowSpec ordered = Window.partitionBy("registry_id", "patient_id", "exposure_group").orderBy("__s", "__e");
        // gaps and islands: an episode starts a new island unless it begins by the day after every earlier one ended
        List<Column> islandKey = new ArrayList<>(List.of(col("registry_id"), col("patient_id"), col("exposure_group"),
                col("__island")));
        carried.forEach(c -> islandKey.add(col(c)));
        if (perOutcome) {
            ordered = Window.partitionBy("registry_id", "patient_id", "exposure_group", "outcome").orderBy("__s", "__e");
            islandKey.add(col("outcome"));
        }
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
        if (perOutcome) {
            out.add(col("outcome"));
        }
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
        Dataset<Row> stepUnion = null;
        for (Dataset<Row> st : steps) {
            stepUnion = stepUnion == null ? st : stepUnion.unionByName(st);
        }
        return new Plan(islands.select(out.toArray(Column[]::new)), resuming, stepUnion);
    }

    /**
     * Censored episodes (registry_id, patient_id, exposure_group, __s, __e and per-patient columns) cut into the
     * pieces the attribution rule gives their group; pieces are returned with the same columns. Another group's
     * episode takes days from an episode when it starts on or after the episode's start and on or before its end;
     * two episodes of different groups starting the same day take the days they share from each other, so those
     * days count in neither group (CohortMethod createStudyPopulation, removeDuplicateSubjects = "keep first":
     * a person entering both cohorts on the same day is removed from both).
     */
    /** The steps of the attrition table, in order; the last is the incidence table's at-risk time. */
    public static final List<String> STEPS = List.of("in_extract", "in_observation", "new_user_after_washout",
            "prior_outcome_removed", "at_risk");

    /** stratum_variable of the contribution rows that hold a patient's days at an attrition step (stratum: the step). */
    public static final String ATTRITION = "__attrition";

    /** Output columns of {@link #attrition}. */
    public static final List<String> ATTRITION_COLUMNS = List.of("registry_id", "exposure_group", "outcome", "step_order",
            "step", "patients", "person_years");

    /**
     * The attrition table from contributions (CohortMethod getAttritionTable, with person-time beside the patients):
     * per registry × exposure group × outcome × step, patients with days at that step and their person-years. Steps
     * without a new-user design are in_extract, in_observation and at_risk; new_user_after_washout with a design, and
     * prior_outcome_removed with its clean window. at_risk is the incidence table's whole-registry row.
     */
    public static Dataset<Row> attrition(Dataset<Row> contributions) {
        Dataset<Row> steps = contributions.filter(col("stratum_variable").equalTo(ATTRITION))
                .withColumnRenamed("stratum", "step");
        Dataset<Row> atRisk = contributions.filter(col("stratum_variable").equalTo(ALL))
                .withColumn("step", lit(STEPS.get(4)));
        Column order = lit(STEPS.size());
        for (int k = STEPS.size() - 1; k >= 0; k--) {
            order = when(col("step").equalTo(STEPS.get(k)), lit(k + 1)).otherwise(order);
        }
        String[] keep = {"registry_id", "exposure_group", "outcome", "step", "days"};
        return steps.select(keep[0], java.util.Arrays.copyOfRange(keep, 1, keep.length))
                .unionByName(atRisk.select(keep[0], java.util.Arrays.copyOfRange(keep, 1, keep.length)))
                .groupBy("registry_id", "exposure_group", "outcome", "step")
                .agg(count(lit(1)).as("patients"), sum("days").divide(SubjectAggregator.DAYS_PER_YEAR).as("person_years"))
                .withColumn("step_order", order)
                .select(ATTRITION_COLUMNS.stream().map(org.apache.spark.sql.functions::col).toArray(Column[]::new));
    }

    /** Episodes of the extract at risk, ignoring observation: start to end + window, stopped at death. */
    private static Dataset<Row> inExtract(RegistryExtract extract, Settings settings) {
        Dataset<Row> raw = extract.exposures().select(col("registry_id"), col("patient_id"), col("exposure_group"),
                col("start_date").as("__s"), date_add(col("end_date"), settings.riskWindowDays()).as("__e"));
        if (extract.patients() == null) {
            return raw;
        }
        Dataset<Row> p = patientLevel(extract.patients().select(col("registry_id").as("__prid"), col("patient_id").as("__ppid"),
                col("death_date").as("__death")));
        return raw.join(p, raw.col("registry_id").equalTo(p.col("__prid")).and(raw.col("patient_id").equalTo(p.col("__ppid"))),
                "left").withColumn("__e", least(col("__e"), col("__death"))).drop("__prid", "__ppid", "__death");
    }

    /**
     * Per patient × group × outcome at one attrition step: whole days of the merged intervals [__s, __e] cut at the
     * as-of date, and open_until (the end the cut interval would reach), as contribution rows (events 0). Rows without
     * an outcome column are repeated for every outcome.
     */
    private static Dataset<Row> stepRows(Dataset<Row> episodes, LocalDate asOf, String step, Dataset<Row> outcomeNames) {
        boolean hasOutcome = List.of(episodes.columns()).contains("outcome");
        List<String> key = new ArrayList<>(List.of("registry_id", "patient_id", "exposure_group"));
        if (hasOutcome) {
            key.add("outcome");
        }
        Column[] keyCols = key.stream().map(org.apache.spark.sql.functions::col).toArray(Column[]::new);
        WindowSpec ordered = Window.partitionBy(keyCols).orderBy("__s", "__e");
        List<Column> islandKey = new ArrayList<>(List.of(keyCols));
        islandKey.add(col("__island"));
        Dataset<Row> islands = episodes.select(java.util.stream.Stream.concat(key.stream(), java.util.stream.Stream.of("__s", "__e"))
                        .map(org.apache.spark.sql.functions::col).toArray(Column[]::new))
                .filter(col("__e").geq(col("__s")))
                .withColumn("__prev_end", max("__e").over(ordered.rowsBetween(Window.unboundedPreceding(), -1)))
                .withColumn("__new", when(col("__prev_end").isNull().or(col("__s").gt(date_add(col("__prev_end"), 1))), 1).otherwise(0))
                .withColumn("__island", sum("__new").over(ordered.rowsBetween(Window.unboundedPreceding(), Window.currentRow())))
                .groupBy(islandKey.toArray(Column[]::new)).agg(min("__s").as("__a"), max("__e").as("__b"));
        Column cut = asOf == null ? col("__b") : least(col("__b"), lit(java.sql.Date.valueOf(asOf)));
        Dataset<Row> rows = islands.withColumn("__c", cut).filter(col("__c").geq(col("__a")))
                .groupBy(keyCols)
                .agg(sum(datediff(col("__c"), col("__a")).plus(1)).cast(DataTypes.LongType).as("days"),
                        max(when(col("__b").gt(col("__c")), col("__b"))).as("open_until"));
        if (!hasOutcome) {
            rows = rows.crossJoin(outcomeNames);
        }
        return rows.select(col("registry_id"), col("patient_id"), col("exposure_group"), col("outcome"),
                lit(ATTRITION).as("stratum_variable"), lit(step).as("stratum"), lit(0L).as("events"), col("days"),
                col("open_until"));
    }

    /**
     * Episodes (with __idx) per outcome, less the eras with an event of the outcome in [index − lookback, index − 1]:
     * CohortMethod createStudyPopulation(removeSubjectsWithPriorOutcome, priorOutcomeLookback); the index day itself
     * is at risk.
     */
    private static Dataset<Row> withoutPriorOutcome(Dataset<Row> episodes, RegistryExtract extract,
                                                    List<OutcomeDefinition> outcomes, Dataset<Row> outcomeNames, NewUser nu) {
        Dataset<Row> prior = patientLevel(outcomeEvents(extract.events(), outcomes).select(col("registry_id").as("__vrid"),
                col("patient_id").as("__vpid"), col("event_date").as("__vd"), col("outcome").as("__vout")));
        Dataset<Row> grid = episodes.crossJoin(outcomeNames);
        return grid.join(prior, grid.col("registry_id").equalTo(prior.col("__vrid"))
                .and(grid.col("patient_id").equalTo(prior.col("__vpid")))
                .and(grid.col("outcome").equalTo(prior.col("__vout")))
                .and(prior.col("__vd").lt(grid.col("__idx")))
                .and(prior.col("__vd").geq(org.apache.spark.sql.functions.date_sub(grid.col("__idx"),
                        nu.priorOutcomeLookback()))), "left_anti");
    }

    /**
     * Episodes (after censoring, before attribution) with their era's index date {@code __idx} and whether the era
     * enters as a new user ({@code __nu}). An era is a run of a group's episodes whose censored at-risk intervals
     * overlap or touch (the merge rule of the at-risk intervals, applied before attribution and the as-of cut); its
     * index date is its first start. It enters when (CohortMethod getDbCohortMethodData / createStudyPopulation):
     * the index date has at least max(washout_period, min_prior_observation) days of observation before it in the
     * observation period holding it (washoutPeriod: required prior observation); no exposure row of the group
     * (start_date..end_date, whatever its observation) falls in [index − washout_period, index − 1] (Ray 2003's
     * new user: no use in the washout); and, with first_exposure_only, the index date is the patient's earliest
     * recorded start of the group (firstExposureOnly, applied before the other criteria as in CohortMethod: a first
     * exposure that fails them leaves the patient out of the group).
     */
    static Dataset<Row> newUsers(Dataset<Row> episodes, Dataset<Row> exposures, NewUser nu) {
        WindowSpec byGroup = Window.partitionBy("registry_id", "patient_id", "exposure_group").orderBy("__s", "__e");
        Dataset<Row> e = episodes
                .withColumn("__pe", max("__e").over(byGroup.rowsBetween(Window.unboundedPreceding(), -1)))
                .withColumn("__new", when(col("__pe").isNull().or(col("__s").gt(date_add(col("__pe"), 1))), 1).otherwise(0))
                .withColumn("__era", sum("__new").over(byGroup.rowsBetween(Window.unboundedPreceding(), Window.currentRow())))
                .withColumn("__idx", min("__s").over(Window.partitionBy("registry_id", "patient_id", "exposure_group", "__era")))
                .drop("__pe", "__new", "__era");
        // one row per era: its index date and the start of the observation period holding it
        Dataset<Row> eras = e.filter(col("__s").equalTo(col("__idx")))
                .groupBy("registry_id", "patient_id", "exposure_group", "__idx").agg(min("__obs_start").as("__eos"));
        int priorDays = Math.max(nu.washoutPeriod(), nu.minPriorObservation());
        Column ok = datediff(col("__idx"), col("__eos")).geq(priorDays);
        if (nu.washoutPeriod() > 0) {
            Dataset<Row> x = patientLevel(exposures.select(col("registry_id").as("__wrid"), col("patient_id").as("__wpid"),
                    col("exposure_group").as("__wg"), col("start_date").as("__ws"), col("end_date").as("__we")));
            eras = eras.join(x, eras.col("registry_id").equalTo(x.col("__wrid"))
                            .and(eras.col("patient_id").equalTo(x.col("__wpid")))
                            .and(eras.col("exposure_group").equalTo(x.col("__wg")))
                            .and(x.col("__ws").lt(eras.col("__idx")))
                            .and(coalesce(x.col("__we"), x.col("__ws")).geq(
                                    org.apache.spark.sql.functions.date_sub(eras.col("__idx"), nu.washoutPeriod()))), "left")
                    .groupBy("registry_id", "patient_id", "exposure_group", "__idx", "__eos")
                    .agg(count(col("__ws")).as("__in_washout"));
            ok = ok.and(col("__in_washout").equalTo(0));
        }
        if (nu.firstExposureOnly()) {
            Dataset<Row> first = patientLevel(exposures.groupBy(col("registry_id").as("__frid"), col("patient_id").as("__fpid"),
                    col("exposure_group").as("__fg")).agg(min("start_date").as("__first")));
            eras = eras.join(first, eras.col("registry_id").equalTo(first.col("__frid"))
                    .and(eras.col("patient_id").equalTo(first.col("__fpid")))
                    .and(eras.col("exposure_group").equalTo(first.col("__fg"))), "left");
            ok = ok.and(col("__idx").equalTo(col("__first")));
        }
        Dataset<Row> verdict = patientLevel(eras.select(col("registry_id"), col("patient_id"), col("exposure_group"), col("__idx"),
                coalesce(ok, lit(false)).as("__nu")));
        return e.join(verdict, new String[] {"registry_id", "patient_id", "exposure_group", "__idx"}, "inner");
    }

    static Dataset<Row> attribute(Dataset<Row> episodes, Attribution rule) {
        String[] keyNames = episodes.columns();
        Dataset<Row> ep = episodes.dropDuplicates(); // the same episode twice is one episode
        Dataset<Row> other = patientLevel(ep.select(col("registry_id").as("__xrid"), col("patient_id").as("__xpid"),
                col("exposure_group").as("__xg"), col("__s").as("__xs"), col("__e").as("__xe")));
        Column takes = ep.col("registry_id").equalTo(other.col("__xrid")).and(ep.col("patient_id").equalTo(other.col("__xpid")))
                .and(ep.col("exposure_group").notEqual(other.col("__xg")))
                .and(other.col("__xs").geq(ep.col("__s"))).and(other.col("__xs").leq(ep.col("__e")));
        Column[] key = java.util.Arrays.stream(keyNames).map(org.apache.spark.sql.functions::col).toArray(Column[]::new);
        if (rule == Attribution.CENSOR_AT_SWITCH) {
            // censoring at a switch to another treatment (OHDSI CohortMethod: time at risk ends at the start of the
            // comparator exposure, "censor at switch"; ICH E9(R1) while-on-treatment): the day before the first
            // later start of another group ends the episode
            return ep.join(other, takes, "left").groupBy(key).agg(min("__xs").as("__switch"))
                    .withColumn("__e", when(col("__switch").isNull(), col("__e"))
                            .otherwise(least(col("__e"), org.apache.spark.sql.functions.date_sub(col("__switch"), 1))))
                    .filter(col("__e").geq(col("__s")))
                    .select(key);
        }
        // as-treated, most recent exposure wins (latest_exposure): the days of the episode less the union of the
        // intervals of other groups' episodes started since, clipped to the episode
        List<Column> coverCols = new ArrayList<>(List.of(key));
        coverCols.add(col("__xs").as("__cs"));
        coverCols.add(least(col("__xe"), col("__e")).as("__ce"));
        Dataset<Row> covers = ep.join(other, takes, "inner").select(coverCols.toArray(Column[]::new));
        WindowSpec byCover = Window.partitionBy(key).orderBy("__cs", "__ce");
        List<Column> islandKey = new ArrayList<>(List.of(key));
        islandKey.add(col("__isl"));
        // gaps and islands over the covering intervals (as for the episodes of one group, below)
        Dataset<Row> islands = covers
                .withColumn("__pe", max("__ce").over(byCover.rowsBetween(Window.unboundedPreceding(), -1)))
                .withColumn("__new", when(col("__pe").isNull().or(col("__cs").gt(date_add(col("__pe"), 1))), 1).otherwise(0))
                .withColumn("__isl", sum("__new").over(byCover.rowsBetween(Window.unboundedPreceding(), Window.currentRow())))
                .groupBy(islandKey.toArray(Column[]::new)).agg(min("__cs").as("__cs"), max("__ce").as("__ce"));
        WindowSpec byIsland = Window.partitionBy(key).orderBy("__cs");
        List<Column> pieceCols = new ArrayList<>();
        for (String k : keyNames) {
            pieceCols.add(k.equals("__s") ? col("__ps").as("__s") : k.equals("__e") ? col("__pe2").as("__e") : col(k));
        }
        // the piece before each covering island (from the end of the previous island, or the episode's start) ...
        Dataset<Row> before = islands
                .withColumn("__ps", coalesce(date_add(org.apache.spark.sql.functions.lag("__ce", 1).over(byIsland), 1), col("__s")))
                .withColumn("__pe2", org.apache.spark.sql.functions.date_sub(col("__cs"), 1))
                .select(pieceCols.toArray(Column[]::new));
        // ... and the piece after the last one, to the episode's end
        Dataset<Row> after = islands.groupBy(key).agg(max("__ce").as("__last"))
                .withColumn("__ps", date_add(col("__last"), 1)).withColumn("__pe2", col("__e"))
                .select(pieceCols.toArray(Column[]::new));
        Dataset<Row> untouched = ep.join(other, takes, "left").groupBy(key).agg(count(col("__xs")).as("__n"))
                .filter(col("__n").equalTo(0)).select(key);
        return untouched.unionByName(before).unionByName(after).filter(col("__e").geq(col("__s")));
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

    /**
     * stratum_variable of a contribution row that is no stratum: a patient whose at-risk time resumes at open_until,
     * after the as-of date it was computed for, without a row dated after it; recomputed once a run reaches that date.
     */
    public static final String RECOMPUTE = "__recompute";

    /** The contribution rows of strata (the whole registry and each stratum variable), without marker rows. */
    public static Dataset<Row> strata(Dataset<Row> contributions) {
        return contributions.filter(col("stratum_variable").startsWith("__").unary_$bang());
    }

    /** Patients (registry_id, patient_id) whose contributions are due for recomputation as of {@code asOf}. */
    public static Dataset<Row> due(Dataset<Row> contributions, LocalDate asOf) {
        return contributions.filter(col("stratum_variable").equalTo(RECOMPUTE)
                        .and(col("open_until").leq(lit(java.sql.Date.valueOf(asOf)))))
                .select("registry_id", "patient_id");
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
        return strata(contributions).groupBy("registry_id", "exposure_group", "outcome", "stratum_variable", "stratum")
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
        // strata rows only: attrition steps and recompute markers are no patient's rate contribution
        Dataset<Row> c = strata(contributions).filter(outcomes.isEmpty() ? lit(false) : col("outcome").isin(outcomes.toArray()));
        Dataset<Row> a = c.select(col("registry_id"), col("patient_id"), col("outcome"), col("stratum_variable"),
                col("stratum"), col("exposure_group").as("group_a"), col("events").as("__ya"), col("days").as("__ta"));
        Dataset<Row> b = patientLevel(c.select(col("registry_id").as("__brid"), col("patient_id").as("__bpid"), col("outcome").as("__bout"),
                col("stratum_variable").as("__bvar"), col("stratum").as("__bstr"), col("exposure_group").as("group_b"),
                col("events").as("__yb"), col("days").as("__tb")));
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
        Plan plan = plan(extract, settings, outcomes);
        Dataset<Row> intervals = plan.intervals();
        Dataset<Row> events = outcomeEvents(extract.events(), outcomes);
        // CohortIncidence's clean window: the days after each event of a recurrent outcome are no time at risk
        Dataset<Row> cleanEras = cleanWindowEras(events, outcomes);
        if (cleanEras != null) {
            // an event inside an excluded era is part of an earlier episode: not counted
            events = events.join(cleanEras, events.col("registry_id").equalTo(cleanEras.col("__xrid"))
                    .and(events.col("patient_id").equalTo(cleanEras.col("__xpid")))
                    .and(events.col("outcome").equalTo(cleanEras.col("__xout")))
                    .and(events.col("event_date").between(cleanEras.col("__xs"), cleanEras.col("__xe"))), "left_anti");
        }
        boolean perOutcome = List.of(intervals.columns()).contains("outcome");
        Dataset<Row> i = patientLevel(intervals.select(col("registry_id").as("__irid"), col("patient_id").as("__ipid"),
                col("exposure_group").as("__igroup"), col("risk_start").as("__is"), col("risk_end").as("__ie"),
                perOutcome ? col("outcome").as("__iout") : lit(null).cast(DataTypes.StringType).as("__iout")));
        // events inside at-risk time, tagged with their interval (of their own outcome, where intervals are per outcome)
        Column within = events.col("registry_id").equalTo(i.col("__irid"))
                .and(events.col("patient_id").equalTo(i.col("__ipid")))
                .and(events.col("event_date").between(i.col("__is"), i.col("__ie")));
        Dataset<Row> inside = events.join(i, perOutcome ? within.and(events.col("outcome").equalTo(i.col("__iout"))) : within,
                "inner");
        Dataset<Row> firstEvents = patientLevel(inside.groupBy(col("__irid").as("__frid"), col("__ipid").as("__fpid"),
                col("__igroup").as("__fgroup"), col("outcome").as("__fout")).agg(min("event_date").as("__first")));
        Dataset<Row> perInterval = patientLevel(inside.groupBy(col("__irid").as("__crid"), col("__ipid").as("__cpid"),
                col("__igroup").as("__cgroup"), col("__is").as("__cs"), col("outcome").as("__cout")).agg(count(lit(1)).as("__n")));

        Dataset<Row> outcomeTable = spark.createDataFrame(
                outcomes.stream().map(o -> RowFactory.create(o.name(), o.firstEvent())).toList(),
                new StructType().add("outcome", DataTypes.StringType).add("__first_event", DataTypes.BooleanType));
        // intervals per outcome where the clean window made them outcome-specific, else the same for every outcome
        Dataset<Row> grid = List.of(intervals.columns()).contains("outcome")
                ? intervals.join(outcomeTable, new String[] {"outcome"}, "inner") : intervals.crossJoin(outcomeTable);
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
                .withColumn("__open_until", when(running, col("risk_until")));
        Dataset<Row> cleanMarkers = null;
        if (cleanEras != null) {
            perIntervalRows = withoutCleanWindows(perIntervalRows, cleanEras);
            cleanMarkers = perIntervalRows.filter(col("__recompute_at").isNotNull())
                    .select(col("registry_id"), col("patient_id"), col("__recompute_at").as("__next"));
        }
        perIntervalRows = perIntervalRows.cache(); // one plan, read by the aggregation and the clean-window markers

        Dataset<Row> result = null;
        List<String> variables = new ArrayList<>();
        variables.add(ALL);
        variables.addAll(settings.strata());
        // the strata jointly (one stratum per combination), what a Mantel–Haenszel rate ratio is stratified by
        String joint = jointVariable(settings.strata());
        if (joint != null) {
            variables.add(joint);
        }
        // every interval row once per stratum variable (its stratum beside it), then one aggregation: one shuffle for
        // all the variables instead of one each (each a Spark job of its own under adaptive execution)
        List<Column> perVariable = new ArrayList<>();
        for (String v : variables) {
            Column value = v.equals(ALL) ? lit(ALL) : v.equals(joint)
                    ? concat_ws(JOINT_SEPARATOR, settings.strata().stream().map(org.apache.spark.sql.functions::col)
                    .toArray(Column[]::new)) : col(v);
            perVariable.add(org.apache.spark.sql.functions.struct(lit(v).as("v"),
                    value.cast(DataTypes.StringType).as("s")));
        }
        result = perIntervalRows.withColumn("__stratum", org.apache.spark.sql.functions.explode(
                        org.apache.spark.sql.functions.array(perVariable.toArray(Column[]::new))))
                .groupBy(col("registry_id"), col("patient_id"), col("exposure_group"), col("outcome"),
                        col("__stratum.v").as("stratum_variable"), col("__stratum.s").as("stratum"))
                .agg(sum("__events").cast(DataTypes.LongType).as("events"),
                        sum("__days").cast(DataTypes.LongType).as("days"), max("__open_until").as("open_until"));
        result = result.select(CONTRIBUTION_COLUMNS.stream().map(org.apache.spark.sql.functions::col).toArray(Column[]::new));
        if (plan.steps() != null) {
            result = result.unionByName(plan.steps());
        }
        if (plan.resuming() != null) {
            // a marker row per patient whose time resumes after the as-of date: due for recomputation once a later
            // as-of date reaches open_until (RegistryState), never counted in a table
            result = result.unionByName(plan.resuming().select(col("registry_id"), col("patient_id"),
                    lit(null).cast(DataTypes.StringType).as("exposure_group"), lit(null).cast(DataTypes.StringType).as("outcome"),
                    lit(RECOMPUTE).as("stratum_variable"), lit(null).cast(DataTypes.StringType).as("stratum"),
                    lit(0L).as("events"), lit(0L).as("days"), col("__next").as("open_until")));
        }
        if (cleanMarkers != null) {
            // a clean window ahead of the as-of date changes how the days grow: recomputed once a run reaches it
            result = result.unionByName(cleanMarkers.select(col("registry_id"), col("patient_id"),
                    lit(null).cast(DataTypes.StringType).as("exposure_group"), lit(null).cast(DataTypes.StringType).as("outcome"),
                    lit(RECOMPUTE).as("stratum_variable"), lit(null).cast(DataTypes.StringType).as("stratum"),
                    lit(0L).as("events"), lit(0L).as("days"), col("__next").as("open_until")));
        }
        return result;
    }

    /**
     * The excluded eras of the clean window (OHDSI CohortIncidence {@code cleanWindow}): each event of an outcome
     * with a clean window W excludes the days event_date + 1 .. event_date + W (the event's own day stays at risk, as
     * in CohortIncidence, whose excluded time starts the day after the outcome); overlapping windows of one patient
     * and outcome are merged. Every event makes a window, counted or not. Columns __xrid, __xpid, __xout, __xs, __xe,
     * patient-level (never broadcast in the joins that read it); null when no outcome has a clean window.
     */
    static Dataset<Row> cleanWindowEras(Dataset<Row> events, List<OutcomeDefinition> outcomes) {
        List<OutcomeDefinition> windowed = outcomes.stream().filter(o -> o.cleanWindow() > 0).toList();
        if (windowed.isEmpty()) {
            return null;
        }
        Column w = null;
        for (OutcomeDefinition o : windowed) {
            w = (w == null ? when(col("outcome").equalTo(o.name()), lit(o.cleanWindow()))
                    : w.when(col("outcome").equalTo(o.name()), lit(o.cleanWindow())));
        }
        Dataset<Row> windows = events.filter(col("outcome").isin(windowed.stream().map(OutcomeDefinition::name).toArray()))
                .select(col("registry_id"), col("patient_id"), col("outcome"), date_add(col("event_date"), 1).as("__ws"),
                        date_add(col("event_date"), w).as("__we"));
        // gaps and islands: one patient's windows of one outcome have one length, so the ends rise with the starts and
        // a window opens a new era when it starts after the previous window's end
        WindowSpec order = Window.partitionBy("registry_id", "patient_id", "outcome").orderBy("__ws", "__we");
        Column opens = when(org.apache.spark.sql.functions.lag(col("__we"), 1).over(order).isNull()
                .or(col("__ws").gt(org.apache.spark.sql.functions.lag(col("__we"), 1).over(order))), 1).otherwise(0);
        return patientLevel(windows.withColumn("__era", sum(opens).over(order.rowsBetween(Window.unboundedPreceding(), 0)))
                .groupBy(col("registry_id").as("__xrid"), col("patient_id").as("__xpid"), col("outcome").as("__xout"),
                        col("__era"))
                .agg(min("__ws").as("__xs"), max("__we").as("__xe"))
                .drop("__era"));
    }

    /**
     * Per at-risk interval (rows of {@link #contributions}' per-interval table): the days of the clean window's
     * excluded eras inside [risk_start, risk_end] leave {@code __days}; and where the interval still runs at the
     * as-of date, the next era after it bounds how far the days may grow by arithmetic ({@code __open_until}) and
     * sets {@code __recompute_at}, the date from which the patient must be recomputed.
     */
    private static Dataset<Row> withoutCleanWindows(Dataset<Row> rows, Dataset<Row> eras) {
        List<String> key = List.of("registry_id", "patient_id", "exposure_group", "risk_start", "outcome");
        Dataset<Row> k = rows.select(col("registry_id"), col("patient_id"), col("exposure_group"), col("risk_start"),
                col("risk_end"), col("risk_until"), col("outcome"), col("__open_until"));
        Dataset<Row> overlaps = k.join(eras, col("registry_id").equalTo(col("__xrid"))
                .and(col("patient_id").equalTo(col("__xpid"))).and(col("outcome").equalTo(col("__xout")))
                .and(col("__xs").leq(when(col("__open_until").isNull(), col("risk_end")).otherwise(col("risk_until"))))
                .and(col("__xe").geq(col("risk_start"))), "inner");
        Column inside = col("__xs").leq(col("risk_end"));
        Column excluded = when(inside, datediff(least(col("__xe"), col("risk_end")),
                org.apache.spark.sql.functions.greatest(col("__xs"), col("risk_start"))).plus(1)).otherwise(0);
        // the first era not yet passed at the cut (ending after risk_end), for running intervals only
        Column ahead = col("__open_until").isNotNull().and(col("__xe").gt(col("risk_end")));
        Dataset<Row> perInterval = patientLevel(overlaps.groupBy(key.stream().map(c -> col(c).as("__k_" + c)).toArray(Column[]::new))
                .agg(sum(excluded).cast(DataTypes.LongType).as("__excluded"),
                        min(when(ahead, org.apache.spark.sql.functions.struct(col("__xs"), col("__xe")))).as("__next_era")));
        Column joinOn = null;
        for (String c : key) {
            Column eq = rows.col(c).equalTo(perInterval.col("__k_" + c));
            joinOn = joinOn == null ? eq : joinOn.and(eq);
        }
        Column nextStart = col("__next_era.__xs");
        Column nextEnd = col("__next_era.__xe");
        Column running = col("__open_until").isNotNull().and(col("__next_era").isNotNull());
        Dataset<Row> out = rows.join(perInterval, joinOn, "left")
                .withColumn("__days", col("__days").minus(coalesce(col("__excluded"), lit(0L))))
                // the cut falls before the era: the days grow up to the day before it, then the patient is recomputed;
                // the cut falls inside it: no growth until the day after it ends (if the interval runs on)
                .withColumn("__recompute_at", when(running, when(nextStart.gt(col("risk_end")), nextStart)
                        .when(nextEnd.lt(col("risk_until")), date_add(nextEnd, 1))))
                .withColumn("__open_until", when(running, when(nextStart.gt(col("risk_end")),
                        least(col("risk_until"), date_add(nextStart, -1)))).otherwise(col("__open_until")));
        List<Column> cols = new ArrayList<>();
        for (String c : rows.columns()) {
            cols.add(col(c));
        }
        cols.add(col("__recompute_at"));
        return out.select(cols.toArray(Column[]::new));
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
        Column marker = col("stratum_variable").equalTo(RECOMPUTE); // marker rows keep their date
        return contributions
                .withColumn("days", when(col("open_until").isNull().or(marker), col("days"))
                        .otherwise(col("days").plus(datediff(reached, lit(java.sql.Date.valueOf(through))))))
                .withColumn("open_until", when(marker.or(col("open_until").gt(now)), col("open_until")));
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
