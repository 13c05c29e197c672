package io.aepool.cli;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.aepool.aggregate.AtRiskWindow;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A job's YAML conf. Unknown keys are rejected with their name and path (a typo must not be ignored);
 * relative input paths resolve against the conf file's directory.
 */
public record JobConf(Inputs inputs, List<Treatment> treatments,
                      @JsonProperty("multi_arm") List<String> multiArm,
                      List<Outcome> outcomes, List<PoolConf> pools, Analysis analysis, Primary primary,
                      ValidationConf validation, RegistryConf registry, NightlyConf nightly,
                      @JsonProperty("adam_window") AdamWindowConf adamWindow, OutputsConf outputs) {

    /**
     * How results tables are published besides CSV: {@code table_format} {@code delta} (Delta Lake tables, one version
     * per run) or {@code parquet} (Parquet directories in each run's directory only); default delta for nightly runs,
     * parquet for plain ones. {@code tables}: where the Delta tables live, a directory (relative to this conf) or a
     * Hadoop URI such as {@code s3a://bucket/aepool/tables}; default {@code <out>/tables} (docs/delta.md).
     */
    public record OutputsConf(@JsonProperty("table_format") String tableFormat, String tables) {
    }

    /**
     * The ADaM at-risk window: the days over which a trial subject's events and person-time are both counted
     * ({@link AtRiskWindow}; docs/methods.md, "ADaM at-risk window").
     *
     * @param period       {@code treatment} (TRTSDT to TRTEDT + lag, under TRT01A; the default) or {@code randomised}
     *                     (TRxxSDT to TRxxEDT + lag of ADaM period xx, under TRTxxA)
     * @param periodNumber xx, the ADaM period (1..99); required with {@code randomised}, refused with {@code treatment}
     * @param lagDays      days at risk after the window's last dose (default 0); events and time alike
     */
    public record AdamWindowConf(String period, @JsonProperty("period_number") Integer periodNumber,
                                 @JsonProperty("lag_days") Integer lagDays) {
    }

    /** The ADaM at-risk window the conf asks for; {@link AtRiskWindow#DEFAULT} when it says nothing. */
    public AtRiskWindow atRiskWindow() {
        return atRiskWindow(adamWindow, "conf");
    }

    private static AtRiskWindow atRiskWindow(AdamWindowConf w, String where) {
        if (w == null) {
            return AtRiskWindow.DEFAULT;
        }
        int lag = w.lagDays == null ? 0 : w.lagDays;
        if (lag < 0 || lag > AtRiskWindow.MAX_LAG_DAYS) {
            throw new ConfException(where + ": adam_window.lag_days must be between 0 and " + AtRiskWindow.MAX_LAG_DAYS
                    + " (got " + lag + ")");
        }
        String period = w.period == null ? "treatment" : w.period;
        switch (period) {
            case "treatment":
                if (w.periodNumber != null) {
                    throw new ConfException(where + ": adam_window.period_number applies to period: randomised only"
                            + " (period is treatment)");
                }
                return AtRiskWindow.treatment(lag);
            case "randomised":
                if (w.periodNumber == null) {
                    throw new ConfException(where + ": adam_window.period_number is required with period: randomised"
                            + " (the ADaM period xx of TRxxSDT/TRxxEDT/TRTxxA, e.g. 1)");
                }
                if (w.periodNumber < 1 || w.periodNumber > 99) {
                    throw new ConfException(where + ": adam_window.period_number must be between 1 and 99 (got "
                            + w.periodNumber + ")");
                }
                return AtRiskWindow.randomisedPeriod(w.periodNumber, lag);
            default:
                throw new ConfException(where + ": adam_window.period must be treatment or randomised (got '" + period + "')");
        }
    }

    /**
     * How registry extracts become exposure groups and person-time.
     *
     * @param exposureGroups   each group with its role (experimental or comparator) and the drug classes (generic
     *                         extracts) or OMOP drug concept ids that define it
     * @param pooledComparator the comparator group whose comparison with the experimental groups enters the
     *                         meta-analysis (default: the first comparator); every comparator gets rate ratios
     * @param riskWindowDays   days at risk after an exposure episode ends (default 30)
     * @param strata           patient columns (or age_band) for stratified incidence
     * @param smallCellThreshold registry counts from 1 to threshold−1 are shown as "<threshold" in shared CSVs and
     *                         the report (default 5)
     * @param attribution      which group a day of overlapping at-risk time of two groups goes to: latest_exposure
     *                         (default) or censor_at_switch
     * @param newUser          a new-user design; absent: every episode enters
     * @param pooledRateRatio  the registry IRR that enters the pools: stratified (default; Mantel–Haenszel over the
     *                         strata jointly) or crude
     */
    public record RegistryConf(@JsonProperty("exposure_groups") List<ExposureGroup> exposureGroups,
                               @JsonProperty("pooled_comparator") String pooledComparator,
                               @JsonProperty("risk_window_days") Integer riskWindowDays, List<String> strata,
                               @JsonProperty("small_cell_threshold") Integer smallCellThreshold,
                               String attribution, @JsonProperty("new_user") NewUserConf newUser,
                               @JsonProperty("pooled_rate_ratio") String pooledRateRatio) {
    }

    /**
     * A registry new-user design; names as OHDSI CohortMethod's arguments (docs/methods.md §11).
     *
     * @param washoutPeriod                  required: days before the index date, observed, with no exposure to the group
     * @param minPriorObservation            days of observation before the index date (default 0)
     * @param firstExposureOnly              only the patient's first exposure of the group (default false)
     * @param removeSubjectsWithPriorOutcome per outcome, leave out an era with the outcome in the lookback (default true)
     * @param priorOutcomeLookback           days searched before the index date (default 99999: all prior time)
     */
    public record NewUserConf(@JsonProperty("washout_period") Integer washoutPeriod,
                              @JsonProperty("min_prior_observation") Integer minPriorObservation,
                              @JsonProperty("first_exposure_only") Boolean firstExposureOnly,
                              @JsonProperty("remove_subjects_with_prior_outcome") Boolean removeSubjectsWithPriorOutcome,
                              @JsonProperty("prior_outcome_lookback") Integer priorOutcomeLookback) {
    }

    public record ExposureGroup(String group, String role, @JsonProperty("drug_classes") List<String> drugClasses,
                                @JsonProperty("omop_concepts") List<Long> omopConcepts,
                          @JsonProperty("clean_window") Integer cleanWindow) {
    }

    /** A registry input: a generic extract directory, or an OMOP CDM directory with the registry id it carries. */
    public record RegistryInput(String extract, String omop, @JsonProperty("registry_id") String registryId) {
    }

    /**
     * Nightly runs: how long to keep runs and what counts as a change worth an alert.
     *
     * @param keepDays      runs older than this are deleted (never the current one); default 30
     * @param stateSegments segments of a registry extract's incremental state before a run compacts them into one;
     *                      default 30 (docs/nightly.md)
     */
    public record NightlyConf(@JsonProperty("keep_days") Integer keepDays, ChangesConf changes,
                              @JsonProperty("state_segments") Integer stateSegments) {
    }

    public record ChangesConf(@JsonProperty("ratio_threshold") Double ratioThreshold,
                              @JsonProperty("difference_threshold") Double differenceThreshold,
                              @JsonProperty("i2_threshold") Double i2Threshold,
                              @JsonProperty("alert_on") List<String> alertOn,
                              @JsonProperty("alert_subsets") List<String> alertSubsets) {
    }

    /**
     * What to do with broken rules: {@code row_level} (fatal or quarantine, default quarantine) for every
     * row-level rule, and {@code rules} by rule id (e.g. {@code events.events_must_not_exceed_n: fatal}).
     * {@code strict: true} (as {@code --strict}): every row is still checked, and a run that rejected any row stops
     * with exit code 2, naming each rule with its rows and studies, and publishes nothing.
     */
    public record ValidationConf(@JsonProperty("row_level") String rowLevel, Map<String, String> rules, Boolean strict) {

        public ValidationConf(String rowLevel, Map<String, String> rules) {
            this(rowLevel, rules, null);
        }
    }

    /** Whether the conf asks for strict validation ({@code validation.strict: true}). */
    public boolean strictValidation() {
        return validation != null && Boolean.TRUE.equals(validation.strict);
    }

    public record Inputs(List<String> studies, @JsonProperty("arm_counts") List<String> armCounts, List<AdamPair> adam,
                         List<RegistryInput> registries) {
    }

    public record AdamPair(String adsl, String adae) {
    }

    public record Treatment(String treatment, String role, @JsonProperty("dose_mg") Double doseMg) {
    }

    public record Outcome(String name, @JsonProperty("treatment_emergent") Boolean treatmentEmergent,
                          Boolean serious, List<String> socs, @JsonProperty("preferred_terms") List<String> preferredTerms,
                          @JsonProperty("first_event") Boolean firstEvent, Boolean hospitalised,
                          @JsonProperty("omop_concepts") List<Long> omopConcepts,
                          @JsonProperty("clean_window") Integer cleanWindow) {
    }

    /**
     * @param combineDesigns pool trials and registries into one estimate when the pool holds both (default false:
     *                       each design is reported alone with the test between designs, and no whole-pool estimate)
     */
    public record PoolConf(String name, Map<String, List<String>> where,
                           @JsonProperty("combine_designs") Boolean combineDesigns) {

        public PoolConf(String name, Map<String, List<String>> where) {
            this(name, where, null);
        }
    }

    public record Analysis(List<String> measures, List<String> methods, @JsonProperty("ci_methods") List<String> ciMethods,
                           @JsonProperty("prediction_intervals") List<String> predictionIntervals,
                           @JsonProperty("zero_rules") List<String> zeroRules,
                           @JsonProperty("leave_one_out") Boolean leaveOneOut, Boolean cumulative,
                           @JsonProperty("leave_subgroup_out") Boolean leaveSubgroupOut, List<String> subgroups,
                           @JsonProperty("subgroup_tau2") List<String> subgroupTau2,
                           @JsonProperty("meta_regression") List<String> metaRegression, Bayes bayes,
                           Network network) {
    }

    /** Network meta-analysis: node kinds (drug, drug-dose), the reference node (default placebo) and measures. */
    public record Network(List<String> nodes, String reference, List<String> measures) {
    }

    /**
     * Priors of the Bayesian model (method BAYES): half-normal scale on tau, sd of a normal prior on mu (absent or
     * null: flat), and the ratio whose posterior probability of being exceeded is reported.
     */
    public record Bayes(@JsonProperty("tau_prior_scale") Double tauPriorScale,
                        @JsonProperty("mu_prior_sd") Double muPriorSd, Double threshold) {
    }

    public record Primary(String pool, String outcome, String measure, String method,
                          @JsonProperty("ci_method") String ciMethod) {
    }

    public static JobConf load(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new ConfException("conf " + file + ": file not found");
        }
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory())
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(DeserializationFeature.ACCEPT_SINGLE_VALUE_AS_ARRAY);
        JobConf conf;
        try {
            conf = yaml.readValue(file.toFile(), JobConf.class);
        } catch (UnrecognizedPropertyException e) {
            throw new ConfException("conf " + file + ": unknown key '" + e.getPropertyName() + "' at " + path(e)
                    + " (known keys there: " + e.getKnownPropertyIds() + ")");
        } catch (JsonMappingException e) {
            throw new ConfException("conf " + file + ": " + e.getOriginalMessage() + " at " + path(e));
        } catch (IOException e) {
            throw new ConfException("conf " + file + ": cannot read: " + e.getMessage(), e);
        }
        if (conf == null) {
            throw new ConfException("conf " + file + ": empty file");
        }
        conf.require(file);
        return conf;
    }

    private void require(Path file) {
        if (inputs == null || inputs.studies == null || inputs.studies.isEmpty()) {
            throw new ConfException("conf " + file + ": inputs.studies is required");
        }
        boolean noArms = inputs.armCounts == null || inputs.armCounts.isEmpty();
        boolean noAdam = inputs.adam == null || inputs.adam.isEmpty();
        boolean noRegistries = inputs.registries == null || inputs.registries.isEmpty();
        if (noArms && noAdam && noRegistries) {
            throw new ConfException("conf " + file + ": give inputs.arm_counts, inputs.adam or inputs.registries");
        }
        if (!noRegistries) {
            if (outcomes == null || outcomes.isEmpty()) {
                throw new ConfException("conf " + file + ": inputs.registries needs at least one outcome definition");
            }
            if (registry == null || registry.exposureGroups == null || registry.exposureGroups.isEmpty()) {
                throw new ConfException("conf " + file + ": inputs.registries needs registry.exposure_groups");
            }
            for (RegistryInput r : inputs.registries) {
                if ((r.extract == null) == (r.omop == null)) {
                    throw new ConfException("conf " + file + ": every inputs.registries entry needs exactly one of extract or omop");
                }
                if (r.omop != null && (r.registryId == null || r.registryId.isBlank())) {
                    throw new ConfException("conf " + file + ": inputs.registries entry omop " + r.omop + " needs registry_id");
                }
            }
        }
        if (!noAdam && (treatments == null || treatments.isEmpty())) {
            throw new ConfException("conf " + file + ": inputs.adam needs treatments (each TRT01A value with its role)");
        }
        if (!noAdam && (outcomes == null || outcomes.isEmpty())) {
            throw new ConfException("conf " + file + ": inputs.adam needs at least one outcome definition");
        }
        if (analysis == null) {
            throw new ConfException("conf " + file + ": analysis is required");
        }
        atRiskWindow(adamWindow, "conf " + file);
        if (inputs.adam != null) {
            for (AdamPair p : inputs.adam) {
                if (p.adsl == null || p.adae == null) {
                    throw new ConfException("conf " + file + ": every inputs.adam entry needs adsl and adae");
                }
            }
        }
    }

    private static String path(JsonMappingException e) {
        return e.getPath().stream().map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                .collect(Collectors.joining("."));
    }
}
