package io.aepool.bench;

import com.sun.management.GarbageCollectionNotificationInfo;
import io.aepool.aggregate.OutcomeDefinition;
import io.aepool.aggregate.SubjectAggregator;
import io.aepool.aggregate.TreatmentArm;
import io.aepool.ingest.AdamReader;
import io.aepool.ingest.StudiesReader;
import io.aepool.ingest.Validation;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobEnd;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.StageInfo;
import org.apache.spark.scheduler.SparkListenerEvent;
import org.apache.spark.sql.execution.FileSourceScanExec;
import org.apache.spark.sql.execution.InputAdapter;
import org.apache.spark.sql.execution.SparkPlan;
import org.apache.spark.sql.execution.WholeStageCodegenExec;
import org.apache.spark.sql.execution.adaptive.AdaptiveSparkPlanExec;
import org.apache.spark.sql.execution.adaptive.QueryStageExec;
import org.apache.spark.sql.execution.columnar.InMemoryTableScanExec;
import org.apache.spark.sql.execution.ui.SparkListenerSQLExecutionEnd;
import org.apache.spark.sql.execution.ui.SparkListenerSQLExecutionStart;
import scala.jdk.javaapi.CollectionConverters;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.execution.ExplainMode;

import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.countDistinct;
import static org.apache.spark.sql.functions.trim;
import static org.apache.spark.sql.functions.upper;

/**
 * The subject-level aggregation stage against DuckDB on the same Parquet files, in one JVM (docs/benchmarks.md,
 * {@code jobs/bench.sh}). Spark {@code local[2]}; each variant runs once to warm up, then REPS timed repetitions:
 * <ul>
 *   <li>{@code spark-job}: the job's ADaM stage ({@code IngestStage} and {@code AggregateStage.arms}): AdamReader.read (every
 *   ADSL/ADAE rule and the quarantine by study) with the default Validation, SubjectAggregator.aggregate for serious
 *   infection, collect of the arm table;</li>
 *   <li>{@code spark-agg}: SubjectAggregator.aggregate alone, on the Parquet columns as read (no validation);</li>
 *   <li>{@code spark-plain}: the plain plan (read ADAE, filter serious TE infections, countDistinct subjects per
 *   study and TRTA);</li>
 *   <li>{@code duckdb-full} and {@code duckdb-plain}: the same two computations as SQL (threads = 2);</li>
 *   <li>{@code duckdb-rules}: the job's stage in DuckDB, every rule included ({@link AdamRulesDuckDb}): the same arm table
 *   and the same rejected rows per rule and per file as {@code spark-job}, checked (the bench fails when they differ).</li>
 * </ul>
 * Prints medians (and the first, cold, run of each variant), the ratios to DuckDB, peak driver heap (sampled used heap, and the largest heap left after a GC),
 * the per-Spark-job time breakdown of the job's stage, the physical plan of each of its actions, and whether the arm
 * tables agree.
 * The prototype variants {@code spark-job-new} (ProposedAdamReader) and {@code spark-lean} (LeanAggregation) were
 * removed on 2026-12-02: their changes were applied or rejected (docs/benchmarks.md has their measurements).
 * <p>Usage: {@code AggregationBench DATA_DIR [REPS=5] [VARIANTS=spark-job,spark-agg,spark-plain,duckdb-full,duckdb-plain,duckdb-rules]}
 */
public final class AggregationBench {

    private static final OutcomeDefinition OUTCOME = OutcomeDefinition.seriousInfection();

