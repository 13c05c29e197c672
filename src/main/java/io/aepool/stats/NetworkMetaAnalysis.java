package io.aepool.stats;

import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.ArrayRealVector;
import org.apache.commons.math3.linear.LUDecomposition;
import org.apache.commons.math3.linear.RealMatrix;
import org.apache.commons.math3.linear.RealVector;
import org.apache.commons.math3.linear.SingularMatrixException;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Frequentist network meta-analysis, contrast-based, with one between-study variance τ² (Lu & Ades 2004; Salanti 2008):
 * the generalised least squares model of metafor {@code rma.mv(yi, V, mods = X, random = ~ contr | study,
 * struct = "CS", rho = 1/2)}, which netmeta's graph-theoretical method (Rücker 2012) equals for a common τ².
 * Each study gives the contrasts of its arms against its first arm in the network's treatment order (the reference
 * first), their within-study covariance the variance of that shared arm, so multi-arm trials enter whole (no
 * splitting of shared controls); random effects with variance τ² and covariance τ²/2 within a study. τ² by restricted
 * maximum likelihood: the root of the REML score (Harville 1977), or 0 when the score is negative there.
 * A disconnected network is analysed per connected component, each against its own reference.
 *
 * <p>Arms of one study on the same node (doses of one drug when nodes are drugs) are combined (events and
 * participants summed: Cochrane Handbook §23.3.4). A study with an arm without events (or with only events) has 0.5
 * added to every cell of every arm (netmeta's {@code pairwise} default); a study without events in any arm (or only
 * events in every arm) carries no information on a ratio and drops out, as do studies left with one node.
 */
public final class NetworkMetaAnalysis {

    /** The common-effect model (τ² = 0) and the random-effects model. */
    public enum Model {
        COMMON("common"), RANDOM("random");

        private final String label;

