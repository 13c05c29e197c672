package io.aepool.bench;

import io.aepool.stats.CiMethod;
import io.aepool.stats.EffectMeasure;
import io.aepool.stats.PooledEstimate;
import io.aepool.stats.Pooler;
import io.aepool.stats.Poolers;
import io.aepool.stats.PoolingMethod;
import io.aepool.stats.PredictionInterval;
import io.aepool.stats.StudyCounts;
import io.aepool.stats.ZeroCellRule;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Throughput of the statistics engine on one kind of analysis, single-threaded, without JMH: every measure (RR, OR,
 * RD) × every pooling method of the kind × every interval (wald-z; hksj for random effects) × every subset (all
 * studies and each leave-one-out, refitted), on the 32-trial sample
 * ({@code src/test/resources/bench/sample-32.csv}: study_id,ai,n1i,ci,n2i,year). The kinds (issue 19):
 * <ul>
 *   <li>{@code closed-form}: MH, IV, PETO (OR only), DL, SJ, HE; no Q-profile intervals of tau² and I²;</li>
 *   <li>{@code iterative}: REML, PM, ML (Fisher scoring or a root search) with the Q-profile intervals of tau² and I²
 *   (a root search each) in every analysis.</li>
 * </ul>
 * The same grid is timed in R metafor by {@code src/test/resources/bench/metafor-grid.R} with the same kind
 * ({@code confint} on every iterative fit); {@code jobs/bench-engine.sh} runs both kinds in both.
 *
 * <pre>java -cp target/classes:target/test-classes:commons-math3.jar io.aepool.bench.EngineBenchmark
 *      [csv] [warm-up seconds] [measured seconds] [closed-form|iterative]</pre>
 *
 * Prints {@code java analyses_per_second=<n>} as its last line.
 */
public final class EngineBenchmark {

    private EngineBenchmark() {
    }

    /** One cell of the grid: a pooler and the label it reports under. */
    record Config(String label, Pooler pooler) {
    }

    /** Which analyses a grid holds, and whether they compute the Q-profile intervals of tau² and I². */
    enum Kind {
        CLOSED_FORM("closed-form", List.of(PoolingMethod.MH, PoolingMethod.IV, PoolingMethod.PETO, PoolingMethod.DL,
                PoolingMethod.SJ, PoolingMethod.HE), false),
        ITERATIVE("iterative", List.of(PoolingMethod.REML, PoolingMethod.PM, PoolingMethod.ML), true);

        final String label;
        final List<PoolingMethod> methods;
        final boolean qProfile;

        Kind(String label, List<PoolingMethod> methods, boolean qProfile) {
            this.label = label;
            this.methods = methods;
            this.qProfile = qProfile;
        }

        static Kind parse(String label) {
            for (Kind k : values()) {
                if (k.label.equals(label)) {
                    return k;
                }
            }
            throw new IllegalArgumentException("kind must be closed-form or iterative, not " + label);
        }
    }

