package io.aepool.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes small text fixtures (CSV, YAML) for tests. */
public final class Files2 {

    private Files2() {
    }

    public static String write(Path dir, String name, String... lines) {
        try {
            Path file = dir.resolve(name);
            Files.createDirectories(file.getParent());
            Files.writeString(file, String.join("\n", lines) + "\n");
            return file.toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A studies.csv with one placebo-controlled psoriasis RCT per id (acronym = id), for the ADaM readers' tests. */
    public static String studies(Path dir, String... ids) {
        String[] lines = new String[ids.length + 1];
        lines[0] = "study_id,acronym,condition,drug,year,design,control_type,weeks,source";
        for (int i = 0; i < ids.length; i++) {
            lines[i + 1] = ids[i] + "," + ids[i] + ",psoriasis,drug,2020,rct,placebo,24,test";
        }
        return write(dir, "studies.csv", lines);
    }
}
