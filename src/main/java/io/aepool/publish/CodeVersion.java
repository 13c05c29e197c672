package io.aepool.publish;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.security.MessageDigest;
import java.util.List;
import java.util.stream.Stream;

/**
 * The version of the code that ran: {@code <Implementation-Version or "dev">+<12 hex of SHA-256 of the code>}.
 * The hash covers the jar holding the io.aepool classes, or every {@code .class} file of the classes directory
 * they were loaded from, so any change to the code changes the run fingerprint even when the version string
 * does not.
 */
public final class CodeVersion {

    private static volatile String current;

    private CodeVersion() {
    }

    /** Computed once per JVM (the code does not change under a running job). */
    public static String current() {
        String v = current;
        if (v == null) {
            v = of(CodeVersion.class);
            current = v;
        }
        return v;
    }

    static String of(Class<?> anchor) {
        String version = anchor.getPackage() == null ? null : anchor.getPackage().getImplementationVersion();
        return (version == null || version.isBlank() ? "dev" : version) + "+" + codeHash(codeSource(anchor));
    }

    private static Path codeSource(Class<?> anchor) {
        CodeSource source = anchor.getProtectionDomain().getCodeSource();
        if (source == null || source.getLocation() == null) {
            throw new IllegalStateException("no code source for " + anchor.getName() + ": cannot version the code");
        }
        try {
            return Path.of(source.getLocation().toURI());
        } catch (URISyntaxException | IllegalArgumentException e) {
            throw new IllegalStateException("code source " + source.getLocation() + " is not a local path", e);
        }
    }

    /** 12 hex of SHA-256: of the jar file, or of every .class file (relative path and bytes, sorted) under a directory. */
    static String codeHash(Path source) {
        if (Files.isRegularFile(source)) {
            return Sha256.of(source).substring(0, 12);
        }
        MessageDigest md = Sha256.digest();
        try (Stream<Path> walk = Files.walk(source)) {
            List<Path> classes = walk.filter(p -> Files.isRegularFile(p) && p.toString().endsWith(".class")).sorted().toList();
            for (Path c : classes) {
                md.update((source.relativize(c) + "\t" + Sha256.of(c) + "\n").getBytes(StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the code under " + source, e);
        }
        return Sha256.hex(md.digest()).substring(0, 12);
    }
}
