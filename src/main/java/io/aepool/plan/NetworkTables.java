package io.aepool.plan;

import io.aepool.stats.EffectMeasure;
import io.aepool.stats.NetworkMetaAnalysis;
import io.aepool.stats.NetworkMetaAnalysis.Component;
import io.aepool.stats.NetworkMetaAnalysis.Fit;
import io.aepool.stats.NetworkMetaAnalysis.Model;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static io.aepool.plan.FamilyTable.num;

/**
 * The network meta-analysis of each pool and outcome, per measure and node kind, as results tables: relative effects
 * against the reference with prediction intervals and P-scores ({@code network_effects}), every pair
 * ({@code network_league}), the consistency checks ({@code network_consistency}), each study's contribution
 * ({@code network_contributions}) and the graph's edges ({@code network_edges}). Trials only: registries compare
 * exposure groups over person-time, not randomised arms. Pure (no Spark): the compute stage hands it the arms.
 */
public final class NetworkTables {

    /** What a network's nodes are: drugs (doses combined in each trial) or drug-doses. */
    public enum NodeKind {
        DRUG("drug"), DRUG_DOSE("drug-dose");

        private final String label;

        NodeKind(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }

        public static NodeKind parse(String s) {
            for (NodeKind k : values()) {
                if (k.label.equalsIgnoreCase(s.trim())) {
                    return k;
                }
            }
            throw new IllegalArgumentException("unknown network node kind '" + s + "' (expected drug or drug-dose)");
        }

        /**
         * The node of an arm: its treatment in lower case (so "Placebo" from ADaM and "placebo" from a publication are
         * one node), without a dose its name ends with ("Abrocitinib 100 mg" is abrocitinib) for drugs; for
         * drug-doses with the dose, "upadacitinib 15 mg" (from {@code dose_mg}, else as the name gives it).
         */
        String node(String treatment, Double doseMg) {
            String name = treatment.trim().toLowerCase(Locale.ROOT);
            String drug = TRAILING_DOSE.matcher(name).replaceFirst("");
            if (this == DRUG) {
                return drug;
            }
            if (doseMg == null) {
                return name;
            }
            double d = doseMg;
            String dose = d == Math.rint(d) ? String.valueOf((long) d) : String.format(Locale.ROOT, "%s", d);
            return drug + " " + dose + " mg";
        }
    }

    private static final java.util.regex.Pattern TRAILING_DOSE = java.util.regex.Pattern.compile("\\s+\\d+(\\.\\d+)?\\s*mg$");

    /**
     * The conf's choices ({@code analysis.network}).
     *
     * @param reference the node every effect is shown against, where a component has it (default placebo)
     */
    public record Settings(List<NodeKind> nodes, String reference, List<EffectMeasure> measures) {
        public Settings {
            nodes = List.copyOf(nodes);
            measures = List.copyOf(measures);
            if (nodes.isEmpty() || measures.isEmpty()) {
                throw new IllegalArgumentException("network: nodes and measures need at least one value each");
            }
            for (EffectMeasure m : measures) {
                if (m != EffectMeasure.OR && m != EffectMeasure.RR) {
                    throw new IllegalArgumentException("network.measures: OR or RR, not " + m);
                }
            }
        }
    }

    /** One arm of a trial for one outcome, from the arm table (binary: participants known). */
    public record ArmRow(String studyId, String outcome, String treatment, Double doseMg, long events, long n) {
    }

    public static final String EFFECTS = "network_effects";
    public static final String LEAGUE = "network_league";
    public static final String CONSISTENCY = "network_consistency";
    public static final String CONTRIBUTIONS = "network_contributions";
    public static final String EDGES = "network_edges";

    private static final List<ResultColumn> KEY = List.of(ResultColumn.text("pool"), ResultColumn.text("outcome"),
            ResultColumn.text("measure"), ResultColumn.text("nodes"), ResultColumn.integer("component"));

