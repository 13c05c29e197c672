package io.aepool.publish;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The nightly layout: {@code <root>/runs/<run_id>/} holds each complete run and {@code <root>/current} is a
 * symbolic link (relative target {@code runs/<run_id>}) to the last good one.
 *
 * <p>A run is written under {@code runs/<run_id>.staging}, closed with {@code manifest.json} and then a
 * {@code _SUCCESS} marker, renamed to {@code runs/<run_id>}, and only then made current by renaming a fresh
 * symbolic link onto {@code current}. Each step is one rename(2), atomic on a local POSIX file system, so a
 * run killed at any point leaves {@code current} on a complete run. The root must be on a local (or
 * POSIX-mounted) file system: object stores (S3, GCS, Azure Blob) have no atomic rename or symbolic links.
 * One publisher per root at a time (the scheduler's job); concurrent publishers would race on {@code current}.
 */
public final class RunHistory {

    public static final String RUNS = "runs";
    public static final String CURRENT = "current";
    public static final String SUCCESS = "_SUCCESS";
    static final String STAGING_SUFFIX = ".staging";
    static final String DELETING_SUFFIX = ".deleting";
    static final String CURRENT_TMP_PREFIX = "current.tmp-";
    /** An abandoned staging directory (its newest file) older than this is removed by {@link #retain}. */
    static final Duration STALE_STAGING = Duration.ofDays(1);

    private static final Pattern RUN_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]*");

    private RunHistory() {
    }

    /** The run directory {@code current} points to, absolute; empty if there is no link or it dangles. */
    public static Optional<Path> current(Path root) {
        Path link = root.toAbsolutePath().normalize().resolve(CURRENT);
        if (!Files.isSymbolicLink(link)) {
            return Optional.empty();
        }
        try {
            Path target = link.resolveSibling(Files.readSymbolicLink(link)).normalize();
            return Files.isDirectory(target) ? Optional.of(target) : Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + link, e);
        }
    }

    /**
     * The manifest of the current run; empty if there is no current run or it has no manifest.
     *
     * @throws UncheckedIOException if the manifest exists but cannot be read
     */
    public static Optional<RunManifest> currentManifest(Path root) {
        return current(root).map(dir -> dir.resolve(RunManifest.FILE_NAME)).filter(Files::isRegularFile)
                .map(RunManifest::read);
    }

    /**
     * Input rows a published run rejected by validation, from its summary.json ({@code quarantined.rows}, else the sum
     * of {@code rejected_rows_by_rule}); 0 when {@code runDir} is null or has no summary.
     */
    public static long rejectedRows(Path runDir) {
        if (runDir == null || !Files.isRegularFile(runDir.resolve("summary.json"))) {
            return 0;
        }
        try {
            com.fasterxml.jackson.databind.JsonNode s = new com.fasterxml.jackson.databind.ObjectMapper()
                    .readTree(runDir.resolve("summary.json").toFile());
            if (s.path("quarantined").has("rows")) {
                return s.path("quarantined").path("rows").asLong();
            }
            long n = 0;
            for (com.fasterxml.jackson.databind.JsonNode v : s.path("rejected_rows_by_rule")) {
                n += v.asLong();
            }
            return n;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + runDir.resolve("summary.json"), e);
        }
    }

    /** True if the current run is complete ({@code _SUCCESS}) and was made from inputs with this fingerprint. */
    public static boolean upToDate(Path root, String fingerprint) {
        Optional<Path> dir = current(root);
        if (dir.isEmpty() || !Files.isRegularFile(dir.get().resolve(SUCCESS))) {
            return false;
        }
        try {
            return currentManifest(root).map(m -> m.fingerprint().equals(fingerprint)).orElse(false);
        } catch (UncheckedIOException e) {
            return false; // an unreadable manifest: run again, which replaces it
        }
    }

    /**
     * Publishes a run as {@code <root>/runs/<runId>} and makes it current. Writes the tables
     * ({@link ResultsPublisher#writeTables}) into an owner-only staging directory, runs {@code beforeCommit} on it
     * (the report), writes {@code manifestFor(staging)} with its outputs replaced by every file then in the
     * staging directory, writes {@code _SUCCESS}, renames the directory into place and switches {@code current}.
     * On any failure the staging directory is deleted, the exception rethrown and {@code current} is untouched.
     *
     * @param runId a single path name ({@code [A-Za-z0-9][A-Za-z0-9_.-]*}), not already published
     * @return the published run directory
     */
    public static Path publish(Path root, String runId, ResultsPublisher.RunTables tables, Consumer<Path> beforeCommit,
                               Function<Path, RunManifest> manifestFor) {
        return publish(root, runId, tables, beforeCommit, manifestFor, manifest -> { });
    }

    /**
     * As {@link #publish(Path, String, ResultsPublisher.RunTables, Consumer, Function)}, and {@code beforeCurrent} runs
     * with the run's manifest once the run's directory is complete and in place, before {@code current} is switched
     * (the Delta tables' commits): if it fails, the run is abandoned and {@code current} is untouched.
     */
    public static Path publish(Path root, String runId, ResultsPublisher.RunTables tables, Consumer<Path> beforeCommit,
                               Function<Path, RunManifest> manifestFor, Consumer<RunManifest> beforeCurrent) {
        if (!RUN_ID.matcher(runId).matches() || runId.endsWith(STAGING_SUFFIX) || runId.endsWith(DELETING_SUFFIX)) {
            throw new IllegalArgumentException("run id '" + runId + "' is not a plain directory name");
        }
        Path home = root.toAbsolutePath().normalize();
        Path runs = home.resolve(RUNS);
        Path run = runs.resolve(runId);
        Path staging = runs.resolve(runId + STAGING_SUFFIX);
        try {
            Files.createDirectories(runs);
            if (Files.exists(run, LinkOption.NOFOLLOW_LINKS)) {
                throw new FileAlreadyExistsException(run.toString(), null, "run already published");
            }
            // fails if another process stages the same run id; its staging directory is not ours to delete
            ResultsPublisher.createOwnerOnlyDirectory(staging);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start publishing run " + runId + " under " + home, e);
        }
        boolean moved = false;
        try {
            ResultsPublisher.writeTables(staging, tables);
            beforeCommit.accept(staging);
            RunManifest manifest = manifestFor.apply(staging);
            if (!runId.equals(manifest.runId())) {
                throw new IllegalArgumentException("manifest run_id " + manifest.runId() + " is not the published run " + runId);
            }
            manifest.withOutputs(RunManifest.outputsOf(staging)).write(staging.resolve(RunManifest.FILE_NAME));
            Files.createFile(staging.resolve(SUCCESS)); // last: a directory with _SUCCESS is complete
            Files.move(staging, run, StandardCopyOption.ATOMIC_MOVE);
            moved = true;
            beforeCurrent.accept(manifest);
            pointCurrentAt(home, runId);
            return run;
        } catch (IOException e) {
            abandon(home, moved ? run : staging, runId);
            throw new UncheckedIOException("cannot publish run " + runId + " under " + home, e);
        } catch (RuntimeException | Error e) {
            abandon(home, moved ? run : staging, runId);
            throw e;
        }
    }

    /** Renames a fresh relative link onto {@code current}: rename(2) replaces a symbolic link atomically. */
    private static void pointCurrentAt(Path home, String runId) throws IOException {
        Path tmp = home.resolve(CURRENT_TMP_PREFIX + runId);
        Files.deleteIfExists(tmp);
        Files.createSymbolicLink(tmp, Path.of(RUNS, runId));
        try {
            Files.move(tmp, home.resolve(CURRENT), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Deletes what a failed publish wrote, unless {@code current} already points at it. */
    private static void abandon(Path home, Path dir, String runId) {
        try {
            Files.deleteIfExists(home.resolve(CURRENT_TMP_PREFIX + runId));
        } catch (IOException | RuntimeException ignored) {
            // best effort: retain() removes leftover links
        }
        try {
            if (current(home).map(c -> c.equals(dir)).orElse(false)) {
                return;
            }
        } catch (RuntimeException ignored) {
            // cannot tell where current points: err on the side of keeping the run
            return;
        }
        ResultsPublisher.deleteQuietly(dir);
    }

    /**
     * Deletes runs whose {@code _SUCCESS} marker (or, lacking one, directory) was last modified more than
     * {@code keepDays} days before {@code clock}'s now, never the current run; staging directories whose newest
     * file is older than a day (left by killed runs), half-deleted runs and leftover {@code current.tmp-*} links.
     * A run is first renamed to {@code <run_id>.deleting}, so a retention killed midway never leaves a partial run
     * that looks complete.
     *
     * @return the names deleted under {@code runs/}: run ids, and {@code <run_id>.staging} for abandoned staging
     */
    public static List<String> retain(Path root, int keepDays, Clock clock) {
        if (keepDays < 0) {
            throw new IllegalArgumentException("keepDays must be >= 0, was " + keepDays);
        }
        Path home = root.toAbsolutePath().normalize();
        Path runs = home.resolve(RUNS);
        List<String> deleted = new ArrayList<>();
        if (!Files.isDirectory(runs)) {
            return deleted;
        }
        Instant now = clock.instant();
        Instant runCutoff = now.minus(Duration.ofDays(keepDays));
        Instant stagingCutoff = now.minus(STALE_STAGING);
        Optional<Path> current = current(home);
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(runs)) {
            for (Path dir : entries) {
                String name = dir.getFileName().toString();
                if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS) || current.map(dir::equals).orElse(false)) {
                    continue;
                }
                if (name.endsWith(DELETING_SUFFIX)) {
                    ResultsPublisher.deleteQuietly(dir);
                } else if (name.endsWith(STAGING_SUFFIX)) {
                    if (newest(dir).isBefore(stagingCutoff) && delete(dir)) {
                        deleted.add(name);
                    }
                } else if (completedAt(dir).isBefore(runCutoff)) {
                    Path doomed = runs.resolve(name + DELETING_SUFFIX);
                    Files.move(dir, doomed, StandardCopyOption.ATOMIC_MOVE);
                    if (delete(doomed)) {
                        deleted.add(name);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot apply retention under " + runs, e);
        }
        try (DirectoryStream<Path> links = Files.newDirectoryStream(home, CURRENT_TMP_PREFIX + "*")) {
            for (Path link : links) {
                if (Files.isSymbolicLink(link)) {
                    Files.deleteIfExists(link);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot clean " + home, e);
        }
        deleted.sort(null);
        return deleted;
    }

    private static boolean delete(Path dir) {
        ResultsPublisher.deleteQuietly(dir);
        return !Files.exists(dir, LinkOption.NOFOLLOW_LINKS);
    }

    private static Instant completedAt(Path run) throws IOException {
        Path success = run.resolve(SUCCESS);
        return Files.getLastModifiedTime(Files.isRegularFile(success) ? success : run).toInstant();
    }

    private static Instant newest(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.map(p -> {
                try {
                    return Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS);
                } catch (IOException e) {
                    return FileTime.from(Instant.MAX); // vanished while we looked: someone is writing, keep it
                }
            }).max(FileTime::compareTo).map(FileTime::toInstant).orElse(Instant.MAX);
        }
    }
}