        Model(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    /** One arm of one study: a node of the network with its events and participants. */
    public record Arm(String study, String node, long events, long n) {
        public Arm {
            if (study == null || node == null || events < 0 || n <= 0 || events > n) {
                throw new IllegalArgumentException("network arm " + study + "/" + node + ": events " + events
                        + " and participants " + n + " must satisfy 0 <= events <= participants, participants > 0");
            }
        }
    }

    /** A model's estimates: log effects of every node against the reference (reference 0) and their covariance. */
    public record Fit(double[] beta, double[][] cov) {
        public double log(int i, int j) {
            return beta[i] - beta[j];
        }

        public double se(int i, int j) {
            return Math.sqrt(Math.max(0, cov[i][i] + cov[j][j] - 2 * cov[i][j]));
        }

        /** The Wald 95% interval of node i against node j, log scale. */
        public double[] ci(int i, int j) {
            return new double[] {log(i, j) - Models.Z_CRIT * se(i, j), log(i, j) + Models.Z_CRIT * se(i, j)};
        }
    }

    /** Node splitting of one comparison by back-calculation (König, Krahn & Binder 2013; netmeta {@code netsplit}). */
    public record NodeSplit(String first, String second, int directStudies, double direct, double directSe,
                            double indirect, double indirectSe, double z, double pValue) {
    }

    /**
     * The design-by-treatment interaction test (Higgins et al. 2012; Krahn, Binder & König 2013), common-effect
     * decomposition: Q of the consistency model = Q within designs (heterogeneity) + Q between designs (inconsistency).
     */
    public record Decomposition(double qTotal, int dfTotal, double qWithin, int dfWithin, double qBetween,
                                int dfBetween, double pBetween) {
    }

    /**
     * One connected component of the network.
     *
     * @param nodes         reference first, then the others in alphabetical order
     * @param participants  participants per node (after combining arms), in {@link #nodes} order
     * @param edges         "first|second" (node order) to the number of studies comparing them directly
     * @param contributions per model and node (index ≥ 1): study to percent of the absolute weight of the node's
     *                      estimate against the reference (rows of (XᵀWX)⁻¹XᵀW, Krahn et al. 2013)
     */
    public record Component(int index, List<String> nodes, String reference, List<String> studies,
                            long[] participants, Map<String, Integer> edges, int contrasts, double tau2,
                            Map<Model, Fit> fits, Decomposition decomposition, Map<Model, List<NodeSplit>> splits,
                            Map<Model, Map<Integer, Map<String, Double>>> contributions, String status) {

        public boolean isOk() {
            return PooledEstimate.OK.equals(status);
        }

        /**
         * P-scores (Rücker & Schwarzer 2015) for an adverse outcome: the mean over the other nodes of the certainty
         * that a node has the lower risk, Φ((θ_j − θ_i)/se_ij) (netmeta {@code small.values = "desirable"}).
         */
        public double[] pScores(Model model) {
            Fit f = fits.get(model);
            int m = nodes.size();
            double[] p = new double[m];
            for (int i = 0; i < m; i++) {
                double s = 0;
                for (int j = 0; j < m; j++) {
                    if (j != i) {
                        s += Dist.normalCdf(f.log(j, i) / f.se(i, j));
                    }
                }
                p[i] = m > 1 ? s / (m - 1) : Double.NaN;
            }
            return p;
        }

        /**
         * The random model's 95% prediction interval of node i against the reference, θ ± t(k − 2)·√(se² + τ²) with k
         * studies (Higgins et al. 2009), on the log scale; NaNs with fewer than three studies.
         */
        public double[] predictionInterval(int i) {
            Fit f = fits.get(Model.RANDOM);
            double half = Models.predictionQuantile(PredictionInterval.T_K_MINUS_2, studies.size())
                    * Math.sqrt(f.se(i, 0) * f.se(i, 0) + tau2);
            return new double[] {f.log(i, 0) - half, f.log(i, 0) + half};
        }
    }

    /** A study after combining its arms per node, with its zero-cell correction applied. */
    private record Study(String id, List<String> nodes, double[] events, double[] n) {
    }

    private NetworkMetaAnalysis() {
    }

    /**
     * The network's components, largest first (ties by their reference's name), with the studies that dropped out.
     *
     * @param measure   OR or RR
     * @param reference the preferred reference node (e.g. placebo); a component without it takes its alphabetically
     *                  first node
     * @throws IllegalArgumentException for another measure
     */
    public static Result fit(List<Arm> arms, EffectMeasure measure, String reference) {
        if (measure != EffectMeasure.OR && measure != EffectMeasure.RR) {
            throw new IllegalArgumentException("the network model takes OR or RR, not " + measure);
        }
        Map<String, Map<String, long[]>> byStudy = new TreeMap<>();
        for (Arm a : arms) {
            long[] c = byStudy.computeIfAbsent(a.study(), s -> new TreeMap<>()).computeIfAbsent(a.node(), x -> new long[2]);
            c[0] += a.events();
            c[1] += a.n();
        }
        List<String> dropped = new ArrayList<>();
        List<Map.Entry<String, Map<String, long[]>>> kept = new ArrayList<>();
        for (Map.Entry<String, Map<String, long[]>> e : byStudy.entrySet()) {
            Map<String, long[]> nodes = e.getValue();
            boolean noEvents = nodes.values().stream().allMatch(c -> c[0] == 0);
            boolean allEvents = nodes.values().stream().allMatch(c -> c[0] == c[1]);
            if (nodes.size() < 2) {
                dropped.add(e.getKey() + " (one treatment)");
            } else if (noEvents || allEvents) {
                dropped.add(e.getKey() + (noEvents ? " (no events in any arm)" : " (only events in every arm)"));
            } else {
                kept.add(e);
            }
        }
        // connected components by union-find over the nodes of each study
        Map<String, String> parent = new TreeMap<>();
        for (var e : kept) {
            String first = null;
            for (String node : e.getValue().keySet()) {
                parent.putIfAbsent(node, node);
                if (first == null) {
                    first = node;
                } else {
                    parent.put(root(parent, node), root(parent, first));
                }
            }
        }
        Map<String, List<Map.Entry<String, Map<String, long[]>>>> groups = new TreeMap<>();
        for (var e : kept) {
            groups.computeIfAbsent(root(parent, e.getValue().keySet().iterator().next()), r -> new ArrayList<>()).add(e);
        }
        List<List<Map.Entry<String, Map<String, long[]>>>> ordered = new ArrayList<>(groups.values());
        ordered.sort(Comparator.comparingInt((List<Map.Entry<String, Map<String, long[]>>> g) -> -g.size()));
        List<Component> components = new ArrayList<>();
        for (int c = 0; c < ordered.size(); c++) {
            components.add(component(c + 1, ordered.get(c), measure, reference));
        }
        return new Result(components, dropped);
    }

    /** The components and the studies that dropped out (with why). */
    public record Result(List<Component> components, List<String> dropped) {
    }

    private static String root(Map<String, String> parent, String x) {
        while (!parent.get(x).equals(x)) {
            x = parent.get(x);
        }
        return x;
    }

    private static Component component(int index, List<Map.Entry<String, Map<String, long[]>>> group,
                                       EffectMeasure measure, String preferred) {
        TreeSet<String> all = new TreeSet<>();
        group.forEach(e -> all.addAll(e.getValue().keySet()));
        String reference = all.contains(preferred) ? preferred : all.first();
        List<String> nodes = new ArrayList<>();
        nodes.add(reference);
        all.stream().filter(n -> !n.equals(reference)).forEach(nodes::add);
        long[] participants = new long[nodes.size()];
        Map<String, Integer> edges = new TreeMap<>();
        List<Study> studies = new ArrayList<>();
        for (var e : group) {
            List<String> sn = new ArrayList<>(e.getValue().keySet());
            sn.sort(Comparator.comparingInt(nodes::indexOf));
            double[] x = new double[sn.size()];
            double[] n = new double[sn.size()];
            boolean zero = false;
            for (int i = 0; i < sn.size(); i++) {
                long[] c = e.getValue().get(sn.get(i));
                x[i] = c[0];
                n[i] = c[1];
                participants[nodes.indexOf(sn.get(i))] += c[1];
                zero |= c[0] == 0 || c[0] == c[1];
            }
            if (zero) {
                for (int i = 0; i < x.length; i++) {
                    x[i] += 0.5;
                    n[i] += 1;
                }
            }
            for (int i = 0; i < sn.size(); i++) {
                for (int j = i + 1; j < sn.size(); j++) {
                    edges.merge(sn.get(i) + "|" + sn.get(j), 1, Integer::sum);
                }
            }
            studies.add(new Study(e.getKey(), sn, x, n));
        }
        List<String> ids = studies.stream().map(Study::id).toList();
        Contrasts data = Contrasts.of(studies, nodes, measure);
        String status = PooledEstimate.OK;
        double tau2 = remlTau2(data);
        if (Double.isNaN(tau2)) {
            status = "not converged: the REML score of tau2 has no root below " + TAU2_MAX;
            tau2 = Double.NaN;
        }
        Map<Model, Fit> fits = new LinkedHashMap<>();
        Map<Model, List<NodeSplit>> splits = new LinkedHashMap<>();
        Map<Model, Map<Integer, Map<String, Double>>> contributions = new LinkedHashMap<>();
        Decomposition decomposition;
        try {
            Gls common = Gls.fit(data, data.x, 0);
            fits.put(Model.COMMON, common.fit(nodes.size()));
            contributions.put(Model.COMMON, common.contributions(data, nodes.size()));
            if (!Double.isNaN(tau2)) {
                Gls random = Gls.fit(data, data.x, tau2);
                fits.put(Model.RANDOM, random.fit(nodes.size()));
                contributions.put(Model.RANDOM, random.contributions(data, nodes.size()));
            }
            decomposition = decompose(data, common);
            for (Model m : fits.keySet()) {
                splits.put(m, nodeSplits(studies, nodes, measure, fits.get(m), m == Model.RANDOM ? tau2 : 0));
            }
        } catch (SingularMatrixException e) {
            return new Component(index, nodes, reference, ids, participants, edges, data.y.length, tau2, Map.of(),
                    null, Map.of(), Map.of(), "not estimable: the network's information matrix is singular");
        }
        return new Component(index, nodes, reference, ids, participants, edges, data.y.length, tau2, fits,
                decomposition, splits, contributions, status);
    }

    /** The contrasts of all studies: y, the within-study covariance V, the between-study pattern C and design X. */
    private record Contrasts(double[] y, double[][] v, double[][] c, double[][] x, String[] studyOf, String[] designOf,
                             int[] nodeOf, int[] baseOf) {

        static Contrasts of(List<Study> studies, List<String> nodes, EffectMeasure measure) {
            int rows = studies.stream().mapToInt(s -> s.nodes().size() - 1).sum();
            double[] y = new double[rows];
            double[][] v = new double[rows][rows];
            double[][] c = new double[rows][rows];
            double[][] x = new double[rows][nodes.size() - 1];
            String[] studyOf = new String[rows];
            String[] designOf = new String[rows];
            int[] nodeOf = new int[rows];
            int[] baseOf = new int[rows];
            int r = 0;
            for (Study s : studies) {
                int m = s.nodes().size();
                double[] l = new double[m];
                double[] var = new double[m];
                for (int i = 0; i < m; i++) {
                    double[] arm = logAndVar(s, i, measure);
                    l[i] = arm[0];
                    var[i] = arm[1];
                }
                String design = String.join(":", s.nodes());
                int first = r;
                int base = nodes.indexOf(s.nodes().get(0));
                for (int j = 1; j < m; j++, r++) {
                    y[r] = l[j] - l[0];
                    studyOf[r] = s.id();
                    designOf[r] = design;
                    nodeOf[r] = nodes.indexOf(s.nodes().get(j));
                    baseOf[r] = base;
                    if (nodeOf[r] > 0) {
                        x[r][nodeOf[r] - 1] += 1;
                    }
                    if (base > 0) {
                        x[r][base - 1] -= 1;
                    }
                    for (int q = first; q < first + m - 1; q++) {
                        // contrasts sharing the study's first arm: its variance; random effects τ²/2 (rho = 1/2)
                        v[r][q] = var[0] + (q == r ? var[j] : 0);
                        c[r][q] = q == r ? 1 : 0.5;
                    }
                }
            }
            return new Contrasts(y, v, c, x, studyOf, designOf, nodeOf, baseOf);
        }
    }

    /** A generalised least squares fit at a given τ²: β = (XᵀWX)⁻¹XᵀWy with W = (V + τ²C)⁻¹. */
    private record Gls(RealMatrix w, RealMatrix x, RealMatrix xtwxInv, RealVector beta, RealVector residual) {

        static Gls fit(Contrasts d, double[][] design, double tau2) {
            int n = d.y().length;
            double[][] m = new double[n][n];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    m[i][j] = d.v()[i][j] + tau2 * d.c()[i][j];
                }
            }
            RealMatrix w = new LUDecomposition(new Array2DRowRealMatrix(m, false)).getSolver().getInverse();
            RealMatrix x = new Array2DRowRealMatrix(design, false);
            RealMatrix xtw = x.transpose().multiply(w);
            RealMatrix xtwxInv = new LUDecomposition(xtw.multiply(x)).getSolver().getInverse();
            RealVector y = new ArrayRealVector(d.y(), false);
            RealVector beta = xtwxInv.operate(xtw.operate(y));
            return new Gls(w, x, xtwxInv, beta, y.subtract(x.operate(beta)));
        }

