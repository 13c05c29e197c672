package io.aepool.publish;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import io.aepool.publish.InputFingerprints.FileEntry;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * What a run read, with which code and conf, and what it wrote: {@code manifest.json} in the run directory.
 * {@code fingerprint} is the key that decides whether a nightly re-run is needed (see {@link #fingerprint}).
 * Immutable; collections are copied (maps sorted by key, so the file is stable).
 *
 * @param rows    per input table or file: counts such as read / rejected / used, supplied by the caller
 * @param outputs every file under the run directory except {@code manifest.json} (and the {@code _SUCCESS}
 *                marker written after it), filled in by {@link RunHistory#publish}
 */
@JsonPropertyOrder({"run_id", "as_of", "started_at", "finished_at", "code_version", "conf", "conf_sha256", "fingerprint",
        "inputs", "rows", "outputs"})
public record RunManifest(@JsonProperty("run_id") String runId,
                          @JsonProperty("as_of") LocalDate asOf,
                          @JsonProperty("started_at") Instant startedAt,
                          @JsonProperty("finished_at") Instant finishedAt,
                          @JsonProperty("code_version") String codeVersion,
                          @JsonProperty("conf") String conf,
                          @JsonProperty("conf_sha256") String confSha256,
                          @JsonProperty("fingerprint") String fingerprint,
                          @JsonProperty("inputs") List<FileEntry> inputs,
                          @JsonProperty("rows") Map<String, Map<String, Long>> rows,
                          @JsonProperty("outputs") List<OutputFile> outputs) {

    public static final String FILE_NAME = "manifest.json";

    /** One file the run wrote, relative to the run directory ('/'-separated). */
    public record OutputFile(@JsonProperty("path") String path, @JsonProperty("size_bytes") long sizeBytes,
                             @JsonProperty("sha256") String sha256) {
        public OutputFile {
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(sha256, "sha256");
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper()
            .registerModule(new SimpleModule("aepool-manifest-time")
                    .addSerializer(LocalDate.class, ToStringSerializer.instance)
                    .addSerializer(Instant.class, ToStringSerializer.instance)
                    .addDeserializer(LocalDate.class, parsing(LocalDate.class, LocalDate::parse))
                    .addDeserializer(Instant.class, parsing(Instant.class, Instant::parse)))
            .enable(SerializationFeature.INDENT_OUTPUT)
            // a manifest written by a newer version stays readable; its code_version changes the fingerprint anyway
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    public RunManifest {
        Objects.requireNonNull(runId, "run_id");
        Objects.requireNonNull(fingerprint, "fingerprint");
        inputs = inputs == null ? List.of() : List.copyOf(inputs);
        outputs = outputs == null ? List.of() : List.copyOf(outputs);
        TreeMap<String, Map<String, Long>> copy = new TreeMap<>();
        if (rows != null) {
            rows.forEach((table, counts) -> copy.put(table, Collections.unmodifiableMap(new TreeMap<>(counts))));
        }
        rows = Collections.unmodifiableMap(copy);
    }

    /**
     * A manifest of this code ({@link CodeVersion#current()}), hashing {@code conf} and deriving the fingerprint;
     * outputs are left empty for {@link RunHistory#publish} to fill in.
     *
     * @param asOf the as-of date of the run, or null for "everything there is"
     */
    public static RunManifest of(String runId, LocalDate asOf, Instant startedAt, Instant finishedAt, Path conf,
                                 List<FileEntry> inputs, Map<String, Map<String, Long>> rows) {
        Path c = conf.toAbsolutePath().normalize();
        String confSha = Sha256.of(c);
        String code = CodeVersion.current();
        return new RunManifest(runId, asOf, startedAt, finishedAt, code, c.toString(), confSha,
                fingerprint(confSha, code, asOf, inputs), inputs, rows, List.of());
    }

    /**
     * The re-run key: SHA-256 (hex) of the UTF-8 text {@code conf_sha256=<h>\ncode_version=<v>\nas_of=<date or
     * empty>\n} followed by one line {@code input=<path>\t<sha256>\n} per input file, sorted by path. Content
     * hashes, not modification times: touching a file does not change it; changing a byte, adding or removing a
     * file, moving the data, editing the conf or changing the code does.
     */
    public static String fingerprint(String confSha256, String codeVersion, LocalDate asOf, List<FileEntry> inputs) {
        StringBuilder key = new StringBuilder()
                .append("conf_sha256=").append(confSha256).append('\n')
                .append("code_version=").append(codeVersion).append('\n')
                .append("as_of=").append(asOf == null ? "" : asOf.toString()).append('\n');
        inputs.stream().sorted(Comparator.comparing(FileEntry::path))
                .forEach(f -> key.append("input=").append(f.path()).append('\t').append(f.sha256()).append('\n'));
        return Sha256.of(key.toString());
    }

    /** {@link #fingerprint(String, String, LocalDate, List)} of this code and the conf file's current content. */
    public static String fingerprint(Path conf, LocalDate asOf, List<FileEntry> inputs) {
        return fingerprint(Sha256.of(conf.toAbsolutePath().normalize()), CodeVersion.current(), asOf, inputs);
    }

    public RunManifest withOutputs(List<OutputFile> files) {
        return new RunManifest(runId, asOf, startedAt, finishedAt, codeVersion, conf, confSha256, fingerprint, inputs,
                rows, files);
    }

    /** Every regular file under {@code dir} except its top-level {@code manifest.json}, sorted by relative path. */
    public static List<OutputFile> outputsOf(Path dir) {
        Path manifest = dir.resolve(FILE_NAME);
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(p -> Files.isRegularFile(p) && !p.equals(manifest)).sorted()
                    .map(p -> new OutputFile(relative(dir, p), size(p), Sha256.of(p))).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
    }

    /** Writes this manifest as JSON to {@code file}. */
    public void write(Path file) {
        try {
            JSON.writeValue(file.toFile(), this);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /** Reads a manifest: {@code path} is the manifest file or a run directory holding {@code manifest.json}. */
    public static RunManifest read(Path path) {
        Path file = Files.isDirectory(path) ? path.resolve(FILE_NAME) : path;
        try {
            return JSON.readValue(file.toFile(), RunManifest.class);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read run manifest " + file, e);
        }
    }

    private static String relative(Path dir, Path file) {
        return dir.relativize(file).toString().replace(file.getFileSystem().getSeparator(), "/");
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static <T> JsonDeserializer<T> parsing(Class<T> type, Function<String, T> parse) {
        return new JsonDeserializer<>() {
            @Override
            public T deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
                String text = p.getValueAsString();
                try {
                    return parse.apply(text);
                } catch (DateTimeParseException e) {
                    return type.cast(ctxt.handleWeirdStringValue(type, text, "not an ISO-8601 value: %s", e.getMessage()));
                }
            }
        };
    }
}
