package io.aepool.aggregate;

import io.aepool.ingest.InputException;
import io.aepool.ingest.OmopReader;
import io.aepool.ingest.RegistryHistory;
import io.aepool.ingest.RegistryExtract;
import io.aepool.ingest.RegistryReader;
import io.aepool.ingest.Validation;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The registry stage: reads each registry input (generic extract or OMOP CDM) and turns at-risk time into the
 * incidence table and the arms the meta-analysis pools. A nightly run resumes a generic extract from its private state
 * (only partitions newer than the state are read) and prepares the next state version, committed once the run has
 * published.
 */
public final class RegistryStage {

    /** Columns of the registry_attrition table ({@link RegistryAggregator#ATTRITION_COLUMNS}). */
    public static final org.apache.spark.sql.types.StructType ATTRITION_SCHEMA = new org.apache.spark.sql.types.StructType()
            .add("registry_id", org.apache.spark.sql.types.DataTypes.StringType)
            .add("exposure_group", org.apache.spark.sql.types.DataTypes.StringType)
            .add("outcome", org.apache.spark.sql.types.DataTypes.StringType)
            .add("step_order", org.apache.spark.sql.types.DataTypes.IntegerType)
            .add("step", org.apache.spark.sql.types.DataTypes.StringType)
            .add("patients", org.apache.spark.sql.types.DataTypes.LongType)
            .add("person_years", org.apache.spark.sql.types.DataTypes.DoubleType);

    /** Spark job group of this stage. */
    public static final String JOB_GROUP = "aepool-registry";

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(RegistryStage.class);

