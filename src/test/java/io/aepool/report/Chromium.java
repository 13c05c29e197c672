package io.aepool.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.fail;

/** Headless Chromium driven from the command line (--dump-dom, --screenshot). CI installs it; a test never skips. */
final class Chromium {

    record Result(int exitCode, String stdout, String stderr) {
    }

    private static final List<String> CANDIDATES = List.of("/usr/bin/chromium", "/usr/bin/chromium-browser",
            "/usr/bin/google-chrome", "/usr/bin/google-chrome-stable");

    private Chromium() {
    }

    /** The browser executable ($CHROMIUM, else a usual path); fails the test with a clear message when absent. */
    static Path executable() {
        String env = System.getenv("CHROMIUM");
        if (env != null && Files.isExecutable(Path.of(env))) {
            return Path.of(env);
        }
        for (String c : CANDIDATES) {
            if (Files.isExecutable(Path.of(c))) {
                return Path.of(c);
            }
        }
        return fail("Chromium is required by the report tests and was not found (looked at $CHROMIUM and "
                + CANDIDATES + "). Install it, e.g. `apt-get install chromium`, or set CHROMIUM=/path/to/chromium.");
    }

    /** Runs headless Chromium with a fresh profile, the given extra arguments and {@code url} last. */
    static Result run(Path workDir, String url, String... args) throws IOException, InterruptedException {
        Path profile = Files.createTempDirectory(Files.createDirectories(workDir), "chromium-profile-");
        List<String> cmd = new ArrayList<>(List.of(executable().toString(), "--headless", "--no-sandbox",
                "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--hide-scrollbars",
                "--user-data-dir=" + profile.toAbsolutePath()));
        cmd.addAll(List.of(args));
        cmd.add(url);
        Path out = Files.createTempFile(workDir, "chromium-", ".out");
        Path err = Files.createTempFile(workDir, "chromium-", ".err");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("Chromium did not finish within 120 s: " + cmd);
        }
        return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }

    /** Console messages and uncaught errors Chromium logged to stderr ({@code --enable-logging=stderr}). */
    static List<String> consoleErrors(String stderr) {
        List<String> errors = new ArrayList<>();
        for (String line : stderr.split("\\R")) {
            if (line.contains(":CONSOLE") || line.contains("Uncaught") || line.contains("Failed to load resource")) {
                errors.add(line);
            }
        }
        return errors;
    }
}
