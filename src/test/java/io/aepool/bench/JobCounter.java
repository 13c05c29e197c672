package io.aepool.bench;

import org.apache.spark.SparkConf;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobEnd;
import org.apache.spark.scheduler.SparkListenerEvent;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.StageInfo;
import org.apache.spark.sql.execution.ui.SparkListenerSQLExecutionStart;
import scala.jdk.javaapi.CollectionConverters;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Counts a run's Spark jobs (docs/benchmarks.md, "Half the Spark jobs"; {@code jobs/bench-sample.sh}). Registered by
 * {@code spark.extraListeners=io.aepool.bench.JobCounter} with the file to write in {@code spark.aepool.jobCounter.file}:
 * one tab-separated line per finished job, written and flushed as the job ends (so nothing is lost when the JVM exits
 * without stopping the context): job id, job group ({@code spark.jobGroup.id}, {@code -} when none), milliseconds
 * from submission to end, the result ({@code ok} or the failure's class), the number of stages (skipped ones
 * included), the call site of the job's result stage (e.g. {@code collectAsList at Validation.java:195}; a job that
 * adaptive query execution submits for a shuffle or broadcast stage names a thread-pool frame) and the SQL query it
 * belongs to: its execution id and the first frame of our code ({@code io.aepool}) in the query's call stack, i.e.
 * the line whose action ran the query ({@code -} outside a query).
 * Nothing of the job's data is read: it sees the scheduler's events only.
 */
public final class JobCounter extends SparkListener {

    /** The Spark conf key naming the output file. */
    public static final String FILE_KEY = "spark.aepool.jobCounter.file";

    private record Started(String group, long submitted, int stages, String callSite, String query) {
    }

    private final Path file;
    private final Map<Integer, Started> running = new ConcurrentHashMap<>();
    // SQL execution id -> the first io.aepool frame of its call stack
    private final Map<Long, String> queries = new ConcurrentHashMap<>();

    public JobCounter(SparkConf conf) {
        String f = conf.get(FILE_KEY, System.getenv().getOrDefault("AEPOOL_JOB_COUNTER_FILE", ""));
        if (f.isEmpty()) {
            throw new IllegalArgumentException(FILE_KEY + " (or AEPOOL_JOB_COUNTER_FILE) must name the output file");
        }
        this.file = Path.of(f);
    }

    @Override
    public void onJobStart(SparkListenerJobStart job) {
        Properties p = job.properties();
        String group = p == null ? null : p.getProperty("spark.jobGroup.id");
        StageInfo result = CollectionConverters.asJava(job.stageInfos()).stream()
                .max(Comparator.comparingInt(StageInfo::stageId)).orElse(null);
        String execution = p == null ? null : p.getProperty("spark.sql.execution.id");
        String query = "-";
        if (execution != null) {
            query = "sql " + execution + " " + queries.getOrDefault(Long.parseLong(execution), "?");
        }
        running.put(job.jobId(), new Started(group == null ? "-" : group, job.time(), job.stageInfos().size(),
                result == null ? "-" : result.name(), query));
    }

    @Override
    public void onOtherEvent(SparkListenerEvent event) {
        if (event instanceof SparkListenerSQLExecutionStart start) {
            String frame = "?";
            for (String line : start.details().split("\n")) {
                String l = line.trim();
                if (l.startsWith("io.aepool.")) {
                    frame = l;
                    break;
                }
            }
            queries.put(start.executionId(), frame);
        }
    }

    @Override
    public void onJobEnd(SparkListenerJobEnd job) {
        Started s = running.remove(job.jobId());
        if (s == null) {
            return;
        }
        String outcome = job.jobResult().getClass().getSimpleName().replace("$", "");
        String line = job.jobId() + "\t" + s.group() + "\t" + (job.time() - s.submitted()) + "\t"
                + (outcome.startsWith("JobSucceeded") ? "ok" : outcome) + "\t" + s.stages() + "\t"
                + s.callSite().replace('\t', ' ') + "\t" + s.query() + "\n";
        synchronized (this) {
            try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND)) {
                w.write(line);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