        /** Cochran's generalised Q = rᵀWr. */
        double q() {
            return residual.dotProduct(w.operate(residual));
        }

        Fit fit(int nodes) {
            double[] b = new double[nodes];
            double[][] cov = new double[nodes][nodes];
            for (int i = 1; i < nodes; i++) {
                b[i] = beta.getEntry(i - 1);
                for (int j = 1; j < nodes; j++) {
                    cov[i][j] = xtwxInv.getEntry(i - 1, j - 1);
                }
            }
            return new Fit(b, cov);
        }

        Map<Integer, Map<String, Double>> contributions(Contrasts d, int nodes) {
            RealMatrix a = xtwxInv.multiply(x.transpose()).multiply(w);
            Map<Integer, Map<String, Double>> out = new TreeMap<>();
            for (int i = 1; i < nodes; i++) {
                Map<String, Double> byStudy = new LinkedHashMap<>();
                double total = 0;
                for (int r = 0; r < d.y().length; r++) {
                    double abs = Math.abs(a.getEntry(i - 1, r));
                    byStudy.merge(d.studyOf()[r], abs, Double::sum);
                    total += abs;
                }
                double t = total;
                byStudy.replaceAll((s, v) -> 100 * v / t);
                out.put(i, byStudy);
            }
            return out;
        }
    }

