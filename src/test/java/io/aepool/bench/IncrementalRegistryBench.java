package io.aepool.bench;

import io.aepool.cli.Main;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.date_add;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.sequence;
import static org.apache.spark.sql.functions.to_date;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.xxhash64;

/**
 * Incremental against full nightly registry aggregation at scale ({@code jobs/bench-incremental.sh},
 * docs/benchmarks.md). Writes one generic registry extract (Spark-native: {@code spark.range} over patients, every
 * attribute a built-in expression of the index, events by {@code explode(sequence(...))}) with about ROWS events in
 * extract E1, and an extract E2 one day later that adds 1% more rows: new events (and a follow-up patients row) for
 * 1% of the patients. Then, in this JVM, runs the real job ({@link Main#run}, nightly, registry-only conf):
 * <ol>
 *   <li>as of E1 into a history root (no state: full; writes the state);</li>
 *   <li>as of E2 into the same root: incremental (only E2's partitions read);</li>
 *   <li>as of E2 with {@code --full} into a second root: everything recomputed;</li>
 * </ol>
 * prints each run's wall time next to DuckDB's full scan of every event row (in-process, threads = 2), and checks
 * that runs 2 and 3 publish the same registry_incidence.csv.
 *
 * <p>Usage: {@code IncrementalRegistryBench DIR ROWS}
 */
public final class IncrementalRegistryBench {

    static final String E1 = "2026-10-31";
    static final String E2 = "2026-11-01";
    private static final String[] CLASSES = {"JAK inhibitor", "biologic", "conventional systemic"};
    private static final String[] TERMS = {"Pneumonia", "Cellulitis", "Herpes zoster", "Nasopharyngitis", "Headache",
            "Nausea", "Urinary tract infection", "Arthralgia"};
    private static final String[] SOCS = {"Infections and infestations", "Infections and infestations",
            "Infections and infestations", "Infections and infestations", "Nervous system disorders",
            "Gastrointestinal disorders", "Infections and infestations", "Musculoskeletal and connective tissue disorders"};

