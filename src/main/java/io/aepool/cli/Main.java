package io.aepool.cli;

import io.aepool.ingest.InputException;
import io.aepool.stats.InvalidStudyException;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * Entry point for spark-submit. Exit codes: 0 done (or up to date), 1 internal error, 2 bad input or conf,
 * 3 done with a flagged change against the previous run (nightly alerts).
 */
@Command(name = "aepool", mixinStandardHelpOptions = true, version = "aepool 0.1.0",
        description = "Pools adverse-event risk across trials and registries: reads the inputs named in the conf,"
                + " runs the grid of meta-analyses as Spark tasks and publishes the results under --out.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:done, or up to date (nightly run with unchanged inputs, conf and code)", "1:internal error",
                "2:bad input or conf, or (--strict) any rejected input row (nothing was published)",
                "3:done with a flagged change against the previous run (nightly; see changes.csv)"})
public final class Main implements Callable<Integer> {

    public static final int DONE = 0;
    public static final int INTERNAL_ERROR = 1;
    public static final int BAD_INPUT = 2;
    public static final int FLAGGED_CHANGE = 3;

    @Option(names = "--nightly", description = "treat --out as a run history: runs/<run_id>/ plus a current link;"
            + " skip when nothing changed, report changes against the current run, prune old runs")
    boolean nightly;

    @Option(names = "--force", description = "with --nightly: run even when the inputs' fingerprint is unchanged")
    boolean force;

    @Option(names = "--full", description = "with --nightly: recompute registry aggregates from every extract"
            + " partition instead of resuming from the private state of the previous run (the state is rewritten;"
            + " implies --force)")
    boolean full;

    @Option(names = "--strict", description = "any input row rejected by validation stops the run with exit code 2"
            + " and nothing is published (default: such rows are quarantined to rejects.csv, the run goes on and"
            + " prints 'quarantined'); also conf validation.strict: true")
    boolean strict;

    @Option(names = "--as-of", paramLabel = "YYYY-MM-DD", description = "read registry extracts up to this date"
            + " (default: every extract; with --nightly the newest extract date)")
    java.time.LocalDate asOf;

    @Option(names = "--conf", required = true, description = "job conf (YAML), e.g. conf/sample.yaml")
    Path conf;

    @Option(names = "--out", required = true, description = "results directory; replaced only when the run succeeds")
    Path out;

    public static void main(String[] args) {
        int code;
        try {
            code = run(args);
        } finally {
            SparkSession.getActiveSession().foreach(s -> {
                s.stop();
                return null;
            });
        }
        System.exit(code);
    }

    /** Runs the CLI and returns the exit code (tests call this instead of main). */
    public static int run(String... args) {
        CommandLine cli = new CommandLine(new Main());
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (e instanceof InputException || e instanceof ConfException || e instanceof InvalidStudyException
                    || e instanceof RejectedRowsException) {
                System.err.println("aepool: " + e.getMessage());
                System.err.println("aepool: nothing was published; the previous results (if any) are untouched.");
                return BAD_INPUT;
            }
            System.err.println("aepool: internal error: " + e);
            e.printStackTrace(System.err);
            return INTERNAL_ERROR;
        });
        cli.setExitCodeExceptionMapper(e -> BAD_INPUT);
        return cli.execute(args);
    }

    @Override
    public Integer call() {
        JobConf jobConf = JobConf.load(conf);
        SparkSession spark = session();
        RunOutcome outcome = new JobRunner(spark, jobConf, conf).run(out, new JobRunner.Mode(nightly, force, asOf, full,
                strict || jobConf.strictValidation()));
        if (outcome.upToDate()) {
            System.out.println("aepool: up to date: inputs, conf and code are unchanged since the current run in " + out
                    + " (use --force to run anyway)");
            long rejected = io.aepool.publish.RunHistory.rejectedRows(io.aepool.publish.RunHistory.current(out).orElse(null));
            if (rejected > 0) {
                // the results still served left rows out: said on every run, so a scheduler's grep sees it
                System.out.println("aepool: quarantined: the current run excluded " + rejected + " input row"
                        + (rejected == 1 ? "" : "s") + " by validation (see "
                        + out.resolve("current").resolve("rejects.csv").toAbsolutePath().normalize() + ")");
            }
            return DONE;
        }
        System.out.println(ConsoleSummary.render(outcome));
        if (outcome.flaggedChanges() > 0) {
            System.out.println("aepool: " + outcome.flaggedChanges() + " flagged change(s) against the previous run: see "
                    + out.resolve("current").resolve("changes.csv"));
            return FLAGGED_CHANGE;
        }
        return DONE;
    }

    // spark-submit sets the master; a direct java launch (IDE, tests) falls back to all local cores.
    private static SparkSession session() {
        SparkConf sparkConf = new SparkConf().setAppName("aepool");
        if (!sparkConf.contains("spark.master")) {
            sparkConf.setMaster("local[*]");
        }
        // plans over cached validated inputs nest deeply; their full text (built for every SQL event) can exhaust the heap
        sparkConf.setIfMissing("spark.sql.maxPlanStringLength", "100000");
        io.aepool.publish.DeltaTables.SESSION_CONFS.forEach(sparkConf::setIfMissing);
        return SparkSession.builder().config(sparkConf).getOrCreate();
    }
}