    static final double TAU2_MAX = 100;

    /**
     * REML τ²: the root of the restricted score ½[rᵀWCWr − tr(PC)], P = W − WX(XᵀWX)⁻¹XᵀW (Harville 1977), by
     * Brent's method to 1e-15; 0 when the score is not positive at 0 (the boundary maximum); NaN without a root.
     */
    private static double remlTau2(Contrasts d) {
        if (d.y().length <= d.x()[0].length) {
            return 0; // no residual degrees of freedom: nothing to estimate τ² from
        }
        java.util.function.DoubleUnaryOperator score = t -> {
            Gls g = Gls.fit(d, d.x(), t);
            RealMatrix c = new Array2DRowRealMatrix(d.c(), false);
            RealMatrix wx = g.w().multiply(g.x());
            RealMatrix p = g.w().subtract(wx.multiply(g.xtwxInv()).multiply(wx.transpose()));
            RealVector wr = g.w().operate(g.residual());
            return 0.5 * (wr.dotProduct(c.operate(wr)) - p.multiply(c).getTrace());
        };
        if (score.applyAsDouble(0) <= 0) {
            return 0;
        }
        double hi = 0.01;
        while (score.applyAsDouble(hi) > 0) {
            hi *= 2;
            if (hi > TAU2_MAX) {
                return Double.NaN;
            }
        }
        return RootFinder.zeroin(score, hi / 2 < 0.01 ? 0 : hi / 2, hi, 1e-15, 1000).x();
    }

