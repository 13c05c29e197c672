package io.aepool.cli;

import io.aepool.aggregate.AggregateStage;
import io.aepool.aggregate.AtRiskWindow;
import io.aepool.aggregate.OutcomeDefinition;
import io.aepool.aggregate.RegistryAggregator;
import io.aepool.aggregate.RegistryStage;
import io.aepool.aggregate.StudyCountsBuilder;
import io.aepool.aggregate.TreatmentArm;
import io.aepool.ingest.IngestStage;
import io.aepool.ingest.RuleIds;
import io.aepool.ingest.Validation;
import io.aepool.plan.ChangeReport;
import io.aepool.plan.JobPlan;
import io.aepool.plan.NetworkTables;
import io.aepool.stats.BayesPrior;
import io.aepool.stats.CiMethod;
import io.aepool.stats.EffectMeasure;
import io.aepool.stats.PoolingMethod;
import io.aepool.stats.PredictionInterval;
import io.aepool.stats.ZeroCellRule;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.function.Function;

/**
 * A conf bound to the values each stage takes, in one place and all at once: a conf error (exit 2, naming the key)
 * surfaces before any input is read, and no stage sees the YAML's shape.
 *
 * @param confFile      the conf, absolute
 * @param trials        the trial inputs (study table, arm counts, ADaM), paths resolved against the conf's directory
 * @param registry      the registry inputs and exposure groups, or null when the conf has none
 * @param trialSettings how ADaM subjects become arms; its outcome definitions serve the registries too
 * @param multiArm      how multi-arm trials become comparisons, each mode once
 * @param keepDays      nightly: days runs are kept
 * @param stateSegments nightly: segments of a registry state before it is compacted
 * @param deltaTables   results tables as Delta Lake tables: true or false as the conf says, null for the mode's default
 *                      (nightly: Delta; plain: Parquet)
 * @param tablesAt      where the Delta tables live (a path resolved against the conf's directory, or a URI); null: under
 *                      the output
 */