    public static void main(String[] args) throws IOException {
        Path csv = Path.of(args.length > 0 ? args[0] : "src/test/resources/bench/sample-32.csv");
        double warmUpSeconds = args.length > 1 ? Double.parseDouble(args[1]) : 5;
        double measureSeconds = args.length > 2 ? Double.parseDouble(args[2]) : 10;
        Kind kind = Kind.parse(args.length > 3 ? args[3] : "closed-form");

        List<StudyCounts> studies = read(csv);
        List<Config> grid = grid(kind);
        List<List<StudyCounts>> subsets = subsets(studies);
        int perRun = grid.size() * subsets.size();

        int[] notOk = new int[1];
        double sink = runGrid(grid, subsets, notOk);
        System.out.printf(Locale.ROOT, "kind=%s studies=%d configurations=%d subsets=%d analyses_per_grid=%d not_ok=%d%n",
                kind.label, studies.size(), grid.size(), subsets.size(), perRun, notOk[0]);

        long warmUpEnd = System.nanoTime() + (long) (warmUpSeconds * 1e9);
        int warmUpRuns = 0;
        while (System.nanoTime() < warmUpEnd) {
            sink += runGrid(grid, subsets, new int[1]);
            warmUpRuns++;
        }
        List<Double> runSeconds = new ArrayList<>();
        long start = System.nanoTime();
        long end = start + (long) (measureSeconds * 1e9);
        do {
            long t0 = System.nanoTime();
            sink += runGrid(grid, subsets, new int[1]);
            runSeconds.add((System.nanoTime() - t0) / 1e9);
        } while (System.nanoTime() < end);
        double total = (System.nanoTime() - start) / 1e9;
        double[] sorted = runSeconds.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        double median = sorted[sorted.length / 2];
        double throughput = perRun * runSeconds.size() / total;
        System.out.printf(Locale.ROOT, "warm-up runs=%d measured runs=%d total=%.2fs median grid=%.2fms min grid=%.2fms%n",
                warmUpRuns, runSeconds.size(), total, median * 1e3, sorted[0] * 1e3);
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long allocatedBefore = threads.getCurrentThreadAllocatedBytes();
        sink += runGrid(grid, subsets, new int[1]);
        double allocated = (threads.getCurrentThreadAllocatedBytes() - allocatedBefore) / (double) perRun;
        System.out.printf(Locale.ROOT, "allocated per analysis=%.0f bytes (one grid after the measured runs)%n", allocated);
        System.out.printf(Locale.ROOT, "(checksum %.6g)%n", sink);
        System.out.printf(Locale.ROOT, "java analyses_per_second=%.1f%n", throughput);
    }

    /** The kind's configurations; intervals wald-z and hksj, the two metafor's {@code test = "z" | "knha"} give. */
    static List<Config> grid(Kind kind) {
        List<Config> out = new ArrayList<>();
        for (EffectMeasure measure : List.of(EffectMeasure.RR, EffectMeasure.OR, EffectMeasure.RD)) {
            for (PoolingMethod method : kind.methods) {
                for (CiMethod ci : List.of(CiMethod.WALD_Z, CiMethod.HKSJ)) {
                    if (Poolers.supports(measure, method, ci)) {
                        out.add(new Config(measure + "/" + method + "/" + ci.label(), Poolers.create(measure, method,
                                ci, ZeroCellRule.DEFAULT, PredictionInterval.DEFAULT, kind.qProfile)));
                    }
                }
            }
        }
        return out;
    }

    /** All studies, then each leave-one-out subset. */
    static List<List<StudyCounts>> subsets(List<StudyCounts> studies) {
        List<List<StudyCounts>> out = new ArrayList<>();
        out.add(studies);
        for (int i = 0; i < studies.size(); i++) {
            List<StudyCounts> loo = new ArrayList<>(studies);
            loo.remove(i);
            out.add(List.copyOf(loo));
        }
        return out;
    }

    private static double runGrid(List<Config> grid, List<List<StudyCounts>> subsets, int[] notOk) {
        double sink = 0;
        for (Config c : grid) {
            for (List<StudyCounts> s : subsets) {
                PooledEstimate p = c.pooler().pool(s);
                if (p.isOk()) {
                    sink += p.theta() + (Double.isNaN(p.tau2CiHigh()) ? 0 : p.tau2CiHigh());
                } else {
                    notOk[0]++;
                }
            }
        }
        return sink;
    }

    static List<StudyCounts> read(Path csv) throws IOException {
        List<String> lines = Files.readAllLines(csv);
        List<String> header = Arrays.asList(lines.get(0).split(","));
        int id = header.indexOf("study_id");
        int ai = header.indexOf("ai");
        int n1i = header.indexOf("n1i");
        int ci = header.indexOf("ci");
        int n2i = header.indexOf("n2i");
        List<StudyCounts> out = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            if (line.isBlank()) {
                continue;
            }
            String[] f = line.split(",");
            out.add(StudyCounts.binary(f[id], Long.parseLong(f[ai]), Long.parseLong(f[n1i]), Long.parseLong(f[ci]),
                    Long.parseLong(f[n2i])));
        }
        return out;
    }
}
