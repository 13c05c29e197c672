package io.aepool.cli;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** Every job conf shipped in conf/ parses: no unknown key, every required section present. */
class ConfFilesTest {

    @Test
    void everyShippedConfParses() throws IOException {
        List<Path> confs;
        try (Stream<Path> files = Files.list(Path.of("conf"))) {
            confs = files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
        assertFalse(confs.isEmpty());
        for (Path conf : confs) {
            JobConf job = JobConf.load(conf);
            assertFalse(job.inputs().studies().isEmpty(), conf + " names study tables");
        }
    }

    @Test
    void theSampleConfRunsBothSources() {
        JobConf sample = JobConf.load(Path.of("conf/sample.yaml"));
        assertEquals(List.of("../sample-data/published/arm_counts.csv"), sample.inputs().armCounts());
        assertEquals("../sample-data/adam/adsl.parquet", sample.inputs().adam().get(0).adsl());
    }
}