record JobSettings(Path confFile, IngestStage.Inputs trials, AggregateStage.TrialSettings trialSettings,
                   RegistryStage.Settings registry,
                   List<StudyCountsBuilder.MultiArm> multiArm, List<JobPlan.PoolDeclaration> pools,
                   JobPlan.AxisChoices axes, JobPlan.PrimaryChoice primary, Validation.Action rowLevel,
                   Map<String, Validation.Action> ruleActions, ChangeReport.Thresholds changes, int keepDays,
                   int stateSegments, Boolean deltaTables, String tablesAt, NetworkTables.Settings network) {

    /** Whether a run in this mode publishes Delta tables. */
    boolean deltaTables(boolean nightly) {
        return deltaTables == null ? nightly || tablesAt != null : deltaTables;
    }

    /** A fresh validation ledger with the conf's actions (a run records its rejects in it). */
    Validation newValidation() {
        return new Validation(rowLevel, ruleActions);
    }

    /** Every input file or directory, for the fingerprints. */
    List<Path> inputPaths() {
        List<Path> out = new ArrayList<>();
        trials.files().forEach(f -> out.add(Path.of(f)));
        if (registry != null) {
            registry.files().forEach(f -> out.add(Path.of(f)));
        }
        return out;
    }

    static JobSettings bind(JobConf conf, Path confFile) {
        Path file = confFile.toAbsolutePath().normalize();
        Function<String, String> resolve = f -> file.getParent().resolve(f).normalize().toString();
        JobConf.Inputs in = conf.inputs();
        List<TreatmentArm> treatments = conf.treatments() == null ? List.of() : conf.treatments().stream()
                .map(t -> new TreatmentArm(t.treatment(), t.role(), t.doseMg())).toList();
        AtRiskWindow window = conf.atRiskWindow();
        IngestStage.Inputs trials = new IngestStage.Inputs(in.studies().stream().map(resolve).toList(),
                in.armCounts() == null ? List.of() : in.armCounts().stream().map(resolve).toList(),
                in.adam() == null ? List.of() : in.adam().stream()
                        .map(p -> new IngestStage.AdamInput(resolve.apply(p.adsl()), resolve.apply(p.adae()))).toList(),
                new LinkedHashSet<>(treatments.stream().map(TreatmentArm::treatment).toList()),
                window.period() == AtRiskWindow.Period.RANDOMISED ? OptionalInt.of(window.periodNumber()) : OptionalInt.empty(),
                window.lagDays() > 0);
        List<OutcomeDefinition> outcomes = outcomes(conf);
        List<StudyCountsBuilder.MultiArm> multiArm = multiArm(conf.multiArm());
        JobConf.NightlyConf nightly = conf.nightly();
        int segments = nightly == null || nightly.stateSegments() == null ? io.aepool.aggregate.RegistryState.MAX_SEGMENTS
                : nightly.stateSegments();
        if (segments < 2) {
            throw new ConfException("conf nightly.state_segments: must be >= 2, was " + segments);
        }
        Validation.Action rowLevel = rowLevel(conf.validation());
        return new JobSettings(file, trials, new AggregateStage.TrialSettings(treatments, outcomes, window),
                registry(conf, resolve), multiArm, pools(conf, multiArm), axes(conf.analysis()), primary(conf.primary()),
                rowLevel, ruleActions(conf.validation()), thresholds(nightly),
                nightly != null && nightly.keepDays() != null ? nightly.keepDays() : 30, segments,
                tableFormat(conf.outputs()), tablesAt(conf.outputs(), file),
                conf.analysis() == null ? null : network(conf.analysis().network()));
    }

    /** The network settings, or null when the conf asks for none; defaults: drug nodes, placebo, OR and RR. */
    private static NetworkTables.Settings network(JobConf.Network n) {
        if (n == null) {
            return null;
        }
        try {
            return new NetworkTables.Settings(parseAll(n.nodes(), List.of("drug"), NetworkTables.NodeKind::parse),
                    n.reference() == null ? "placebo" : n.reference(),
                    parseAll(n.measures(), List.of("OR", "RR"), EffectMeasure::parse));
        } catch (IllegalArgumentException e) {
            throw new ConfException("conf analysis.network: " + e.getMessage());
        }
    }

    private static String tablesAt(JobConf.OutputsConf outputs, Path confFile) {
        if (outputs == null || outputs.tables() == null) {
            return null;
        }
        String at = outputs.tables().trim();
        if (at.isEmpty()) {
            throw new ConfException("conf outputs.tables: empty (leave it out for <out>/tables)");
        }
        if (outputs.tableFormat() != null && outputs.tableFormat().equals("parquet")) {
            throw new ConfException("conf outputs.tables: names where Delta tables go, but table_format is parquet");
        }
        // a URI (scheme://...) as it is; a path against the conf's directory, as the inputs are
        return at.matches("^[A-Za-z][A-Za-z0-9+.-]*:.*") ? at : confFile.getParent().resolve(at).normalize().toString();
    }

    private static Boolean tableFormat(JobConf.OutputsConf outputs) {
        if (outputs == null || outputs.tableFormat() == null) {
            return null;
        }
        return switch (outputs.tableFormat()) {
            case "delta" -> true;
            case "parquet" -> false;
            default -> throw new ConfException("conf outputs.table_format: delta or parquet, was '"
                    + outputs.tableFormat() + "'");
        };
    }

    private static List<OutcomeDefinition> outcomes(JobConf conf) {
        if (conf.outcomes() == null) {
            return List.of();
        }
        try {
            return conf.outcomes().stream()
                    .map(o -> new OutcomeDefinition(o.name(), !Boolean.FALSE.equals(o.treatmentEmergent()),
                            !Boolean.FALSE.equals(o.serious()), o.socs(), o.preferredTerms(),
                            !Boolean.FALSE.equals(o.firstEvent()), Boolean.TRUE.equals(o.hospitalised()), o.omopConcepts(),
                            o.cleanWindow() == null ? 0 : o.cleanWindow()))
                    .toList();
        } catch (IllegalArgumentException e) {
            throw new ConfException("conf outcomes: " + e.getMessage());
        }
    }

    private static List<StudyCountsBuilder.MultiArm> multiArm(List<String> values) {
        if (values == null || values.isEmpty()) {
            return List.of(StudyCountsBuilder.MultiArm.COMBINE);
        }
        List<StudyCountsBuilder.MultiArm> modes = new ArrayList<>();
        for (String value : values) {
            StudyCountsBuilder.MultiArm mode = switch (value) {
                case "combine" -> StudyCountsBuilder.MultiArm.COMBINE;
                case "by_dose" -> StudyCountsBuilder.MultiArm.BY_DOSE;
                default -> throw new ConfException("conf multi_arm: '" + value + "' must be combine or by_dose");
            };
            if (!modes.contains(mode)) {
                modes.add(mode);
            }
        }
        return modes;
    }

    /**
     * Pools as declared (one pool {@code all} by default). When multi-arm trials are both combined and split, a pool
     * that does not choose with {@code dose_arms} takes the first mode's comparisons, so no trial enters one pool twice.
     */
    private static List<JobPlan.PoolDeclaration> pools(JobConf conf, List<StudyCountsBuilder.MultiArm> modes) {
        List<JobConf.PoolConf> declared = conf.pools() == null || conf.pools().isEmpty()
                ? List.of(new JobConf.PoolConf("all", Map.of())) : conf.pools();
        List<JobPlan.PoolDeclaration> out = new ArrayList<>();
        for (JobConf.PoolConf p : declared) {
            Map<String, Set<String>> where = new LinkedHashMap<>();
            if (p.where() != null) {
                p.where().forEach((k, v) -> where.put(k, new LinkedHashSet<>(v)));
            }
            if (modes.size() > 1 && !where.containsKey(StudyCountsBuilder.DOSE_ARMS)) {
                where.put(StudyCountsBuilder.DOSE_ARMS, Set.of(modes.get(0).label()));
            }
            out.add(new JobPlan.PoolDeclaration(p.name(), where, Boolean.TRUE.equals(p.combineDesigns())));
        }
        return out;
    }

    private static JobPlan.AxisChoices axes(JobConf.Analysis a) {
        try {
            return new JobPlan.AxisChoices(
                    parseAll(a.measures(), List.of("RR"), EffectMeasure::parse),
                    // defaults: MH for the fixed effect; random effects as the Cochrane Handbook v6.5 (2024) §10.10.4
                    // recommends: REML tau², Hartung-Knapp never narrower than Wald, a prediction interval
                    parseAll(a.methods(), List.of("MH", "REML"), PoolingMethod::parse),
                    parseAll(a.ciMethods(), List.of("wald-z", "hksj-adhoc"), CiMethod::parse),
                    parseAll(a.predictionIntervals(), List.of(PredictionInterval.DEFAULT.label()), PredictionInterval::parse),
                    parseAll(a.zeroRules(), List.of(ZeroCellRule.DEFAULT.label()), ZeroCellRule::parse),
                    !Boolean.FALSE.equals(a.leaveOneOut()),
                    Boolean.TRUE.equals(a.cumulative()),
                    Boolean.TRUE.equals(a.leaveSubgroupOut()),
                    a.subgroups() == null ? List.of() : a.subgroups(),
                    subgroupTau2(a.subgroupTau2()),
                    a.metaRegression() == null ? List.of() : a.metaRegression(),
                    bayesPrior(a.bayes()));
        } catch (IllegalArgumentException e) {
            throw new ConfException("conf analysis: " + e.getMessage());
        }
    }

    /** The Bayesian model's priors; each key absent takes its default (half-normal 0.5, flat mu, threshold 1.25). */
    private static BayesPrior bayesPrior(JobConf.Bayes b) {
        if (b == null) {
            return BayesPrior.DEFAULT;
        }
        BayesPrior d = BayesPrior.DEFAULT;
        try {
            return new BayesPrior(b.tauPriorScale() == null ? d.tauScale() : b.tauPriorScale(),
                    b.muPriorSd() == null ? d.muSd() : b.muPriorSd(), b.threshold() == null ? d.threshold() : b.threshold());
        } catch (IllegalArgumentException e) {
            throw new ConfException("conf analysis.bayes: " + e.getMessage());
        }
    }

    /** Whether subgroup tests also fit one tau² shared by the subgroups ("separate" is always reported). */
    private static boolean subgroupTau2(List<String> models) {
        if (models == null || models.isEmpty()) {
            return false;
        }
        for (String m : models) {
            if (!m.equals("separate") && !m.equals("common")) {
                throw new ConfException("conf analysis.subgroup_tau2: '" + m + "' must be separate or common");
            }
        }
        return models.contains("common");
    }

    private static JobPlan.PrimaryChoice primary(JobConf.Primary p) {
        if (p == null) {
            return JobPlan.PrimaryChoice.DEFAULTS;
        }
        try {
            return new JobPlan.PrimaryChoice(p.pool(), p.outcome(),
                    p.measure() == null ? null : EffectMeasure.parse(p.measure()),
                    p.method() == null ? null : PoolingMethod.parse(p.method()),
                    p.ciMethod() == null ? null : CiMethod.parse(p.ciMethod()));
        } catch (IllegalArgumentException e) {
            throw new ConfException("conf primary: " + e.getMessage());
        }
    }

    private static Validation.Action rowLevel(JobConf.ValidationConf v) {
        try {
            return v == null || v.rowLevel() == null ? Validation.Action.QUARANTINE : Validation.parseAction(v.rowLevel());
        } catch (IllegalArgumentException e) {
            throw new ConfException("conf validation: " + e.getMessage());
        }
    }

    /** Per rule id, its action; every id must be a declared rule (a typo must not be ignored). */
    private static Map<String, Validation.Action> ruleActions(JobConf.ValidationConf v) {
        Map<String, Validation.Action> perRule = new LinkedHashMap<>();
        if (v == null || v.rules() == null) {
            return perRule;
        }
        for (Map.Entry<String, String> e : v.rules().entrySet()) {
            String id = e.getKey();
            if (RuleIds.STUDY_INCOMPLETE.equals(id)) {
                throw new ConfException("conf validation.rules." + id + ": not a rule of its own: rows quarantined"
                        + " with their study follow the action of the rule that caused it");
            }
            if (!RuleIds.known(id)) {
                throw new ConfException("conf validation.rules." + id + ": unknown rule id (docs/validation.md"
                        + " lists every id; ids were renamed in issue 16, e.g. events.events_must_not_exceed_n"
                        + " is now events.not_above_n)");
            }
            try {
                perRule.put(id, Validation.parseAction(e.getValue()));
            } catch (IllegalArgumentException bad) {
                throw new ConfException("conf validation.rules." + id + ": " + bad.getMessage());
            }
        }
        return perRule;
    }

    private static ChangeReport.Thresholds thresholds(JobConf.NightlyConf nightly) {
        JobConf.ChangesConf c = nightly == null ? null : nightly.changes();
        ChangeReport.Thresholds d = ChangeReport.Thresholds.DEFAULTS;
        if (c == null) {
            return d;
        }
        try {
            return new ChangeReport.Thresholds(c.ratioThreshold() == null ? d.ratioRelative() : c.ratioThreshold(),
                    c.differenceThreshold() == null ? d.differenceAbsolute() : c.differenceThreshold(),
                    c.i2Threshold() == null ? d.i2Percent() : c.i2Threshold(),
                    c.alertOn() == null ? d.alertOn() : new LinkedHashSet<>(c.alertOn()),
                    c.alertSubsets() == null ? d.alertSubsetKinds() : new LinkedHashSet<>(c.alertSubsets()));
        } catch (IllegalArgumentException e) {
            throw new ConfException("conf nightly.changes: " + e.getMessage());
        }
    }

    /** The registry inputs and exposure groups; null when the conf reads no registry. */
    private static RegistryStage.Settings registry(JobConf conf, Function<String, String> resolve) {
        if (conf.inputs().registries() == null || conf.inputs().registries().isEmpty()) {
            return null;
        }
        JobConf.RegistryConf rc = conf.registry();
        int window = rc.riskWindowDays() == null ? 30 : rc.riskWindowDays();
        int threshold = rc.smallCellThreshold() == null ? 5 : rc.smallCellThreshold();
        if (threshold < 1) {
            throw new ConfException("conf registry.small_cell_threshold: must be >= 1, was " + threshold);
        }
        RegistryAggregator.Attribution attribution;
        try {
            new RegistryAggregator.Settings(window, null, rc.strata()); // checks the window now, not after reading
        } catch (IllegalArgumentException e) {
            throw new ConfException("conf registry: " + e.getMessage());
        }
        try {
            attribution = rc.attribution() == null ? RegistryAggregator.Attribution.LATEST_EXPOSURE
                    : RegistryAggregator.Attribution.parse(rc.attribution());
        } catch (IllegalArgumentException e) {
            throw new ConfException("conf registry.attribution: " + e.getMessage());
        }
        List<RegistryStage.Input> inputs = conf.inputs().registries().stream()
                .map(r -> new RegistryStage.Input(r.extract() == null ? null : resolve.apply(r.extract()),
                        r.omop() == null ? null : resolve.apply(r.omop()), r.registryId())).toList();
        RegistryAggregator.NewUser newUser = null;
        JobConf.NewUserConf nc = rc.newUser();
        if (nc != null) {
            if (nc.washoutPeriod() == null) {
                throw new ConfException("conf registry.new_user.washout_period: required (days, e.g. 365)");
            }
            try {
                newUser = new RegistryAggregator.NewUser(nc.washoutPeriod(),
                        nc.minPriorObservation() == null ? 0 : nc.minPriorObservation(),
                        Boolean.TRUE.equals(nc.firstExposureOnly()),
                        nc.removeSubjectsWithPriorOutcome() == null || nc.removeSubjectsWithPriorOutcome(),
                        nc.priorOutcomeLookback() == null ? RegistryAggregator.NewUser.ALL_PRIOR_TIME
                                : nc.priorOutcomeLookback());
            } catch (IllegalArgumentException e) {
                throw new ConfException("conf registry." + e.getMessage());
            }
        }
        String pooling = rc.pooledRateRatio() == null ? "stratified" : rc.pooledRateRatio();
        if (!pooling.equals("stratified") && !pooling.equals("crude")) {
            throw new ConfException("conf registry.pooled_rate_ratio: stratified (default: Mantel-Haenszel over the "
                    + "strata) or crude, not '" + pooling + "'");
        }
        return new RegistryStage.Settings(inputs, groups(rc), window, threshold, rc.strata(), attribution, newUser,
                pooling.equals("stratified"));
    }

    private static RegistryStage.Groups groups(JobConf.RegistryConf conf) {
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
        return new RegistryStage.Groups(experimental, comparators, pooled, classes, concepts);
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

    private static <T> List<T> parseAll(List<String> values, List<String> defaults, Function<String, T> parse) {
        return (values == null || values.isEmpty() ? defaults : values).stream().map(parse).toList();
    }
}