    /** Every table's columns, in order. */
    public static final Map<String, List<ResultColumn>> COLUMNS = Map.of(
            EFFECTS, with(ResultColumn.text("model"), ResultColumn.text("treatment"), ResultColumn.text("reference"),
                    ResultColumn.integer("studies"), ResultColumn.longs("participants"), ResultColumn.number("estimate"),
                    ResultColumn.number("ci_low"), ResultColumn.number("ci_high"), ResultColumn.number("log_estimate"),
                    ResultColumn.number("se"), ResultColumn.number("pi_low"), ResultColumn.number("pi_high"),
                    ResultColumn.text("pi_dist"), ResultColumn.number("p_score"), ResultColumn.number("tau2"),
                    ResultColumn.text("status"), ResultColumn.text("excluded")),
            LEAGUE, with(ResultColumn.text("model"), ResultColumn.text("first"), ResultColumn.text("second"),
                    ResultColumn.number("estimate"), ResultColumn.number("ci_low"), ResultColumn.number("ci_high"),
                    ResultColumn.number("log_estimate"), ResultColumn.number("se")),
            CONSISTENCY, with(ResultColumn.text("model"), ResultColumn.text("check"), ResultColumn.text("comparison"),
                    ResultColumn.number("statistic"), ResultColumn.integer("df"), ResultColumn.number("p_value"),
                    ResultColumn.number("q_total"), ResultColumn.number("q_within_designs"),
                    ResultColumn.integer("direct_studies"), ResultColumn.number("direct_estimate"),
                    ResultColumn.number("direct_se"), ResultColumn.number("indirect_estimate"),
                    ResultColumn.number("indirect_se")),
            CONTRIBUTIONS, with(ResultColumn.text("model"), ResultColumn.text("treatment"), ResultColumn.text("reference"),
                    ResultColumn.text("study_id"), ResultColumn.number("percent")),
            EDGES, with(ResultColumn.text("first"), ResultColumn.text("second"), ResultColumn.integer("studies")));

    private static List<ResultColumn> with(ResultColumn... values) {
        List<ResultColumn> out = new ArrayList<>(KEY);
        out.addAll(List.of(values));
        return List.copyOf(out);
    }

    private NetworkTables() {
    }

    /**
     * The rows of every table, by table name: for each pool holding trials, each outcome, node kind and measure.
     *
     * @param records the run's comparisons (their study attributes decide pool membership)
     */
    public static Map<String, List<Object[]>> rows(List<Pool> pools, List<StudyRecord> records, List<ArmRow> arms,
                                                   Settings settings) {
        Map<String, List<Object[]>> out = new LinkedHashMap<>();
        COLUMNS.keySet().stream().sorted().forEach(t -> out.put(t, new ArrayList<>()));
        for (Pool pool : pools) {
            for (String outcome : new TreeSet<>(records.stream().map(StudyRecord::outcome).toList())) {
                Set<String> studies = new TreeSet<>();
                records.stream().filter(r -> r.outcome().equals(outcome) && pool.contains(r) && !AnalysisGrid.isRegistry(r))
                        .forEach(r -> studies.add(String.valueOf(r.attribute("study_id"))));
                if (studies.isEmpty()) {
                    continue;
                }
                for (NodeKind kind : settings.nodes()) {
                    List<NetworkMetaAnalysis.Arm> networkArms = arms.stream()
                            .filter(a -> a.outcome().equals(outcome) && studies.contains(a.studyId()) && a.n() > 0)
                            .map(a -> new NetworkMetaAnalysis.Arm(a.studyId(), kind.node(a.treatment(), a.doseMg()),
                                    a.events(), a.n()))
                            .toList();
                    for (EffectMeasure measure : settings.measures()) {
                        NetworkMetaAnalysis.Result r = NetworkMetaAnalysis.fit(networkArms, measure,
                                settings.reference().trim().toLowerCase(Locale.ROOT));
                        Object[] key = {pool.name(), outcome, measure.name(), kind.label()};
                        add(out, key, r, measure);
                    }
                }
            }
        }
        return out;
    }

