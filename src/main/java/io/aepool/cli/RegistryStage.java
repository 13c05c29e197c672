package io.aepool.cli;

import io.aepool.aggregate.OutcomeDefinition;
import io.aepool.aggregate.RegistryAggregator;
import io.aepool.aggregate.RegistryState;
import io.aepool.ingest.OmopReader;
import io.aepool.ingest.RegistryExtract;
import io.aepool.ingest.RegistryReader;
import io.aepool.ingest.Validation;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * The registry half of ingest and aggregate: reads each registry input (generic extract or OMOP CDM), checks the
 * conf's exposure groups, and turns at-risk time into the incidence table and the arms the meta-analysis pools.
 */
final class RegistryStage {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(RegistryStage.class);

    /**
     * What the registry inputs contribute: arms for the grid and the incidence table (exact counts), and for a
     * nightly run the state versions to commit once the run has published.
     */
    record Result(List<Dataset<Row>> arms, Dataset<Row> incidence, Groups groups, int smallCellThreshold,
                  List<RegistryState.Pending> pendingState, Map<String, String> stateUse) {
    }

    /**
     * Nightly runs: generic extracts resume from the state of the previous run (only newer partitions are read)
     * unless {@code full}; a new state version is prepared either way.
     */
    record StateMode(RegistryState store, String settingsKey, boolean full) {
    }

    /** The conf's exposure groups: which are experimental, which comparators, and the one pooled with trials. */
    record Groups(Set<String> experimental, List<String> comparators, String pooled,
                  Map<String, String> classGroups, Map<Long, String> conceptGroups) {

        static Groups of(JobConf.RegistryConf conf) {
            Set<String> experimental = new LinkedHashSet<>();
            List<String> comparators = new ArrayList<>();
            Map<String, String> classes = new LinkedHashMap<>();
            Map<Long, String> concepts = new LinkedHashMap<>();
            for (JobConf.ExposureGroup g : conf.exposureGroups()) {
                if (g.group() == null || !g.group().matches("[A-Za-z0-9_-]+")) {
                    throw new ConfException("conf registry.exposure_groups: group '" + g.group()
                            + "' must be a plain name (letters, digits, _ or -)");
                }
                if (experimental.contains(g.group()) || comparators.contains(g.group())) {
                    throw new ConfException("conf registry.exposure_groups: group '" + g.group() + "' is listed twice");
                }
                switch (String.valueOf(g.role())) {
                    case "experimental" -> experimental.add(g.group());
                    case "comparator" -> comparators.add(g.group());
                    default -> throw new ConfException("conf registry.exposure_groups: group '" + g.group()
                            + "' role '" + g.role() + "' must be experimental or comparator");
                }
                assign(classes, g.drugClasses(), g.group(), "drug class");
                assign(concepts, g.omopConcepts(), g.group(), "OMOP concept");
            }
            if (experimental.isEmpty() || comparators.isEmpty()) {
                throw new ConfException("conf registry.exposure_groups: needs at least one experimental and one comparator group");
            }
            String pooled = conf.pooledComparator() == null ? comparators.get(0) : conf.pooledComparator();
            if (!comparators.contains(pooled)) {
                throw new ConfException("conf registry.pooled_comparator: '" + pooled + "' is not a comparator group "
                        + comparators);
            }
            return new Groups(experimental, comparators, pooled, classes, concepts);
        }

        /** Maps each key to its group; a key in two groups is a conf error. */
        private static <K> void assign(Map<K, String> groups, List<K> keys, String group, String what) {
            if (keys == null) {
                return;
            }
            for (K k : keys) {
                String before = groups.put(k, group);
                if (before != null) {
                    throw new ConfException("conf registry.exposure_groups: " + what + " '" + k + "' is in groups '"
                            + before + "' and '" + group + "'");
                }
            }
        }
    }

    private RegistryStage() {
    }