    private IncrementalRegistryBench() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        long rows = (long) Double.parseDouble(args[1]);
        SparkSession spark = SparkSession.builder().master(System.getProperty("spark.master", "local[2]"))
                .appName("aepool-incremental-bench").config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", System.getProperty("bench.shufflePartitions", "8"))
                .config(new org.apache.spark.SparkConf().setAll(scala.jdk.javaapi.CollectionConverters.asScala(
                        io.aepool.publish.DeltaTables.SESSION_CONFS)))
                .getOrCreate();
        Path extract = dir.resolve("extract");
        if (!Files.exists(extract.resolve("events").resolve("extract_date=" + E2))) {
            long t = System.nanoTime();
            generate(spark, dir, rows);
            System.out.printf(Locale.ROOT, "generated %s events (+1%%) in %.1f s%n", args[1], (System.nanoTime() - t) / 1e9);
        }
        Path conf = conf(dir);
        Path a = dir.resolve("nightly-incremental");
        Path b = dir.resolve("nightly-full");
        deleteTree(a);
        deleteTree(b);
        List<String> lines = new ArrayList<>();
        lines.add(time("as of " + E1 + ", no state (full)", conf, a, E1));
        // -Dbench.incrementalRuns=N: the incremental run N times, each from a copy of the root as of E1
        int runs = Integer.getInteger("bench.incrementalRuns", 1);
        Path asOfE1 = dir.resolve("nightly-incremental-e1");
        if (runs > 1) {
            deleteTree(asOfE1);
            copyTree(a, asOfE1);
        }
        for (int r = 0; r < runs; r++) {
            if (r > 0) {
                deleteTree(a);
                copyTree(asOfE1, a);
            }
            lines.add(time("as of " + E2 + ", incremental (+1%)", conf, a, E2));
        }
        // -Dbench.full=false: no full recompute as of E2 (an incremental-only figure, e.g. for the same run at another
        // scale); nothing to compare the incremental run's tables with then
        boolean full = Boolean.parseBoolean(System.getProperty("bench.full", "true"));
        if (full) {
            lines.add(time("as of " + E2 + ", --full", conf, b, E2, "--full"));
        }
        lines.add(duckdbScan(extract));
        System.out.println("summary:");
        lines.forEach(System.out::println);
        if (!full) {
            spark.stop();
            return;
        }
        List<String> x = Files.readAllLines(a.resolve("current").resolve("registry_incidence.csv"));
        List<String> y = Files.readAllLines(b.resolve("current").resolve("registry_incidence.csv"));
        System.out.println("registry_incidence.csv incremental == full: " + x.equals(y) + " (" + x.size() + " lines)");
        System.out.println("summary: " + Files.readString(a.resolve("current").resolve("summary.json"))
                .replaceAll("(?s).*\"registry_aggregation\" *: *(\\{[^}]*}).*", "$1"));
        spark.stop();
        if (!x.equals(y)) {
            System.exit(1);
        }
    }

    /**
     * DuckDB's full scan of every event row (the reference for an incremental run): per registry, qualifying
     * events (serious infections) and distinct patients with one, over all partitions; median of 3 after a warm-up.
     */
    private static String duckdbScan(Path extract) throws Exception {
        Class.forName("org.duckdb.DuckDBDriver");
        String sql = "SELECT registry_id, count(*) AS events, count(DISTINCT patient_id) AS patients FROM read_parquet('"
                + extract.resolve("events").toAbsolutePath() + "/*/*.parquet', hive_partitioning = true) "
                + "WHERE soc = 'Infections and infestations' AND serious = 'Y' GROUP BY registry_id";
        double[] t = new double[3];
        String result = "";
        try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:duckdb:");
             java.sql.Statement st = c.createStatement()) {
            st.execute("SET threads = 2");
            for (int i = -1; i < t.length; i++) {
                long t0 = System.nanoTime();
                try (java.sql.ResultSet rs = st.executeQuery(sql)) {
                    while (rs.next()) {
                        result = rs.getString(1) + " " + rs.getLong(2) + " events, " + rs.getLong(3) + " patients";
                    }
                }
                if (i >= 0) {
                    t[i] = (System.nanoTime() - t0) / 1e9;
                }
            }
        }
        java.util.Arrays.sort(t);
        return String.format(Locale.ROOT, "%-40s %7.2f s  (%s)", "DuckDB full scan of all event rows", t[1], result);
    }

    private static void copyTree(Path from, Path to) throws IOException, InterruptedException {
        Process cp = new ProcessBuilder("cp", "-a", from.toString(), to.toString()).inheritIO().start();
        if (cp.waitFor() != 0) {
            throw new IOException("cp -a " + from + " " + to + " failed");
        }
    }

    private static String time(String label, Path conf, Path root, String asOf, String... more) {
        List<String> args = new ArrayList<>(List.of("--conf", conf.toString(), "--out", root.toString(), "--nightly",
                "--as-of", asOf));
        args.addAll(List.of(more));
        long t = System.nanoTime();
        int code = Main.run(args.toArray(String[]::new));
        String line = String.format(Locale.ROOT, "%-40s %7.1f s  (exit %d)", label, (System.nanoTime() - t) / 1e9, code);
        System.out.println(line + "  [done " + java.time.LocalTime.now().withNano(0) + "; load average "
                + loadAverage() + "]"); // as each run ends: a long bench shows its figures before the last run
        return line;
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim().replaceAll("^(\\S+ \\S+ \\S+).*", "$1");
        } catch (IOException e) {
            return "n/a";
        }
    }

    /** Patients, exposures and events of extract E1 (about {@code rows} events) and E2 (1% more). */
    static void generate(SparkSession spark, Path dir, long rows) throws IOException {
        Path x = dir.resolve("extract");
        long patients = Math.max(100, rows / 8);
        int files = (int) Math.max(1, rows / 4_000_000);
        Dataset<Row> p = spark.range(0, patients, 1, files).withColumn("h", xxhash64(col("id"), lit(7)));
        Column obsStart = date_add(to_date(lit("2015-01-01")), pmod(col("h"), lit(2500)).cast("int"));
        Dataset<Row> base = p.select(col("id"), col("h"), lit("BIG-REG").as("registry_id"),
                concat(lit("P"), col("id").cast("string")).as("patient_id"),
                lit(1940).plus(pmod(xxhash64(col("id"), lit(1)), lit(60))).cast("int").as("birth_year"),
                when(pmod(xxhash64(col("id"), lit(2)), lit(2)).equalTo(0), lit("F")).otherwise(lit("M")).as("sex"),
                element_at(array(lit("psoriasis"), lit("atopic dermatitis"), lit("hidradenitis suppurativa")),
                        pmod(xxhash64(col("id"), lit(3)), lit(3)).cast("int").plus(1)).as("condition"),
                obsStart.as("observation_start"));
        // E1: every patient; observation open (no end): follow-up runs to the as-of date
        write(base.select(col("registry_id"), col("patient_id"), col("birth_year"), col("sex"), col("condition"),
                col("observation_start"), lit(null).cast("date").as("observation_end"),
                lit(null).cast("date").as("death_date"), lit(E1).as("extract_date")), x, "patients");
        // 1 to 3 episodes of one class each, 30-400 days
        Dataset<Row> episodes = base.withColumn("k", explode(sequence(lit(1), pmod(col("h"), lit(3)).cast("int").plus(1))))
                .withColumn("eh", xxhash64(col("id"), col("k"), lit(4)));
        write(episodes.select(col("registry_id"), col("patient_id"),
                concat(lit("drug-"), pmod(col("eh"), lit(5)).cast("string")).as("drug"),
                element_at(array(lit(CLASSES[0]), lit(CLASSES[1]), lit(CLASSES[2])),
                        pmod(col("eh"), lit(3)).cast("int").plus(1)).as("drug_class"),
                date_add(col("observation_start"), col("k").minus(1).multiply(500).plus(pmod(col("eh"), lit(90)).cast("int")))
                        .as("start_date"),
                // 30% of the patients are still on their last episode (at risk up to the as-of date)
                when(col("k").equalTo(pmod(col("h"), lit(3)).cast("int").plus(1)).and(pmod(col("h"), lit(10)).lt(3)),
                        to_date(lit("2027-12-31")))
                        .otherwise(date_add(col("observation_start"), col("k").minus(1).multiply(500)
                                .plus(pmod(col("eh"), lit(90)).cast("int")).plus(lit(30))
                                .plus(pmod(xxhash64(col("eh"), lit(5)), lit(370)).cast("int")))).as("end_date"),
                lit(E1).as("extract_date")), x, "exposures");
        // about 8 events per patient (skewed: 2 to 14) over follow-up up to E1
        Dataset<Row> events = base.withColumn("n", pmod(col("h"), lit(13)).cast("int").plus(2))
                .withColumn("k", explode(sequence(lit(1), col("n"))))
                .withColumn("vh", xxhash64(col("id"), col("k"), lit(6)));
        write(eventColumns(events, col("observation_start"), lit(1800), E1), x, "events");

        // E2: 1% of the patients (every 100th) get a follow-up patients row and as many new events as ~1% of E1's
        Dataset<Row> touched = base.filter(pmod(col("id"), lit(100)).equalTo(0));
        write(touched.select(col("registry_id"), col("patient_id"), col("birth_year"), col("sex"), col("condition"),
                col("observation_start"), lit(null).cast("date").as("observation_end"),
                lit(null).cast("date").as("death_date"), lit(E2).as("extract_date")), x, "patients");
        Dataset<Row> more = touched.withColumn("n", pmod(col("h"), lit(13)).cast("int").plus(2))
                .withColumn("k", explode(sequence(lit(1), col("n"))))
                .withColumn("vh", xxhash64(col("id"), col("k"), lit(8)));
        write(eventColumns(more, to_date(lit("2026-06-01")), lit(150), E2), x, "events");
        // E2 needs an exposures partition too (an empty one is fine for the job; one new episode per 1000 patients)
        write(episodes.filter(pmod(col("id"), lit(1000)).equalTo(0).and(col("k").equalTo(1)))
                .select(col("registry_id"), col("patient_id"), lit("drug-9").as("drug"), lit(CLASSES[0]).as("drug_class"),
                        to_date(lit("2026-09-01")).as("start_date"), to_date(lit("2027-03-01")).as("end_date"),
                        lit(E2).as("extract_date")), x, "exposures");

        Files.writeString(dir.resolve("studies.csv"), """
                study_id,acronym,condition,drug,year,design,control_type,weeks,source
                BIG-REG,BIG-REG,psoriasis,JAK inhibitors,2020,registry,active,,scaled synthetic registry (bench)
                """);
    }

    private static Dataset<Row> eventColumns(Dataset<Row> events, Column from, Column span, String extractDate) {
        Column term = pmod(col("vh"), lit(TERMS.length)).cast("int").plus(1);
        return events.select(col("registry_id"), col("patient_id"),
                date_add(from, pmod(xxhash64(col("vh"), lit(9)), span).cast("int")).as("event_date"),
                element_at(array(java.util.Arrays.stream(TERMS).map(org.apache.spark.sql.functions::lit).toArray(Column[]::new)),
                        term).as("term"),
                element_at(array(java.util.Arrays.stream(SOCS).map(org.apache.spark.sql.functions::lit).toArray(Column[]::new)),
                        term).as("soc"),
                when(pmod(xxhash64(col("vh"), lit(10)), lit(5)).equalTo(0), lit("Y")).otherwise(lit("N")).as("serious"),
                lit("N").as("hospitalised"), lit(extractDate).as("extract_date"));
    }

    private static void write(Dataset<Row> table, Path extract, String name) {
        table.write().mode(SaveMode.Append).partitionBy("extract_date").parquet(extract.resolve(name).toString());
    }

    private static Path conf(Path dir) throws IOException {
        Path conf = dir.resolve("job.yaml");
        Files.writeString(conf, """
                inputs:
                  studies: [studies.csv]
                  registries:
                    - extract: extract
                registry:
                  exposure_groups:
                    - {group: jak, role: experimental, drug_classes: [JAK inhibitor]}
                    - {group: biologic, role: comparator, drug_classes: [biologic]}
                    - {group: conventional, role: comparator, drug_classes: [conventional systemic]}
                  pooled_comparator: biologic
                  risk_window_days: 30
                  strata: [condition, age_band, sex]
                outcomes:
                  - name: serious_infection
                    socs: [Infections and infestations]
                pools:
                  - name: registries
                analysis:
                  measures: [IRR]
                  methods: [MH]
                  leave_one_out: false
                """);
        return conf;
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (var all = Files.walk(p)) {
            for (Path q : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(q);
            }
        }
    }
}
