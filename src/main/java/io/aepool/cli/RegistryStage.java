package io.aepool.cli;

import io.aepool.aggregate.OutcomeDefinition;
import io.aepool.aggregate.RegistryAggregator;
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
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * The registry half of ingest and aggregate: reads each registry input (generic extract or OMOP CDM), checks the
 * conf's exposure groups, and turns at-risk time into the incidence table and the arms the meta-analysis pools.
 */
final class RegistryStage {

    /** What the registry inputs contribute: arms for the grid and the incidence table (exact counts). */
    record Result(List<Dataset<Row>> arms, Dataset<Row> incidence, Groups groups, int smallCellThreshold) {
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
                      Validation validation, LocalDate asOf, List<OutcomeDefinition> outcomes) {
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
        Dataset<Row> incidence = null;
        for (JobConf.RegistryInput input : conf.inputs().registries()) {
            String path = resolve.apply(input.extract() != null ? input.extract() : input.omop());
            RegistryExtract extract = input.extract() != null
                    ? RegistryReader.read(spark, path, asOf, groups.classGroups(), studies, validation)
                    : OmopReader.read(spark, path, input.registryId(), groups.conceptGroups(), studies, validation);
            checkStrata(extract, settings.strata(), path);
            // aggregates only: checkpointed so later plans start here, not at the patient-level plan
            Dataset<Row> one = RegistryAggregator.incidence(spark, extract, outcomes, settings).localCheckpoint();
            arms.add(RegistryAggregator.arms(one, groups.experimental(), groups.pooled(), outcomes, path));
            incidence = incidence == null ? one : incidence.unionByName(one);
        }
        return new Result(arms, incidence, groups, threshold);
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
