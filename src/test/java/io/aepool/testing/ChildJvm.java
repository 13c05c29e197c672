package io.aepool.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one way a test starts another JVM (a job to kill, a Spark master, worker or driver): this JDK's {@code java},
 * Spark's Java 17 {@code --add-opens} list (read from pom.xml, where it is kept once) and the tests' quiet log
 * config, so a child logs at WARN like the test JVM does instead of Spark's INFO defaults. A child whose class path
 * lacks {@code target/test-classes} (the cluster test's {@code $SPARK_HOME/jars/*}) would otherwise fall back to
 * Spark's {@code log4j2-defaults.properties}, INFO for everything.
 */
public final class ChildJvm {

    /** The tests' log config on the class path (everything at warn). */
    private static final String LOG_CONFIG = "log4j2-test.properties";

    private ChildJvm() {
    }

    /** {@code java -XmxHEAP}, headless, Spark's opens and the quiet log config, with {@code classPath}; no main class yet. */
    public static List<String> java(String heap, String classPath, String logConfigOption) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add(heap);
        cmd.add("-Djava.awt.headless=true");
        cmd.add(logConfigOption);
        cmd.addAll(sparkOpens());
        cmd.addAll(List.of("-cp", classPath));
        return cmd;
    }

    /** A command running {@code mainClass args} on this test JVM's class path with 1 GB of heap, logging quietly. */
    public static List<String> command(String mainClass, String... args) {
        List<String> cmd = new ArrayList<>(java("-Xmx1g", System.getProperty("java.class.path"), logConfigOption()));
        cmd.add(mainClass);
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** Starts {@code cmd} with stdout and stderr into {@code log}; {@code env} replaces any inherited SPARK_* variable. */
    public static Process start(List<String> cmd, Path log, Map<String, String> env) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        if (!env.isEmpty()) {
            pb.environment().keySet().removeIf(k -> k.startsWith("SPARK_") || k.startsWith("PYSPARK_"));
            pb.environment().putAll(env);
        }
        return pb.start();
    }

    /** {@code -Dlog4j2.configurationFile=} the tests' quiet config (an absolute path, valid on any class path). */
    public static String logConfigOption() {
        return "-Dlog4j2.configurationFile=" + testLogConfig();
    }

    /**
     * {@code -Dlog4j2.configurationFile=} a copy of the quiet config, written into {@code dir}, that also logs the
     * named loggers at INFO: for a test that reads a child's INFO lines (a worker registering, tasks finishing).
     */
    public static String logConfigOption(Path dir, String... infoLoggers) {
        try {
            StringBuilder config = new StringBuilder(Files.readString(testLogConfig()));
            config.append("\n# loggers the test reads at INFO (ChildJvm.logConfigOption)\n");
            for (int i = 0; i < infoLoggers.length; i++) {
                config.append("logger.child").append(i).append(".name = ").append(infoLoggers[i]).append('\n');
                config.append("logger.child").append(i).append(".level = info\n");
            }
            Path file = Files.writeString(Files.createDirectories(dir).resolve("log4j2-child.properties"), config);
            return "-Dlog4j2.configurationFile=" + file.toAbsolutePath();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Spark's Java 17 options, {@code <spark.jvm.opens>} in pom.xml (the same list surefire and run-local.sh use). */
    public static List<String> sparkOpens() {
        try {
            String pom = Files.readString(Path.of("pom.xml"));
            Matcher m = Pattern.compile("<spark.jvm.opens>(.*?)</spark.jvm.opens>").matcher(pom);
            if (!m.find()) {
                throw new IllegalStateException("pom.xml names no <spark.jvm.opens> list");
            }
            return Arrays.asList(m.group(1).trim().split("\\s+"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path testLogConfig() {
        URL url = ChildJvm.class.getClassLoader().getResource(LOG_CONFIG);
        if (url == null || !"file".equals(url.getProtocol())) {
            throw new IllegalStateException(LOG_CONFIG + " is not a file on the test class path: " + url);
        }
        try {
            return Path.of(url.toURI()).toAbsolutePath();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The class path entries of this JVM, for a test that lays them out elsewhere (a SPARK_HOME/jars directory). */
    public static List<Path> classPath() {
        return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .map(p -> Path.of(p).toAbsolutePath()).toList();
    }
}
