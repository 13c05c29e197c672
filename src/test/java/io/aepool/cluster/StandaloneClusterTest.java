package io.aepool.cluster;

import io.aepool.cli.Main;
import io.aepool.testing.ChildJvm;
import io.aepool.testing.SharedSpark;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The job submitted to a real Spark standalone cluster (a master and one worker on 127.0.0.1, started from the
 * Maven-resolved Spark jars) with {@code --deploy-mode client} publishes CSV results byte-identical to a local-mode
 * run of the same conf: closures serialize, our classes reach the executors through the application jar, and
 * nothing depends on driver-local state. The executors are separate JVMs launched by the worker.
 *
 * <p>The worker launches executors from {@code $SPARK_HOME/jars/*}, so SPARK_HOME is a temporary directory whose
 * {@code jars/} links every jar of this JVM's class path (Spark, Hadoop, Parquet and the small dependencies; the test
 * frameworks' jars are harmless). {@code SPARK_SCALA_VERSION=2.13} stops the launcher looking for build
 * directories; {@code SPARK_LOCAL_IP=127.0.0.1} keeps everything on the loopback interface.
 */
@ExtendWith(SharedSpark.class)
class StandaloneClusterTest {

    private static final Path ADSL = Path.of("src/test/resources/cdisc-pilot/adsl.parquet").toAbsolutePath();
    private static final Path ADAE = Path.of("src/test/resources/cdisc-pilot/adae.parquet").toAbsolutePath();
    private static final Path ARM_COUNTS = Path.of("sample-data/published/arm_counts.csv").toAbsolutePath();
    private static final Path STUDIES = Path.of("sample-data/published/studies.csv").toAbsolutePath();

    @TempDir(cleanup = CleanupMode.ON_SUCCESS) // a failed run keeps its logs and outputs
    Path dir;

    @Test
    void aStandaloneClusterPublishesTheLocalModeResults(SparkSession spark) throws Exception {
        long start = System.nanoTime();
        List<String> opens = ChildJvm.sparkOpens();
        // every JVM of the cluster logs at WARN but for the lines this test waits for or counts: the worker
        // registering, the driver granted executors, the executors finishing tasks
        String logConfig = ChildJvm.logConfigOption(dir, "org.apache.spark.deploy.worker.Worker",
                "org.apache.spark.scheduler.cluster.StandaloneSchedulerBackend", "org.apache.spark.executor");
        Path conf = writeConf();

        // SPARK_HOME/jars: the Spark distribution the worker launches executors from
        Path sparkHome = Files.createDirectories(dir.resolve("spark-home"));
        Path jars = Files.createDirectories(sparkHome.resolve("jars"));
        Path mainClasses = null;
        Set<String> names = new HashSet<>();
        int duplicates = 0;
        for (Path p : ChildJvm.classPath()) {
            if (Files.isDirectory(p) && Files.exists(p.resolve("io/aepool/cli/Main.class"))) {
                mainClasses = p;
            } else if (Files.isRegularFile(p) && p.getFileName().toString().endsWith(".jar")) {
                String name = p.getFileName().toString();
                Files.createSymbolicLink(jars.resolve(names.add(name) ? name : ++duplicates + "-" + name), p);
            }
        }
        assertTrue(mainClasses != null, "the compiled main classes are on the test class path");
        assertTrue(Files.exists(jars.resolve("spark-core_2.13-" + spark.version() + ".jar")),
                "spark-core is among the linked jars");
        // the application jar: our compiled classes and resources only, as spark-submit ships it to the executors
        Path appJar = writeJar(mainClasses, dir.resolve("aepool-app.jar"));

        Path work = Files.createDirectories(dir.resolve("work"));
        Map<String, String> env = Map.of("SPARK_HOME", sparkHome.toString(), "SPARK_SCALA_VERSION", "2.13",
                "SPARK_LOCAL_IP", "127.0.0.1");
        int masterPort = freePort();
        String masterUrl = "spark://127.0.0.1:" + masterPort;
        Process master = null;
        Process worker = null;
        List<ProcessHandle> executors = new ArrayList<>();
        try {
            master = start(env, dir.resolve("master.log"), logConfig, "-Xmx512m", "org.apache.spark.deploy.master.Master",
                    "--host", "127.0.0.1", "--port", String.valueOf(masterPort), "--webui-port", String.valueOf(freePort()));
            worker = start(env, dir.resolve("worker.log"), logConfig, "-Xmx512m", "org.apache.spark.deploy.worker.Worker",
                    "--host", "127.0.0.1", "--cores", "2", "--memory", "1g", "--work-dir", work.toString(),
                    "--webui-port", String.valueOf(freePort()), masterUrl);

            // the local-mode run while the cluster starts
            long localStart = System.nanoTime();
            Path local = dir.resolve("out-local");
            assertEquals(Main.DONE, Main.run("--conf", conf.toString(), "--out", local.toString()));
            long localSeconds = seconds(localStart);
            System.out.printf("StandaloneClusterTest: local run %d s (%s)%n", localSeconds, dir);

            long waitStart = System.nanoTime();
            awaitLine(dir.resolve("worker.log"), "Successfully registered with master", 120, master, worker);
            long clusterUpSeconds = seconds(start);
            long waitedSeconds = seconds(waitStart);
            System.out.printf("StandaloneClusterTest: worker registered after %d s (%d s after the local run)%n",
                    clusterUpSeconds, waitedSeconds);

            long clusterStart = System.nanoTime();
            Path clustered = dir.resolve("out-cluster");
            List<String> submit = new ArrayList<>(ChildJvm.java("-Xmx1g", jars.resolve("*").toString(), logConfig));
            submit.addAll(List.of("org.apache.spark.deploy.SparkSubmit",
                    "--master", masterUrl, "--deploy-mode", "client",
                    "--conf", "spark.ui.enabled=false",
                    "--conf", "spark.executor.memory=512m",
                    "--conf", "spark.executor.cores=1",
                    "--conf", "spark.cores.max=2",
                    "--conf", "spark.sql.shuffle.partitions=4",
                    "--conf", "spark.sql.session.timeZone=UTC",
                    "--conf", "spark.driver.extraJavaOptions=" + String.join(" ", opens),
                    "--conf", "spark.executor.extraJavaOptions=" + logConfig + " " + String.join(" ", opens),
                    "--class", "io.aepool.cli.Main", appJar.toString(),
                    "--conf", conf.toString(), "--out", clustered.toString()));
            Path driverLog = dir.resolve("driver.log");
            Process driver = ChildJvm.start(submit, driverLog, env);
            try {
                if (!driver.waitFor(240, TimeUnit.SECONDS)) {
                    fail("the cluster run did not finish in 240 s; driver log:\n" + tail(driverLog));
                }
            } finally {
                executors.addAll(worker.descendants().toList());
                stop(driver);
            }
            assertEquals(0, driver.exitValue(), "cluster run exit code; driver log:\n" + tail(driverLog));
            long clusterSeconds = seconds(clusterStart);

            // the work ran on the worker's executors, not in the driver
            String driverText = Files.readString(driverLog);
            assertTrue(driverText.contains("Granted executor ID"), "the master granted executors:\n" + tail(driverLog));
            List<Path> executorLogs;
            try (Stream<Path> walk = Files.walk(work)) {
                executorLogs = walk.filter(p -> p.getFileName().toString().equals("stderr")).toList();
            }
            assertFalse(executorLogs.isEmpty(), "the worker launched executors under " + work);
            long tasks = 0;
            for (Path log : executorLogs) {
                tasks += Files.readAllLines(log).stream().filter(l -> l.contains("Finished task")).count();
            }
            assertTrue(tasks > 0, "the executors ran tasks: " + executorLogs);

            List<String> csvs = csvFiles(local);
            assertTrue(csvs.containsAll(List.of("analyses.csv", "study_counts.csv", "forest.csv", "influence.csv")),
                    "csv files: " + csvs);
            assertEquals(csvs, csvFiles(clustered), "the same CSV files");
            for (String f : csvs) {
                assertArrayEquals(Files.readAllBytes(local.resolve(f)), Files.readAllBytes(clustered.resolve(f)),
                        f + " differs between local mode and the standalone cluster");
            }
            // the Delta tables the cluster's executors wrote read back as the local run's, one version each
            for (String table : List.of("analyses", "study_counts", "influence")) {
                String written = clustered.resolve("tables").resolve(table).toString();
                assertEquals(1L, io.delta.tables.DeltaTable.forPath(spark, written).history().count(), table);
                assertEquals(sortedRows(spark.read().format("delta").load(local.resolve("tables").resolve(table)
                        .toString())), sortedRows(spark.read().format("delta").load(written)), table);
            }
            System.out.printf("StandaloneClusterTest: local run %d s, cluster up after %d s (waited %d s), cluster run"
                            + " %d s on %d executor(s) / %d tasks, %d CSV files identical, total %d s%n",
                    localSeconds, clusterUpSeconds, waitedSeconds, clusterSeconds, executorLogs.size(), tasks,
                    csvs.size(), seconds(start));
        } finally {
            if (worker != null) {
                executors.addAll(worker.descendants().toList());
            }
            stop(worker);
            stop(master);
            for (ProcessHandle executor : executors) {
                stop(executor);
            }
        }
    }

    private static List<String> sortedRows(org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> table) {
        return table.collectAsList().stream().map(Object::toString).sorted().toList();
    }

    /**
     * Published arm counts (13 trials) and the CDISC pilot ADaM pair: the ADaM aggregation runs on the executors. The
     * results tables are published as Delta tables too (a plain run's default is Parquet alone).
     */
    private Path writeConf() throws IOException {
        List<String> studies = new ArrayList<>(Files.readAllLines(STUDIES));
        assertEquals("study_id,acronym,condition,drug,year,design,control_type,weeks,source,evidence", studies.get(0));
        studies.add("CDISCPILOT01,CDISC pilot,alzheimer disease,xanomeline,2013,rct,placebo,26,PHUSE test data,test");
        Files.write(dir.resolve("studies.csv"), studies);
        Path conf = dir.resolve("job.yaml");
        Files.writeString(conf, """
                inputs:
                  studies: studies.csv
                  arm_counts: [%s]
                  adam: [{adsl: %s, adae: %s}]
                treatments:
                  - {treatment: "Xanomeline High Dose", role: experimental, dose_mg: 81}
                  - {treatment: "Xanomeline Low Dose", role: experimental, dose_mg: 54}
                  - {treatment: "Placebo", role: control}
                outcomes:
                  - {name: serious_infection, socs: [Infections and infestations]}
                  - {name: any_infection, serious: false, socs: [Infections and infestations]}
                analysis:
                  measures: [RR, OR, RD]
                  methods: [MH, IV, DL, REML]
                  ci_methods: [wald-z, hksj]
                  leave_one_out: true
                  cumulative: true
                  subgroups: [condition]
                  meta_regression: [year]
                outputs:
                  table_format: delta
                """.formatted(ARM_COUNTS, ADSL, ADAE));
        return conf;
    }

    /**
     * A Spark JVM on the SPARK_HOME jars, logging through {@code logConfig} (quiet, with the INFO loggers the test
     * reads): the jars hold no log config, so without it Spark would log everything at INFO.
     */
    private Process start(Map<String, String> env, Path log, String logConfig, String heap, String... mainAndArgs)
            throws IOException {
        List<String> cmd = new ArrayList<>(ChildJvm.java(heap, dir.resolve("spark-home/jars/*").toString(), logConfig));
        cmd.addAll(List.of(mainAndArgs));
        return ChildJvm.start(cmd, log, env);
    }

    private static void awaitLine(Path log, String line, int timeoutSeconds, Process... alive)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        while (System.nanoTime() < deadline) {
            if (Files.exists(log) && Files.readString(log).contains(line)) {
                return;
            }
            for (Process p : alive) {
                if (!p.isAlive()) {
                    fail("a cluster process exited (" + p.exitValue() + ") before \"" + line + "\"; " + log + ":\n"
                            + tail(log));
                }
            }
            Thread.sleep(200);
        }
        fail("no \"" + line + "\" in " + timeoutSeconds + " s; " + log + ":\n" + tail(log));
    }

    /** Stops a process by its PID: SIGTERM, then SIGKILL after 15 s; waits for it. */
    private static void stop(Process p) throws InterruptedException {
        if (p != null) {
            stop(p.toHandle());
        }
    }

    private static void stop(ProcessHandle p) throws InterruptedException {
        if (!p.isAlive()) {
            return;
        }
        p.destroy();
        try {
            p.onExit().get(15, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
            p.destroyForcibly();
            try {
                p.onExit().get(15, TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException ignored) {
                System.err.println("StandaloneClusterTest: process " + p.pid() + " did not exit after SIGKILL");
            }
        }
    }

    private static Path writeJar(Path classes, Path jar) throws IOException {
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, "io.aepool.cli.Main");
        List<Path> files;
        try (Stream<Path> walk = Files.walk(classes)) {
            files = walk.filter(Files::isRegularFile).sorted().toList();
        }
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream jarOut = new JarOutputStream(out, manifest)) {
            for (Path f : files) {
                jarOut.putNextEntry(new JarEntry(classes.relativize(f).toString().replace(File.separatorChar, '/')));
                Files.copy(f, jarOut);
                jarOut.closeEntry();
            }
        }
        return jar;
    }

    private static List<String> csvFiles(Path out) throws IOException {
        try (Stream<Path> list = Files.list(out)) {
            return list.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".csv")).sorted().toList();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static long seconds(long since) {
        return TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - since);
    }

    private static String tail(Path log) throws IOException {
        if (!Files.exists(log)) {
            return "(no log)";
        }
        List<String> lines = Files.readAllLines(log);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
    }
}