    static Result run(SparkSession spark, JobConf conf, UnaryOperator<String> resolve, Dataset<Row> studies,
                      Validation validation, LocalDate asOf, List<OutcomeDefinition> outcomes, StateMode state) {
        JobConf.RegistryConf rc = conf.registry();
        Groups groups = Groups.of(rc);
        int window = rc.riskWindowDays() == null ? 30 : rc.riskWindowDays();
        int threshold = rc.smallCellThreshold() == null ? 5 : rc.smallCellThreshold();
        if (threshold < 1) {
            throw new ConfException("conf registry.small_cell_threshold: must be >= 1, was " + threshold);
        }
        RegistryAggregator.Settings settings;
        try {
            settings = new RegistryAggregator.Settings(window, asOf, rc.strata());
        } catch (IllegalArgumentException e) {
            throw new ConfException("conf registry: " + e.getMessage());
        }
        List<Dataset<Row>> arms = new ArrayList<>();
        List<RegistryState.Pending> pending = new ArrayList<>();
        // per generic extract of a nightly run: how its aggregates were computed (for summary.json)
        Map<String, String> stateUse = new LinkedHashMap<>();
        Dataset<Row> incidence = null;
        for (JobConf.RegistryInput input : conf.inputs().registries()) {
            String path = resolve.apply(input.extract() != null ? input.extract() : input.omop());
            Dataset<Row> contributions;
            if (input.extract() != null) {
                boolean keep = state != null && asOf != null;
                Optional<RegistryState.Stored> stored = !keep || state.full() ? Optional.empty()
                        : state.store().load(spark, path, state.settingsKey(), asOf);
                RegistryReader.Result read = RegistryReader.read(spark, path, asOf, groups.classGroups(), studies,
                        validation, stored.map(RegistryState.Stored::history).orElse(null));
                checkStrata(read.extract(), settings.strata(), path);
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
                            outcomes, settings);
                } else {
                    fresh = RegistryAggregator.contributions(spark, read.extract(), outcomes, settings);
                }
                if (keep) {
                    // patient-level, read by the incidence table and the state: computed once
                    fresh = fresh.localCheckpoint();
                }
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
                checkStrata(extract, settings.strata(), path);
                contributions = RegistryAggregator.contributions(spark, extract, outcomes, settings);
            }
            // aggregates only: checkpointed so later plans start here, not at the patient-level plan
            Dataset<Row> one = RegistryAggregator.incidence(contributions).localCheckpoint();
            arms.add(RegistryAggregator.arms(one, groups.experimental(), groups.pooled(), outcomes, path));
            incidence = incidence == null ? one : incidence.unionByName(one);
        }
        return new Result(arms, incidence, groups, threshold, pending, stateUse);
    }

    /**
     * The whole history after this run, as the first segment of a new chain: the stored views with this run's segment
     * merged in (rows of the touched patients replaced), every contribution as of this run and the restated ledger.
     */
    private static Map<String, Dataset<Row>> whole(RegistryState.Stored stored, Map<String, Dataset<Row>> segment,
                                                   Dataset<Row> contributions, Dataset<Row> ledger) {
        io.aepool.ingest.RegistryHistory h = stored.history();
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
                throw new ConfException("conf registry.strata: '" + s + "' is not a column of the patients table of "
                        + path + (extract.patients() == null ? " (it has no patients table)" : ""));
            }
        }
    }

    /** Every file or directory the registry inputs are read from (for the manifest's fingerprints). */
    static List<String> files(JobConf conf, UnaryOperator<String> resolve) {
        List<String> out = new ArrayList<>();
        if (conf.inputs().registries() == null) {
            return out;
        }
        for (JobConf.RegistryInput input : conf.inputs().registries()) {
            out.addAll(input.extract() != null ? RegistryReader.tables(resolve.apply(input.extract()))
                    : OmopReader.tables(resolve.apply(input.omop())));
        }
        return out;
    }
}