    /**
     * What the registry inputs contribute: arms for the grid and the incidence table (exact counts), and for a
     * nightly run the state versions to commit once the run has published.
     *
     * @param crossSums          per registry × recurrent outcome × stratum × pair of groups, the sums over patients in
     *                           both groups ({@link RegistryAggregator#crossSums}): the covariance term of a robust rate ratio
     * @param recurrentOutcomes  the outcomes whose events recur (robust intervals)
     * @param adjustmentVariable the stratum variable of the Mantel–Haenszel rate ratio (the strata jointly), or null
     */
    public record Result(List<Dataset<Row>> arms, Dataset<Row> incidence, Groups groups, int smallCellThreshold,
                  List<RegistryState.Pending> pendingState, Map<String, String> stateUse, Dataset<Row> crossSums,
                  Set<String> recurrentOutcomes, String adjustmentVariable, Dataset<Row> attrition) {
        public Result {
            arms = List.copyOf(arms);
            pendingState = List.copyOf(pendingState);
            stateUse = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(stateUse));
            recurrentOutcomes = Set.copyOf(recurrentOutcomes);
        }
    }

    /**
     * Nightly runs: generic extracts resume from the state of the previous run (only newer partitions are read)
     * unless {@code full}; a new state version is prepared either way.
     */
    public record StateMode(RegistryState store, String settingsKey, boolean full) {
    }

    /** A registry input, resolved: a generic extract directory, or an OMOP CDM directory with its registry id. */
    public record Input(String extract, String omop, String registryId) {

        public String path() {
            return extract != null ? extract : omop;
        }
    }

    /**
     * How registries become person-time and arms.
     *
     * @param riskWindowDays     days at risk after an exposure episode ends
     * @param smallCellThreshold registry counts from 1 to threshold−1 are suppressed wherever they are shared
     * @param strata             patient columns (or age_band) for stratified incidence
     * @param attribution        which group a day of overlapping at-risk time of two groups goes to
     * @param newUser            the new-user design, or null: every episode enters
     * @param stratifiedPooling  the pools take each registry's rate ratio adjusted over the strata (Mantel–Haenszel),
     *                           not the crude one
     */
    public record Settings(List<Input> inputs, Groups groups, int riskWindowDays, int smallCellThreshold,
                           List<String> strata, RegistryAggregator.Attribution attribution,
                           RegistryAggregator.NewUser newUser, boolean stratifiedPooling) {
        public Settings {
            inputs = List.copyOf(inputs);
            strata = strata == null ? List.of() : List.copyOf(strata);
            attribution = attribution == null ? RegistryAggregator.Attribution.LATEST_EXPOSURE : attribution;
        }

        /** Every file or directory the registry inputs are read from (for the manifest's fingerprints). */
        public List<String> files() {
            List<String> out = new ArrayList<>();
            for (Input input : inputs) {
                out.addAll(input.extract() != null ? RegistryReader.tables(input.extract()) : OmopReader.tables(input.omop()));
            }
            return out;
        }
    }

    /**
     * The exposure groups: which are experimental, which comparators, the comparator pooled with trials, and the drug
     * classes (generic extracts) or OMOP drug concepts that define each.
     */
    public record Groups(Set<String> experimental, List<String> comparators, String pooled,
                         Map<String, String> classGroups, Map<Long, String> conceptGroups) {
    }

    private RegistryStage() {
    }

    public static Result run(SparkSession spark, Settings settings, Dataset<Row> studies, Validation validation,
                             LocalDate asOf, List<OutcomeDefinition> outcomes, StateMode state) {
        spark.sparkContext().setJobGroup(JOB_GROUP, "read registries and aggregate person-time", false);
        Groups groups = settings.groups();
        RegistryAggregator.Settings aggregation = new RegistryAggregator.Settings(settings.riskWindowDays(), asOf,
                settings.strata(), settings.attribution(), settings.newUser());
        List<Dataset<Row>> arms = new ArrayList<>();
        List<RegistryState.Pending> pending = new ArrayList<>();
        // per generic extract of a nightly run: how its aggregates were computed (for summary.json)
        Map<String, String> stateUse = new LinkedHashMap<>();
        Dataset<Row> incidence = null;
        Dataset<Row> crossSums = null;
        Set<String> recurrent = new java.util.TreeSet<>(outcomes.stream().filter(o -> !o.firstEvent())
                .map(OutcomeDefinition::name).toList());
        List<Row> attrition = new ArrayList<>();
        for (Input input : settings.inputs()) {
            String path = input.path();
            Dataset<Row> contributions;
            if (input.extract() != null) {
                boolean keep = state != null && asOf != null;
                Optional<RegistryState.Stored> stored = !keep || state.full() ? Optional.empty()
                        : state.store().load(spark, path, state.settingsKey(), asOf);
                RegistryReader.Result read = RegistryReader.read(spark, path, asOf, groups.classGroups(), studies,
                        validation, stored.map(RegistryState.Stored::history).orElse(null));
                checkStrata(read.extract(), aggregation.strata(), path);
                if (keep) {
                    stateUse.put(path, stored.map(x -> "incremental: partitions after " + x.history().through())
                            .orElse("full: every partition"));
                }
                Dataset<Row> fresh;
                if (stored.isPresent()) {
                    // only the patients with new rows (or rows dated after the state's date) are recomputed; time
                    // running up to the as-of date grows arithmetically for the others (in the stored view)
                    LOG.info("registry {}: resuming from the state through {}", path, stored.get().history().through());
                    fresh = RegistryAggregator.contributions(spark, read.extract().restrictedTo(read.affected()),
                            outcomes, aggregation);
                } else {
                    fresh = RegistryAggregator.contributions(spark, read.extract(), outcomes, aggregation);
                }
                // patient-level, read by the incidence table, the cross sums, the attrition table and the state:
                // computed once (left a plan, each of them ran it again, a dozen Spark jobs each on the sample)
                fresh = fresh.localCheckpoint();
                contributions = stored.isEmpty() ? fresh : RegistryExtract.exceptPatients(stored.get().contributions(),
                        read.affected()).unionByName(fresh);
                if (keep) {
                    Map<String, Long> rows = new LinkedHashMap<>(validation.rowsRead());
                    rows.keySet().retainAll(read.files());
                    Map<String, Dataset<Row>> segment = new LinkedHashMap<>(read.segment());
                    segment.put("contributions", fresh);
                    List<RegistryState.Segment> chain = stored.map(RegistryState.Stored::chain).orElse(List.of());
                    if (stored.isPresent() && stored.get().compact()) {
                        LOG.info("registry {}: the state's {} segments compacted into one", path, chain.size());
                        segment = whole(stored.get(), segment, contributions, validation.privateRejects(spark, read.files()));
                        chain = List.of();
                    } else if (stored.isPresent()) {
                        segment.put("affected", read.affected());
                    }
                    pending.add(state.store().pending(path, state.settingsKey(), asOf, chain, segment, rows));
                }
            } else {
                RegistryExtract extract = OmopReader.read(spark, path, input.registryId(), groups.conceptGroups(), studies,
                        validation);
                checkStrata(extract, aggregation.strata(), path);
                // computed once for the three tables below (as a generic extract's)
                contributions = RegistryAggregator.contributions(spark, extract, outcomes, aggregation).localCheckpoint();
            }
            // aggregates only: checkpointed so later plans start here, not at the patient-level plan
            Dataset<Row> one = RegistryAggregator.incidence(contributions).localCheckpoint();
            arms.add(RegistryAggregator.arms(one, groups.experimental(), groups.pooled(), outcomes, path));
            incidence = incidence == null ? one : incidence.unionByName(one);
            Dataset<Row> cross = RegistryAggregator.crossSums(contributions, recurrent).localCheckpoint();
            crossSums = crossSums == null ? cross : crossSums.unionByName(cross);
            // aggregates only (a few rows per group, outcome and step): gathered on the driver and sorted below
            attrition.addAll(RegistryAggregator.attrition(contributions).collectAsList());
        }
        attrition.sort(java.util.Comparator.<Row, String>comparing(r -> r.getString(0))
                .thenComparing(r -> r.getString(2)).thenComparing(r -> r.getString(1)).thenComparing(r -> r.getInt(3)));
        Dataset<Row> attritionTable = spark.createDataFrame(attrition, ATTRITION_SCHEMA);
        return new Result(arms, incidence, groups, settings.smallCellThreshold(), pending, stateUse, crossSums, recurrent,
                RegistryAggregator.adjustmentVariable(settings.strata()), attritionTable);
    }

    /**
     * The whole history after this run, as the first segment of a new chain: the stored views with this run's segment
     * merged in (rows of the touched patients replaced), every contribution as of this run and the restated ledger.
     */
    private static Map<String, Dataset<Row>> whole(RegistryState.Stored stored, Map<String, Dataset<Row>> segment,
                                                   Dataset<Row> contributions, Dataset<Row> ledger) {
        RegistryHistory h = stored.history();
        Dataset<Row> touched = segment.get("touched");
        Map<String, Dataset<Row>> out = new LinkedHashMap<>();
        out.put("exposures_seen", h.exposuresSeen().unionByName(segment.get("exposures_seen")));
        out.put("events_seen", h.eventsSeen().unionByName(segment.get("events_seen")));
        if (segment.get("patients") != null) {
            out.put("patients", h.patients() == null ? segment.get("patients")
                    : h.patients().unionByName(segment.get("patients"), true));
        }
        out.put("exposures", RegistryExtract.exceptPatients(h.exposures(), touched).unionByName(segment.get("exposures")));
        out.put("events", RegistryExtract.exceptPatients(h.events(), touched).unionByName(segment.get("events")));
        out.put("contributions", contributions);
        out.put("rejects", ledger);
        return out;
    }

    private static void checkStrata(RegistryExtract extract, List<String> strata, String path) {
        for (String s : strata) {
            boolean derived = s.equals(RegistryAggregator.AGE_BAND);
            if (extract.patients() == null || (!List.of(extract.patients().columns()).contains(s) && !derived)) {
                throw new InputException(path, s, "conf registry.strata", "'" + s + "' is not a column of the patients"
                        + " table" + (extract.patients() == null ? " (the registry has no patients table)" : ""));
            }
        }
    }
}
