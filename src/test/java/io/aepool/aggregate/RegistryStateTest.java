package io.aepool.aggregate;

import io.aepool.ingest.Validation;
import io.aepool.testing.SharedSpark;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Date;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The private state of incremental nightly runs is a chain of segments, one per run: a later segment supersedes the
 * contributions of the patients it recomputed, the others' running time is extended to the date of the run reading
 * the chain, and a chain that has reached its length is flagged for the next run to compact.
 */
@ExtendWith(SharedSpark.class)
class RegistryStateTest {

    static final StructType PATIENT = new StructType().add("registry_id", DataTypes.StringType)
            .add("patient_id", DataTypes.StringType);
    static final StructType CONTRIBUTIONS = new StructType().add("registry_id", DataTypes.StringType)
            .add("patient_id", DataTypes.StringType).add("exposure_group", DataTypes.StringType)
            .add("outcome", DataTypes.StringType).add("stratum_variable", DataTypes.StringType)
            .add("stratum", DataTypes.StringType).add("events", DataTypes.LongType).add("days", DataTypes.LongType)
            .add("open_until", DataTypes.DateType);
    static final StructType EXPOSURES = PATIENT.add("start_date", DataTypes.DateType);
    static final StructType EVENTS = PATIENT.add("event_date", DataTypes.DateType);

    static final LocalDate D1 = LocalDate.of(2026, 1, 1);
    static final LocalDate D2 = LocalDate.of(2026, 1, 11);
    static final LocalDate D3 = LocalDate.of(2026, 1, 15);

    @TempDir
    Path dir;

    @Test
    void eachRunAddsASegmentThatSupersedesTheContributionsOfThePatientsItRecomputed(SparkSession spark)
            throws IOException {
        String extract = extract();
        RegistryState state = new RegistryState(dir.resolve("state"), 3);
        // as of D1: P1 at risk until 01-31 (10 days so far), P2 closed after 5 days
        state.pending(extract, "settings", D1, List.of(), segment(spark,
                contribution("P1", 10, "2026-01-31"), contribution("P2", 5, null)), Map.of()).commit();
        RegistryState.Stored first = state.load(spark, extract, "settings", D2).orElseThrow();
        // as of D2 P2 got new rows and was recomputed: 7 days, at risk until 01-20
        Map<String, Dataset<Row>> second = segment(spark, contribution("P2", 7, "2026-01-20"));
        second.put("touched", patients(spark, "P2"));
        second.put("affected", patients(spark, "P2"));
        state.pending(extract, "settings", D2, first.chain(), second, Map.of()).commit();

        RegistryState.Stored stored = state.load(spark, extract, "settings", D3).orElseThrow();
        assertEquals(List.of(D1, D2), stored.chain().stream().map(RegistryState.Segment::asOf).toList());
        // as of D3 each row is extended from the date of its own segment: P1 from 01-01 by 14 days, P2 from 01-11 by 4
        assertEquals(List.of("P1 24 2026-01-31", "P2 11 2026-01-20"), rows(stored.contributions()));
        // on disk: the two segments, the version naming them and the pointer, nothing else
        try (Stream<Path> files = Files.list(dir.resolve("state").resolve(RegistryState.key(extract)))) {
            List<String> names = files.map(p -> p.getFileName().toString().replaceAll("\\d+", "N")).sorted().toList();
            assertEquals(List.of("CURRENT", "s-N", "s-N", "v-N.properties"), names);
        }
    }

    @Test
    void aChainAtItsLengthIsCompactedByTheNextRunAndOneUnderOtherSettingsIsNotResumed(SparkSession spark) {
        String extract = extract();
        RegistryState limitTwo = new RegistryState(dir.resolve("state"), 2);
        limitTwo.pending(extract, "settings", D1, List.of(), segment(spark, contribution("P1", 10, null)), Map.of())
                .commit();
        RegistryState.Stored first = limitTwo.load(spark, extract, "settings", D2).orElseThrow();
        Map<String, Dataset<Row>> second = segment(spark, contribution("P1", 12, null));
        second.put("touched", patients(spark, "P1"));
        second.put("affected", patients(spark, "P1"));
        limitTwo.pending(extract, "settings", D2, first.chain(), second, Map.of()).commit();

        RegistryState.Stored atLimit = limitTwo.load(spark, extract, "settings", D3).orElseThrow();
        assertTrue(atLimit.compact(), "two segments: the next run compacts them");
        assertEquals(List.of("P1 12 null"), rows(atLimit.contributions()));
        RegistryState limitThree = new RegistryState(dir.resolve("state"), 3);
        assertFalse(limitThree.load(spark, extract, "settings", D3).orElseThrow().compact());
        assertTrue(limitThree.load(spark, extract, "other settings", D3).isEmpty(), "settings changed");
        assertTrue(limitThree.load(spark, extract, "settings", D1).isEmpty(), "an as-of date before the state's");
        // a patients table added after the state was written (its partitions all newer than the state): the stored
        // patients were never checked against it
        try {
            Files.createDirectories(Path.of(extract).resolve("patients").resolve("extract_date=2026-01-20"));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        assertTrue(limitThree.load(spark, extract, "settings", D3).isEmpty(), "a table added to the extract");
    }

    /** An extract directory with one partition per table (the state fingerprints its files). */
    private String extract() {
        try {
            for (String table : List.of("exposures", "events")) {
                Path part = dir.resolve("extract").resolve(table).resolve("extract_date=2026-01-01");
                Files.createDirectories(part);
                Files.writeString(part.resolve("part-0.parquet"), "rows");
            }
            return dir.resolve("extract").toString();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static Row contribution(String patient, long days, String openUntil) {
        return RowFactory.create("R1", patient, "jak", "serious_infection", "all", "all", 0L, days,
                openUntil == null ? null : Date.valueOf(openUntil));
    }

    /** A segment with the given contributions and no other rows. */
    private static Map<String, Dataset<Row>> segment(SparkSession spark, Row... contributions) {
        Map<String, Dataset<Row>> t = new LinkedHashMap<>();
        t.put("exposures_seen", spark.createDataFrame(List.of(), EXPOSURES));
        t.put("events_seen", spark.createDataFrame(List.of(), EVENTS));
        t.put("exposures", spark.createDataFrame(List.of(), EXPOSURES));
        t.put("events", spark.createDataFrame(List.of(), EVENTS));
        t.put("rejects", spark.createDataFrame(List.of(), Validation.PRIVATE_REJECTS_SCHEMA));
        t.put("contributions", spark.createDataFrame(List.of(contributions), CONTRIBUTIONS));
        return t;
    }

    private static Dataset<Row> patients(SparkSession spark, String... ids) {
        List<Row> rows = new ArrayList<>();
        for (String id : ids) {
            rows.add(RowFactory.create("R1", id));
        }
        return spark.createDataFrame(rows, PATIENT);
    }

    /** "patient days open_until", sorted. */
    private static List<String> rows(Dataset<Row> contributions) {
        List<String> out = new ArrayList<>();
        for (Row r : contributions.collectAsList()) {
            out.add(r.getString(r.fieldIndex("patient_id")) + " " + r.getLong(r.fieldIndex("days")) + " "
                    + r.getDate(r.fieldIndex("open_until")));
        }
        out.sort(null);
        return out;
    }
}