    /** Common-effect Q of the consistency model and of the model with every design its own contrasts. */
    private static Decomposition decompose(Contrasts d, Gls consistency) {
        int n = d.y().length;
        List<String> columns = new ArrayList<>();
        for (int r = 0; r < n; r++) {
            String key = d.designOf()[r] + "|" + d.nodeOf()[r];
            if (!columns.contains(key)) {
                columns.add(key);
            }
        }
        double[][] xd = new double[n][columns.size()];
        for (int r = 0; r < n; r++) {
            xd[r][columns.indexOf(d.designOf()[r] + "|" + d.nodeOf()[r])] = 1;
        }
        double qTotal = consistency.q();
        int dfTotal = n - d.x()[0].length;
        double qWithin = columns.size() < n ? Gls.fit(d, xd, 0).q() : 0;
        int dfWithin = n - columns.size();
        double qBetween = Math.max(0, qTotal - qWithin);
        int dfBetween = dfTotal - dfWithin;
        return new Decomposition(qTotal, dfTotal, qWithin, dfWithin, qBetween, dfBetween,
                dfBetween > 0 ? Dist.chiSquareUpper(qBetween, dfBetween) : Double.NaN);
    }

    /**
     * Node splitting by back-calculation for every comparison with direct and indirect evidence: the direct estimate
     * pools the comparison's own contrast in the studies that have both nodes (weights 1/(v + τ²)); the indirect one
     * is what the network estimate holds besides it, θ_ind = v_ind(θ_net/v_net − θ_dir/v_dir) with
     * 1/v_ind = 1/v_net − 1/v_dir (König, Krahn & Binder 2013; Dias et al. 2010); z = (θ_dir − θ_ind)/√(v_dir + v_ind).
     */
    private static List<NodeSplit> nodeSplits(List<Study> studies, List<String> nodes, EffectMeasure measure, Fit fit,
                                              double tau2) {
        List<NodeSplit> out = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) {
            for (int j = i + 1; j < nodes.size(); j++) {
                double sw = 0;
                double swy = 0;
                int k = 0;
                for (Study s : studies) {
                    int a = s.nodes().indexOf(nodes.get(i));
                    int b = s.nodes().indexOf(nodes.get(j));
                    if (a < 0 || b < 0) {
                        continue;
                    }
                    double[] la = logAndVar(s, a, measure);
                    double[] lb = logAndVar(s, b, measure);
                    double w = 1 / (la[1] + lb[1] + tau2);
                    sw += w;
                    swy += w * (la[0] - lb[0]);
                    k++;
                }
                if (k == 0) {
                    continue;
                }
                double direct = swy / sw;
                double vDirect = 1 / sw;
                double net = fit.log(i, j);
                double vNet = fit.se(i, j) * fit.se(i, j);
                double precision = 1 / vNet - 1 / vDirect;
                if (!(precision > 1e-9 / vNet)) {
                    continue; // the network estimate is the direct one: no indirect evidence
                }
                double vInd = 1 / precision;
                double indirect = vInd * (net / vNet - direct / vDirect);
                double z = (direct - indirect) / Math.sqrt(vDirect + vInd);
                out.add(new NodeSplit(nodes.get(i), nodes.get(j), k, direct, Math.sqrt(vDirect), indirect,
                        Math.sqrt(vInd), z, Dist.twoSidedNormalP(z)));
            }
        }
        return out;
    }

    // arm log odds and variance 1/a + 1/(n − a); log risk and variance 1/a − 1/n (Woolf 1955; Katz et al. 1978)
    private static double[] logAndVar(Study s, int arm, EffectMeasure measure) {
        double a = s.events()[arm];
        double n = s.n()[arm];
        return measure == EffectMeasure.OR ? new double[] {Math.log(a / (n - a)), 1 / a + 1 / (n - a)}
                : new double[] {Math.log(a / n), 1 / a - 1 / n};
    }
}
