package io.aepool.ingest;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

import java.time.LocalDate;
import java.util.Map;

/**
 * What earlier runs kept of one generic registry extract (the job's private state; patient-level, never
 * published), so that a nightly run reads only the extract partitions that arrived since. The tables are lazy views
 * over the stored state: a run reads from them the rows of the patients it recomputes, never the whole history.
 *
 * @param through        the newest extract date read by the earlier run: later partitions are new
 * @param exposuresSeen  every exposure row that passed the type rules so far (extract_date kept): the history the
 *                       rules across rows (repeats, membership) look at when a patient gets new rows
 * @param eventsSeen     the same for events
 * @param patients       valid patients rows (extract_date kept; a patient's newest row describes it), or null
 * @param exposures      each patient's valid exposures (the shape {@link RegistryReader} returns)
 * @param events         each patient's valid events
 * @param recheck        registry_id, patient_id of patients with rows dated after {@code through} (an episode
 *                       starting or an event falling later): recomputed even without new rows
 * @param rejects        the ledger of the registry's files ({@link Validation#PRIVATE_REJECTS_SCHEMA})
 * @param rowsRead       rows read so far per file
 */
public record RegistryHistory(LocalDate through, Dataset<Row> exposuresSeen, Dataset<Row> eventsSeen,
                              Dataset<Row> patients, Dataset<Row> exposures, Dataset<Row> events,
                              Dataset<Row> recheck, Dataset<Row> rejects, Map<String, Long> rowsRead) {
}
