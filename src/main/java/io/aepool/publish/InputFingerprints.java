package io.aepool.publish;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * What a run read: every regular file under the input paths, with its size, modification time and SHA-256.
 * Directories are walked recursively (symbolic links followed); names starting with {@code .} or {@code _}
 * ({@code .crc} checksums, {@code _SUCCESS} markers, {@code _temporary} directories: the Hadoop convention for
 * hidden files) are skipped below an input path. An input path named directly is taken even if hidden.
 * Entries are sorted by path and a file reached twice is listed once.
 */
public final class InputFingerprints {

    /** The Hive-style partition element that names an extract's date, e.g. {@code extract_date=2026-11-24}. */
    public static final String EXTRACT_DATE = "extract_date=";

    /**
     * One input file. {@code modified} is ISO-8601 UTC and informative only: the run fingerprint uses the path
     * and the content hash, so touching a file does not force a re-run.
     */
    public record FileEntry(@JsonProperty("path") String path, @JsonProperty("size_bytes") long sizeBytes,
                            @JsonProperty("modified") String modified, @JsonProperty("sha256") String sha256) {
        public FileEntry {
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(sha256, "sha256");
        }
    }

    private InputFingerprints() {
    }

    /** Every file under {@code inputs}. */
    public static List<FileEntry> of(List<Path> inputs) {
        return of(inputs, p -> true);
    }

    /**
     * @param accept decides per file (given its absolute, normalised path) whether it is an input of this run,
     *               e.g. {@link #asOf(LocalDate)}; a rejected file is neither hashed nor listed
     * @throws UncheckedIOException if an input path does not exist or a file cannot be read
     */
    public static List<FileEntry> of(List<Path> inputs, Predicate<Path> accept) {
        List<FileEntry> entries = new ArrayList<>();
        for (Path file : files(inputs)) {
            if (accept.test(file)) {
                entries.add(entry(file));
            }
        }
        return List.copyOf(entries);
    }

    /**
     * Accepts a path unless one of its elements is {@code extract_date=YYYY-MM-DD} with a date after
     * {@code asOf}: the partitions a run as of that date would have seen.
     *
     * @throws IllegalArgumentException (from the predicate) if an {@code extract_date=} element is not an ISO date
     */
    public static Predicate<Path> asOf(LocalDate asOf) {
        Objects.requireNonNull(asOf, "asOf");
        return path -> extractDates(path).stream().noneMatch(d -> d.isAfter(asOf));
    }

    /** The latest {@code extract_date=} partition holding at least one (non-hidden) file under {@code inputs}. */
    public static Optional<LocalDate> newestExtractDate(List<Path> inputs) {
        return files(inputs).stream().flatMap(f -> extractDates(f).stream()).max(LocalDate::compareTo);
    }

    private static List<LocalDate> extractDates(Path path) {
        List<LocalDate> dates = new ArrayList<>();
        for (Path element : path) {
            String name = element.toString();
            if (name.startsWith(EXTRACT_DATE)) {
                String value = name.substring(EXTRACT_DATE.length());
                try {
                    dates.add(LocalDate.parse(value));
                } catch (DateTimeParseException e) {
                    throw new IllegalArgumentException("partition " + name + " in " + path
                            + " is not an ISO date (YYYY-MM-DD)", e);
                }
            }
        }
        return dates;
    }

    private static FileEntry entry(Path file) {
        try {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
            return new FileEntry(file.toString(), a.size(), a.lastModifiedTime().toInstant().toString(), Sha256.of(file));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** Absolute, normalised, sorted, distinct regular files under {@code inputs}, hidden names skipped. */
    static List<Path> files(List<Path> inputs) {
        TreeSet<Path> files = new TreeSet<>();
        for (Path input : inputs) {
            Path root = input.toAbsolutePath().normalize();
            try {
                Files.walkFileTree(root, EnumSet.of(FileVisitOption.FOLLOW_LINKS), Integer.MAX_VALUE, new SimpleFileVisitor<>() {
                    @Override
                    public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                        return !dir.equals(root) && hidden(dir) ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                        if (attrs.isRegularFile() && (file.equals(root) || !hidden(file))) {
                            files.add(file);
                        }
                        return FileVisitResult.CONTINUE;
                    }
                });
            } catch (IOException e) {
                throw new UncheckedIOException("cannot list input " + root, e);
            }
        }
        return List.copyOf(files);
    }

    private static boolean hidden(Path p) {
        String name = p.getFileName().toString();
        return name.startsWith(".") || name.startsWith("_");
    }
}