    private static void add(Map<String, List<Object[]>> out, Object[] key, NetworkMetaAnalysis.Result r,
                            EffectMeasure measure) {
        String excluded = r.dropped().isEmpty() ? null : String.join("; ", r.dropped());
        for (Component c : r.components()) {
            Object[] k = {key[0], key[1], key[2], key[3], c.index()};
            for (Map.Entry<String, Integer> e : c.edges().entrySet()) {
                String[] pair = e.getKey().split("\\|", 2);
                out.get(EDGES).add(row(k, pair[0], pair[1], e.getValue()));
            }
            if (!c.isOk() && c.fits().isEmpty()) {
                out.get(EFFECTS).add(row(k, null, null, c.reference(), c.studies().size(), null, null, null, null, null,
                        null, null, null, null, null, num(c.tau2()), c.status(), excluded));
                continue;
            }
            for (Map.Entry<Model, Fit> e : c.fits().entrySet()) {
                Model model = e.getKey();
                Fit f = e.getValue();
                double[] p = c.pScores(model);
                boolean random = model == Model.RANDOM;
                for (int i = 0; i < c.nodes().size(); i++) {
                    String treatment = c.nodes().get(i);
                    if (i == 0) {
                        out.get(EFFECTS).add(row(k, model.label(), treatment, c.reference(), c.studies().size(),
                                c.participants()[i], null, null, null, null, null, null, null, null, num(p[i]),
                                random ? num(c.tau2()) : Double.valueOf(0), c.status(), excluded));
                        continue;
                    }
                    double log = f.log(i, 0);
                    double[] ci = f.ci(i, 0);
                    double[] pi = random ? c.predictionInterval(i) : new double[] {Double.NaN, Double.NaN};
                    out.get(EFFECTS).add(row(k, model.label(), treatment, c.reference(), c.studies().size(),
                            c.participants()[i], num(Math.exp(log)), num(Math.exp(ci[0])), num(Math.exp(ci[1])),
                            num(log), num(f.se(i, 0)), num(Math.exp(pi[0])), num(Math.exp(pi[1])),
                            Double.isNaN(pi[0]) ? null : "t(" + (c.studies().size() - 2) + ")", num(p[i]),
                            random ? num(c.tau2()) : Double.valueOf(0), c.status(), excluded));
                    for (Map.Entry<String, Double> s : c.contributions().get(model).get(i).entrySet()) {
                        out.get(CONTRIBUTIONS).add(row(k, model.label(), treatment, c.reference(), s.getKey(), num(s.getValue())));
                    }
                }
                for (int i = 0; i < c.nodes().size(); i++) {
                    for (int j = i + 1; j < c.nodes().size(); j++) {
                        double[] ci = f.ci(i, j);
                        out.get(LEAGUE).add(row(k, model.label(), c.nodes().get(i), c.nodes().get(j),
                                num(Math.exp(f.log(i, j))), num(Math.exp(ci[0])), num(Math.exp(ci[1])), num(f.log(i, j)),
                                num(f.se(i, j))));
                    }
                }
                for (NetworkMetaAnalysis.NodeSplit s : c.splits().get(model)) {
                    out.get(CONSISTENCY).add(row(k, model.label(), "node split", s.first() + " vs " + s.second(),
                            num(s.z()), null, num(s.pValue()), null, null, s.directStudies(), num(Math.exp(s.direct())),
                            num(s.directSe()), num(Math.exp(s.indirect())), num(s.indirectSe())));
                }
            }
            NetworkMetaAnalysis.Decomposition d = c.decomposition();
            if (d != null) {
                out.get(CONSISTENCY).add(row(k, Model.COMMON.label(), "design-by-treatment", null, num(d.qBetween()),
                        d.dfBetween(), num(d.pBetween()), num(d.qTotal()), num(d.qWithin()), null, null, null, null, null));
            }
        }
    }

    private static Object[] row(Object[] key, Object... values) {
        Object[] r = new Object[key.length + values.length];
        System.arraycopy(key, 0, r, 0, key.length);
        System.arraycopy(values, 0, r, key.length, values.length);
        return r;
    }
}
