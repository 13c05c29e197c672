package io.aepool.ingest;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * One registry's validated extract in the shape the person-time plan reads, whatever the source (generic extract
 * or OMOP CDM):
 * <ul>
 *   <li>{@code exposures}: registry_id, patient_id, drug, exposure_group, start_date, end_date</li>
 *   <li>{@code events}: registry_id, patient_id, event_date, term, soc, serious, hospitalised, concept_id</li>
 *   <li>{@code patients} (may be null): registry_id, patient_id, death_date, birth_year, stratum columns as text</li>
 *   <li>{@code observation} (may be null): registry_id, patient_id, observation_start, observation_end; a patient
 *       may have several periods (OMOP)</li>
 * </ul>
 */
public record RegistryExtract(Dataset<Row> exposures, Dataset<Row> events, Dataset<Row> patients,
                              Dataset<Row> observation) {

    /** The partition column of generic extracts. */
    public static final String EXTRACT_DATE = "extract_date";

    public RegistryExtract {
        if (observation == null && patients != null && java.util.List.of(patients.columns()).contains("observation_start")) {
            observation = patients.select("registry_id", "patient_id", "observation_start", "observation_end");
        }
    }

    /** The key of a patient across tables: registry and patient id. */
    private static final String[] PATIENT = {"registry_id", "patient_id"};

    /** Rows of {@code table} whose patient is in {@code patients} (registry_id, patient_id). */
    public static Dataset<Row> ofPatients(Dataset<Row> table, Dataset<Row> patients) {
        return table.join(patients, PATIENT, "left_semi");
    }

    /** Rows of {@code table} whose patient is not in {@code patients} (registry_id, patient_id). */
    public static Dataset<Row> exceptPatients(Dataset<Row> table, Dataset<Row> patients) {
        return table.join(patients, PATIENT, "left_anti");
    }

    /** This extract's rows of the given patients (registry_id, patient_id). */
    public RegistryExtract restrictedTo(Dataset<Row> patients) {
        return new RegistryExtract(ofPatients(exposures, patients), ofPatients(events, patients),
                patients() == null ? null : ofPatients(patients(), patients),
                observation == null ? null : ofPatients(observation, patients));
    }

    /** Two extracts as one (several registries in one run). */
    public RegistryExtract union(RegistryExtract other) {
        return new RegistryExtract(exposures.unionByName(other.exposures), events.unionByName(other.events),
                unionNullable(patients, other.patients), unionNullable(observation, other.observation));
    }

    private static Dataset<Row> unionNullable(Dataset<Row> a, Dataset<Row> b) {
        if (a == null) {
            return b;
        }
        return b == null ? a : a.unionByName(b, true);
    }
}