    private AggregationBench() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]).toAbsolutePath();
        int reps = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        Set<String> variants = Set.of((args.length > 2 ? args[2]
                : "spark-job,spark-agg,spark-plain,duckdb-full,duckdb-plain,duckdb-rules").split(","));
        String adsl = dir.resolve("adsl.parquet").toString();
        String adae = dir.resolve("adae.parquet").toString();
        String studiesCsv = dir.resolve("studies.csv").toString();
        HeapMonitor heap = HeapMonitor.start();

        SparkSession spark = SparkSession.builder().appName("aepool-aggregation-bench").master("local[2]")
                .config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", System.getProperty("bench.shufflePartitions", "8")) // as jobs/run-local.sh
                .config("spark.sql.session.timeZone", "UTC")
                .config("spark.sql.maxPlanStringLength", "100000")
                .config("spark.sql.maxMetadataStringLength", "1000")
                .config("spark.driver.bindAddress", "127.0.0.1").config("spark.driver.host", "127.0.0.1")
                .getOrCreate();
        JobTimes jobs = new JobTimes();
        spark.sparkContext().addSparkListener(jobs);
        Map<String, double[]> times = new LinkedHashMap<>();
        List<String> failures = new ArrayList<>();
        AdamRulesDuckDb.Result[] jobResult = new AdamRulesDuckDb.Result[1];
        AdamRulesDuckDb.Result[] duckResult = new AdamRulesDuckDb.Result[1];
        Map<String, Map<String, Object[]>> tables = new LinkedHashMap<>();
        List<TreatmentArm> treatments = treatments();
        Set<String> known = treatments.stream().map(TreatmentArm::treatment).collect(Collectors.toSet());
        long adaeRows;
        long adslRows;
        String plan = null;
        String tree = null;
        try {
            adaeRows = spark.read().parquet(adae).count();
            adslRows = spark.read().parquet(adsl).count();
            System.out.printf(Locale.ROOT, "data %s: ADAE %,d rows, ADSL %,d rows, %d repetitions, local[2], max heap %d MiB%n",
                    dir, adaeRows, adslRows, reps, Runtime.getRuntime().maxMemory() >> 20);
            Dataset<Row> studies = StudiesReader.readAll(spark, List.of(studiesCsv), Validation.defaults()).cache();
            studies.count();

            if (variants.contains("spark-job")) {
                Dataset<Row>[] last = new Dataset[1];
                String[] jobLedger = new String[1];
                times.put("spark-job", time("spark-job", reps, () -> {
                    Validation v = Validation.defaults();
                    AdamReader.Tables t = AdamReader.read(spark, adsl, adae, studies, known, v, OptionalInt.empty(), false);
                    Dataset<Row> arms = SubjectAggregator.aggregate(spark, t.subjects(), t.events(), treatments,
                            List.of(OUTCOME), adsl);
                    List<Row> rows = arms.collectAsList();
                    last[0] = arms;
                    jobLedger[0] = "rejected by rule " + v.rejectedByRule() + ", rows " + v.accounting();
                    tables.put("spark-job", armTable(rows));
                    Map<String, long[]> files = new TreeMap<>();
                    files.put("adsl", new long[]{v.accounting().get(adsl).get("read"), v.accounting().get(adsl).get("rejected")});
                    files.put("adae", new long[]{v.accounting().get(adae).get("read"), v.accounting().get(adae).get("rejected")});
                    jobResult[0] = new AdamRulesDuckDb.Result(armTable(rows), new TreeMap<>(v.rejectedByRule()), files);
                    // nothing cached is kept from one repetition to the next (the study table is cached again)
                    spark.catalog().clearCache();
                    studies.cache();
                    return rows.size();
                }, jobs));
                plan = last[0].queryExecution().explainString(ExplainMode.fromString("formatted"));
                tree = finalTree(last[0]);
                System.out.println("spark-job validation: " + jobLedger[0]);
                spark.sparkContext().listenerBus().waitUntilEmpty(30_000);
                System.out.println("== Spark actions of the last spark-job repetition (call site, wall, jobs, input read, shuffle written)");
                jobs.printLast();
                System.out.println("== physical plans of the last spark-job repetition's actions in AdamReader (the validation passes)");
                jobs.printPlans("AdamReader");
            }
            if (variants.contains("spark-agg")) {
                Dataset<Row>[] last = new Dataset[1];
                times.put("spark-agg", time("spark-agg", reps, () -> {
                    Dataset<Row> s = spark.read().parquet(adsl);
                    Dataset<Row> e = spark.read().parquet(adae);
                    Dataset<Row> arms = SubjectAggregator.aggregate(spark, s, e, treatments, List.of(OUTCOME), adsl);
                    List<Row> rows = arms.collectAsList();
                    last[0] = arms;
                    tables.put("spark-agg", armTable(rows));
                    return rows.size();
                }, null));
                System.out.println("== the plan that ran for SubjectAggregator alone (spark-agg, no validation)");
                String t = finalTree(last[0]);
                System.out.println(t);
                planCheck(t);
            }
            if (variants.contains("spark-plain")) {
                times.put("spark-plain", time("spark-plain", reps, () -> plain(spark, adae).collectAsList().size(), null));
            }
        } finally {
            spark.stop();
        }
        HeapMonitor.Peak sparkPeak = heap.peak();

        if (variants.contains("duckdb-full") || variants.contains("duckdb-plain") || variants.contains("duckdb-rules")) {
            Class.forName("org.duckdb.DuckDBDriver");
            try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement st = c.createStatement()) {
                st.execute("SET threads = 2");
                st.execute("SET memory_limit = '" + System.getProperty("bench.duckdbMemory", "8GB") + "'");
                String adslGlob = "'" + adsl + "/*.parquet'";
                String adaeGlob = "'" + adae + "/*.parquet'";
                if (variants.contains("duckdb-rules")) {
                    times.put("duckdb-rules", time("duckdb-rules", reps, () -> {
                        duckResult[0] = AdamRulesDuckDb.run(st, "read_parquet(" + adslGlob + ")",
                                "read_parquet(" + adaeGlob + ")", studiesCsv, treatments);
                        tables.put("duckdb-rules", duckResult[0].arms());
                        return duckResult[0].arms().size();
                    }, null));
                }
                if (variants.contains("duckdb-full")) {
                    String sql = fullSql("read_parquet(" + adslGlob + ")", "read_parquet(" + adaeGlob + ")", treatments);
                    times.put("duckdb-full", time("duckdb-full", reps, () -> {
                        Map<String, Object[]> t = duckArmTable(st, sql);
                        tables.put("duckdb-full", t);
                        return t.size();
                    }, null));
                    try (ResultSet rs = st.executeQuery("EXPLAIN " + sql)) {
                        System.out.println("== DuckDB plan (duckdb-full)");
                        while (rs.next()) {
                            System.out.println(rs.getString(2));
                        }
                    }
                }
                if (variants.contains("duckdb-plain")) {
                    String sql = "SELECT STUDYID, TRTA, count(DISTINCT USUBJID) FROM read_parquet(" + adaeGlob + ") "
                            + "WHERE upper(trim(AEBODSYS)) = 'INFECTIONS AND INFESTATIONS' AND AESER = 'Y' AND TRTEMFL = 'Y' "
                            + "GROUP BY STUDYID, TRTA";
                    times.put("duckdb-plain", time("duckdb-plain", reps, () -> {
                        int n = 0;
                        try (ResultSet rs = st.executeQuery(sql)) {
                            while (rs.next()) {
                                n++;
                            }
                        }
                        return n;
                    }, null));
                }
            }
        }

        if (plan != null) {
            System.out.println("== physical plan of the job's stage (spark-job: arm table), formatted, after the run");
            System.out.println(plan);
            System.out.println("== the plan that ran for the job's arm table (spark-job; AQE final plan)");
            System.out.println(tree);
            System.out.println("== plan check (spark-job)");
            planCheck(tree);
        }
        if (jobResult[0] != null && duckResult[0] != null) {
            System.out.println("== spark-job against duckdb-rules (the same work: every rule, the quarantine, the arm table)");
            String arms = compare(jobResult[0].arms(), duckResult[0].arms());
            System.out.println("  arm table: " + arms);
            if (!arms.startsWith("yes")) {
                failures.add("arm tables differ: " + arms);
            }
            System.out.println("  rejected rows per rule: spark-job " + jobResult[0].rejectedByRule() + "; duckdb-rules "
                    + duckResult[0].rejectedByRule());
            if (!jobResult[0].rejectedByRule().equals(duckResult[0].rejectedByRule())) {
                failures.add("rejected rows per rule differ: spark-job " + jobResult[0].rejectedByRule() + ", duckdb-rules "
                        + duckResult[0].rejectedByRule());
            }
            for (String f : List.of("adsl", "adae")) {
                long[] a = jobResult[0].files().get(f);
                long[] b = duckResult[0].files().get(f);
                System.out.printf(Locale.ROOT, "  %s rows read / rejected: spark-job %,d / %,d; duckdb-rules %,d / %,d%n", f,
                        a[0], a[1], b[0], b[1]);
                if (!Arrays.equals(a, b)) {
                    failures.add(f + " rows read/rejected differ");
                }
            }
            if (jobResult[0].rejectedByRule().isEmpty()) {
                failures.add("no row rejected: the data has no bad rows (ScaledAdam.writeBadRows), the rejects were not compared");
            }
            System.out.println("  agree: " + (failures.isEmpty() ? "yes" : "NO"));
        }
        System.out.println("== arm tables against duckdb-full (no validation: the bad rows' studies are in it, so the "
                + "validated variants differ)");
        for (String k : tables.keySet()) {
            if (!k.equals("duckdb-full") && tables.containsKey("duckdb-full")) {
                System.out.printf(Locale.ROOT, "  %-12s %s%n", k, compare(tables.get(k), tables.get("duckdb-full")));
            }
        }
        System.out.println("== summary (seconds, median of " + reps + " warm repetitions; cold = the first run in this JVM)");
        for (Map.Entry<String, double[]> e : times.entrySet()) {
            System.out.printf(Locale.ROOT, "median %-13s %8.2f   cold %8.2f   reps %s%n", e.getKey(), median(e.getValue()),
                    COLD.get(e.getKey()),
                    Arrays.stream(e.getValue()).mapToObj(x -> String.format(Locale.ROOT, "%.2f", x)).collect(Collectors.joining(" ")));
        }
        ratio(times, "spark-job", "duckdb-rules");
        if (times.containsKey("spark-job") && times.containsKey("duckdb-rules")) {
            System.out.printf(Locale.ROOT, "ratio  %-13s / %-13s %6.2f x (cold)%n", "spark-job", "duckdb-rules",
                    COLD.get("spark-job") / COLD.get("duckdb-rules"));
        }
        ratio(times, "spark-job", "duckdb-full");
        ratio(times, "spark-job-new", "duckdb-full");
        ratio(times, "spark-agg", "duckdb-full");
        ratio(times, "spark-lean", "duckdb-full");
        ratio(times, "spark-plain", "duckdb-plain");
        System.out.printf(Locale.ROOT, "heap max %d MiB; Spark phase: peak used %d MiB (sampled every 10 ms), peak after GC %d MiB; "
                        + "whole run peak used %d MiB%n", Runtime.getRuntime().maxMemory() >> 20, sparkPeak.used() >> 20,
                sparkPeak.afterGc() >> 20, heap.peak().used() >> 20);
        System.out.printf(Locale.ROOT, "rows adae=%d adsl=%d%n", adaeRows, adslRows);
        heap.stop();
        if (!failures.isEmpty()) {
            throw new IllegalStateException("spark-job and duckdb-rules disagree: " + String.join("; ", failures));
        }
    }

    /** The plain Spark plan: read, filter serious treatment-emergent infections, distinct subjects per study and arm. */
    static Dataset<Row> plain(SparkSession spark, String adae) {
        return spark.read().parquet(adae)
                .filter(upper(trim(col("AEBODSYS"))).equalTo("INFECTIONS AND INFESTATIONS")
                        .and(col("AESER").equalTo("Y")).and(col("TRTEMFL").equalTo("Y")))
                .groupBy("STUDYID", "TRTA").agg(countDistinct("USUBJID").as("subjects"));
    }

    /**
     * SubjectAggregator.aggregate for one first-event outcome over the default at-risk window (events dated TRTSDT..TRTEDT
     * or undated), as SQL: same columns, same rules (countDistinct included).
     */
    static String fullSql(String adsl, String adae, List<TreatmentArm> treatments) {
        // adsl, adae: table expressions (read_parquet(...), a subquery)
        String values = treatments.stream().map(t -> "('" + t.treatment() + "', '" + t.role() + "')")
                .collect(Collectors.joining(", "));
        return """
                WITH safety AS (
                  SELECT STUDYID, USUBJID, TRT01A, TRTSDT, TRTEDT FROM %s WHERE SAFFL = 'Y'),
                ev AS (
                  SELECT e.STUDYID, e.USUBJID, count(*) AS cnt, min(e.ASTDT) AS first_dt,
                    count(*) FILTER (WHERE e.ASTDT IS NULL) AS undated
                  FROM %s e JOIN safety w ON e.STUDYID = w.STUDYID AND e.USUBJID = w.USUBJID
                  WHERE upper(trim(e.AEBODSYS)) IN ('INFECTIONS AND INFESTATIONS') AND e.TRTEMFL = 'Y' AND e.AESER = 'Y'
                    AND (e.ASTDT IS NULL OR ((w.TRTSDT IS NULL OR e.ASTDT >= w.TRTSDT) AND (w.TRTEDT IS NULL OR e.ASTDT <= w.TRTEDT)))
                  GROUP BY e.STUDYID, e.USUBJID),
                j AS (
                  SELECT s.STUDYID, s.TRT01A, s.USUBJID, coalesce(e.cnt, 0) AS cnt,
                    CASE WHEN coalesce(e.cnt, 0) > 0
                         THEN CASE WHEN e.undated > 0 THEN NULL
                                   ELSE date_diff('day', s.TRTSDT, least(s.TRTEDT, greatest(e.first_dt, s.TRTSDT))) + 1 END
                         ELSE date_diff('day', s.TRTSDT, s.TRTEDT) + 1 END AS days
                  FROM safety s LEFT JOIN ev e ON s.STUDYID = e.STUDYID AND s.USUBJID = e.USUBJID),
                arms AS (
                  SELECT STUDYID, TRT01A, count(DISTINCT USUBJID) AS n, sum(CASE WHEN cnt > 0 THEN 1 ELSE 0 END) AS events,
                    sum(cnt) AS event_count, sum(days / 365.25) AS py, count(*) FILTER (WHERE days IS NULL) AS py_missing
                  FROM j GROUP BY STUDYID, TRT01A)
                SELECT a.STUDYID, a.TRT01A, a.n, a.events, a.event_count, CASE WHEN a.py_missing = 0 THEN a.py END AS person_years, t.role
                FROM arms a JOIN (VALUES %s) t(treatment, role) ON a.TRT01A = t.treatment
                """.formatted(adsl, adae, values);
    }

    /** Runs an arm-table query of {@link #fullSql}'s shape: study|treatment to n, events, event count, person-years. */
    static Map<String, Object[]> duckArmTable(Statement st, String sql) throws java.sql.SQLException {
        Map<String, Object[]> t = new TreeMap<>();
        try (ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                t.put(rs.getString(1) + "|" + rs.getString(2), new Object[]{rs.getLong(3), rs.getLong(4),
                        rs.getLong(5), rs.getObject(6) == null ? null : rs.getDouble(6)});
            }
        }
        return t;
    }

    public static List<TreatmentArm> treatments() {
        List<TreatmentArm> t = new ArrayList<>();
        for (String[] d : ScaledAdam.DRUGS) {
            t.add(new TreatmentArm(d[0] + " " + d[1] + " mg", "experimental", Double.parseDouble(d[1])));
            t.add(new TreatmentArm(d[0] + " " + d[2] + " mg", "experimental", Double.parseDouble(d[2])));
        }
        t.add(new TreatmentArm("Placebo", "control", null));
        return t;
    }

    static Map<String, Object[]> armTable(List<Row> rows) {
        Map<String, Object[]> t = new TreeMap<>();
        for (Row r : rows) {
            t.put(r.getAs("study_id") + "|" + r.getAs("arm_id"), new Object[]{r.<Long>getAs("n"), r.<Long>getAs("events"),
                    r.<Long>getAs("event_count"), r.getAs("person_years")});
        }
        return t;
    }

    static String compare(Map<String, Object[]> a, Map<String, Object[]> b) {
        if (!a.keySet().equals(b.keySet())) {
            return "NO: arms differ (" + a.size() + " vs " + b.size() + ")";
        }
        int bad = 0;
        for (String k : a.keySet()) {
            Object[] x = a.get(k);
            Object[] y = b.get(k);
            boolean same = ((Number) x[0]).longValue() == ((Number) y[0]).longValue()
                    && ((Number) x[1]).longValue() == ((Number) y[1]).longValue()
                    && ((Number) x[2]).longValue() == ((Number) y[2]).longValue()
                    && (x[3] == null ? y[3] == null : y[3] != null
                    && Math.abs((Double) x[3] - (Double) y[3]) <= 1e-9 * Math.max(1, Math.abs((Double) y[3])));
            if (!same) {
                bad++;
            }
        }
        return bad == 0 ? "yes (" + a.size() + " arms: n, events, event_count, person_years)" : "NO: " + bad + " arms differ";
    }

    /**
     * The plan that ran, as a tree: AQE's final plan with query stages opened and cached relations (computed in the same
     * repetition) shown under their scan; whole-stage-codegen wrappers left out, long lines cut.
     */
    static String finalTree(Dataset<Row> ds) {
        StringBuilder out = new StringBuilder();
        walk(ds.queryExecution().executedPlan(), 0, out);
        return out.toString();
    }

    private static void walk(SparkPlan p, int depth, StringBuilder out) {
        if (p instanceof AdaptiveSparkPlanExec a) {
            walk(a.executedPlan(), depth, out);
            return;
        }
        if (p instanceof QueryStageExec q) {
            walk(q.plan(), depth, out);
            return;
        }
        if (p instanceof WholeStageCodegenExec || p instanceof InputAdapter) {
            walk(p.children().head(), depth, out);
            return;
        }
        String line = p.simpleString(25).replaceAll("#\\d+L?", "");
        if (p instanceof FileSourceScanExec) {
            if (Boolean.getBoolean("bench.rawScans")) {
                System.out.println("raw scan: " + line);
            }
            Matcher m = Pattern.compile("Location: [^\\[]*\\[[^\\]]*/([^/\\]]+)\\]").matcher(line);
            Matcher f = Pattern.compile("PushedFilters: (\\[.*?), ReadSchema").matcher(line);
            Matcher r = Pattern.compile("ReadSchema: (.*)$").matcher(line);
            line = "FileScan parquet " + (m.find() ? m.group(1) : "?") + " PushedFilters: " + (f.find() ? f.group(1) : "[]")
                    + " ReadSchema: " + (r.find() ? r.group(1) : "?");
        } else if (line.length() > 150) {
            line = line.substring(0, 150) + " ...";
        }
        out.append("  ".repeat(depth)).append(line).append('\n');
        if (p instanceof InMemoryTableScanExec m) {
            out.append("  ".repeat(depth + 1)).append("(cached relation, computed in the same repetition:)\n");
            walk(m.relation().cachedPlan(), depth + 2, out);
        }
        for (SparkPlan c : CollectionConverters.asJava(p.children())) {
            walk(c, depth + 1, out);
        }
    }

    /** Scans (pruned columns, pushed filters) and operator counts, from the tree. */
    static void planCheck(String tree) {
        tree.lines().filter(l -> l.contains("FileScan")).map(String::trim).distinct().forEach(l -> System.out.println("  " + l));
        System.out.printf(Locale.ROOT, "  operators: FileScan %d, InMemoryTableScan %d, shuffle Exchange %d, BroadcastExchange %d, "
                        + "SortMergeJoin %d, BroadcastHashJoin %d, BroadcastNestedLoopJoin %d, HashAggregate %d, SortAggregate %d, "
                        + "Window %d, Expand %d, Sort %d, UDF %s; the driver collects only the arm table%n",
                count(tree, "FileScan"), count(tree, "InMemoryTableScan"), count(tree, "(?m)^\\s*Exchange "),
                count(tree, "BroadcastExchange"), count(tree, "SortMergeJoin"), count(tree, "BroadcastHashJoin"),
                count(tree, "BroadcastNestedLoopJoin"), count(tree, "(?m)^\\s*HashAggregate"), count(tree, "(?m)^\\s*SortAggregate"),
                count(tree, "(?m)^\\s*Window"), count(tree, "(?m)^\\s*Expand"), count(tree, "(?m)^\\s*Sort \\["),
                tree.contains("UDF") ? "present" : "none");
        // AEPOOL_COMET=1 (jobs/bench.sh): the operators DataFusion Comet runs natively, and those left to Spark
        Map<String, Integer> comet = new TreeMap<>();
        Map<String, Integer> spark = new TreeMap<>();
        tree.lines().map(String::trim).filter(l -> !l.isEmpty()).map(l -> l.split("[ (\\[]", 2)[0])
                .forEach(op -> (op.startsWith("Comet") ? comet : spark).merge(op, 1, Integer::sum));
        if (!comet.isEmpty()) {
            System.out.println("  Comet operators " + comet + "; left to Spark " + spark);
        }
    }

    private static int count(String s, String regex) {
        Matcher m = Pattern.compile(regex).matcher(s);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    private static void ratio(Map<String, double[]> times, String a, String b) {
        if (times.containsKey(a) && times.containsKey(b)) {
            System.out.printf(Locale.ROOT, "ratio  %-13s / %-13s %6.2f x%n", a, b, median(times.get(a)) / median(times.get(b)));
        }
    }

    static double median(double[] x) {
        double[] s = x.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    // the first (cold) run of each variant, seconds
    private static final Map<String, Double> COLD = new LinkedHashMap<>();

    /**
     * One warm-up (timed: the cold figure), then {@code reps} timed runs (seconds); with {@code jobs}, the last run's
     * Spark jobs are kept.
     */
    private static double[] time(String name, int reps, Callable<Integer> run, JobTimes jobs) throws Exception {
        long c0 = System.nanoTime();
        run.call();
        COLD.put(name, (System.nanoTime() - c0) / 1e9);
        double[] t = new double[reps];
        for (int i = 0; i < reps; i++) {
            if (jobs != null && i == reps - 1) {
                jobs.reset();
            }
            long t0 = System.nanoTime();
            run.call();
            t[i] = (System.nanoTime() - t0) / 1e9;
            if (jobs != null && i == reps - 1) {
                jobs.freeze();
            }
        }
        return t;
    }

    /** Wall time, input and shuffle bytes of each SQL execution (one action: count, collect...; its jobs), by call site. */
    static final class JobTimes extends SparkListener {
        private final Map<Long, String> site = new ConcurrentHashMap<>();
        private final Map<Long, String> plans = new ConcurrentHashMap<>();
        private final Map<Long, long[]> perExec = new ConcurrentHashMap<>(); // start, end, input bytes, shuffle bytes written, jobs
        private final Map<Integer, Long> stageExec = new ConcurrentHashMap<>();
        private final List<Long> order = java.util.Collections.synchronizedList(new ArrayList<>());
        private volatile long from = Long.MAX_VALUE;
        private volatile long to = Long.MAX_VALUE;

        void reset() {
            from = System.currentTimeMillis();
            to = Long.MAX_VALUE;
        }

        void freeze() {
            to = System.currentTimeMillis();
        }

        @Override
        public void onOtherEvent(SparkListenerEvent e) {
            if (e instanceof SparkListenerSQLExecutionStart s && s.rootExecutionId().getOrElse(() -> s.executionId())
                    .equals(s.executionId())) {
                site.put(s.executionId(), s.description());
                plans.put(s.executionId(), s.physicalPlanDescription());
                perExec.put(s.executionId(), new long[]{s.time(), 0, 0, 0, 0});
                order.add(s.executionId());
            } else if (e instanceof SparkListenerSQLExecutionEnd end && perExec.containsKey(end.executionId())) {
                perExec.get(end.executionId())[1] = end.time();
            }
        }

        @Override
        public void onJobStart(SparkListenerJobStart e) {
            String id = e.properties() == null ? null : e.properties().getProperty("spark.sql.execution.root.id",
                    e.properties().getProperty("spark.sql.execution.id"));
            if (id != null) {
                long exec = Long.parseLong(id);
                e.stageIds().foreach(s -> stageExec.put((Integer) s, exec));
                long[] p = perExec.get(exec);
                if (p != null) {
                    synchronized (p) {
                        p[4]++;
                    }
                }
            }
        }

        @Override
        public void onTaskEnd(SparkListenerTaskEnd e) {
            Long exec = stageExec.get(e.stageId());
            long[] p = exec == null ? null : perExec.get(exec);
            if (p != null && e.taskMetrics() != null) {
                synchronized (p) {
                    p[2] += e.taskMetrics().inputMetrics().bytesRead();
                    p[3] += e.taskMetrics().shuffleWriteMetrics().bytesWritten();
                }
            }
        }

        /** The physical plan of each SQL execution of the last frozen run whose call site contains {@code where}. */
        void printPlans(String where) {
            for (Long x : new ArrayList<>(order)) {
                long[] p = perExec.get(x);
                if (p[0] < from || p[0] > to || !String.valueOf(site.get(x)).contains(where)) {
                    continue;
                }
                System.out.println("-- " + site.get(x));
                System.out.println(plans.get(x));
            }
        }

        void printLast() {
            for (Long x : new ArrayList<>(order)) {
                long[] p = perExec.get(x);
                if (p[0] < from || p[0] > to) {
                    continue;
                }
                System.out.printf(Locale.ROOT, "  %-40s %7.2f s  %2d jobs  read %,7d MiB  shuffle written %,7d MiB%n", site.get(x),
                        (p[1] - p[0]) / 1e3, p[4], p[2] >> 20, p[3] >> 20);
            }
        }
    }

    /** Peak heap: used heap sampled every 10 ms, and the largest heap occupancy left after any GC (the live set). */
    static final class HeapMonitor {
        record Peak(long used, long afterGc) {
        }

        private final AtomicLong used = new AtomicLong();
        private final AtomicLong afterGc = new AtomicLong();
        private volatile boolean running = true;

        static HeapMonitor start() {
            HeapMonitor m = new HeapMonitor();
            Thread t = new Thread(() -> {
                while (m.running) {
                    m.used.accumulateAndGet(ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed(), Math::max);
                    try {
                        Thread.sleep(10);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "heap-monitor");
            t.setDaemon(true);
            t.start();
            for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
                ((NotificationEmitter) gc).addNotificationListener((n, h) -> {
                    if (GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType())) {
                        GarbageCollectionNotificationInfo info = GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData());
                        long total = 0;
                        for (Map.Entry<String, MemoryUsage> e : info.getGcInfo().getMemoryUsageAfterGc().entrySet()) {
                            if (!e.getKey().contains("Metaspace") && !e.getKey().contains("Code") && !e.getKey().contains("Compressed")) {
                                total += e.getValue().getUsed();
                            }
                        }
                        m.afterGc.accumulateAndGet(total, Math::max);
                    }
                }, null, null);
            }
            return m;
        }

        Peak peak() {
            return new Peak(used.get(), afterGc.get());
        }

        void stop() {
            running = false;
        }
    }
}
