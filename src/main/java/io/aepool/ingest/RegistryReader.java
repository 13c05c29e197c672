package io.aepool.ingest;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.DataTypes;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.desc;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.row_number;

/**
 * Registry extracts in the generic shape: a directory with {@code exposures/}, {@code events/} and (optional)
 * {@code patients/}, each Parquet partitioned by extract date ({@code extract_date=YYYY-MM-DD/}). Extracts are
 * incremental: each date's partition adds rows, so the registry as of a date is the union of the partitions up to
 * it; a patient's row in {@code patients/} is replaced by the same patient's row in a later extract (follow-up
 * grows, deaths are recorded). Messages and the rejects ledger name the registry and extract date, never a patient.
 */
public final class RegistryReader {

    public static final List<ColumnSpec> EXPOSURE_COLUMNS = extractTable(
            ColumnSpec.required("drug", DataTypes.StringType),
            ColumnSpec.required("drug_class", DataTypes.StringType),
            ColumnSpec.required("start_date", DataTypes.DateType),
            ColumnSpec.required("end_date", DataTypes.DateType));

    public static final List<ColumnSpec> EVENT_COLUMNS = extractTable(
            ColumnSpec.required("event_date", DataTypes.DateType),
            ColumnSpec.required("term", DataTypes.StringType),
            ColumnSpec.optional("soc", DataTypes.StringType),
            ColumnSpec.optional("serious", DataTypes.StringType),
            ColumnSpec.optional("hospitalised", DataTypes.StringType));

    /** Columns beyond these are kept as text: they are the strata (condition, age_band, ...). */
    public static final List<ColumnSpec> PATIENT_COLUMNS = extractTable(
            ColumnSpec.optional("birth_year", DataTypes.IntegerType),
            ColumnSpec.optional("observation_start", DataTypes.DateType),
            ColumnSpec.optional("observation_end", DataTypes.DateType),
            ColumnSpec.optional("death_date", DataTypes.DateType));

    static final List<String> KEY = List.of("registry_id", RegistryExtract.EXTRACT_DATE);

    private RegistryReader() {
    }

    /**
     * An extract table's columns: every table is keyed by registry and patient (first) and may be partitioned by
     * extract date (last, optional: an undated table is read whole); {@code own} are the table's own columns between.
     */
    private static List<ColumnSpec> extractTable(ColumnSpec... own) {
        List<ColumnSpec> all = new ArrayList<>();
        all.add(ColumnSpec.required("registry_id", DataTypes.StringType));
        all.add(ColumnSpec.required("patient_id", DataTypes.StringType));
        all.addAll(List.of(own));
        all.add(ColumnSpec.optional(RegistryExtract.EXTRACT_DATE, DataTypes.DateType));
        return List.copyOf(all);
    }

    /**
     * One read of a registry: the validated extract, and for an incremental read the patients it recomputes and the
     * rows the job's private state keeps of this read (patient-level, never published).
     *
     * @param extract  the validated extract: every patient for a full read, the {@code affected} ones for an
     *                 incremental read
     * @param affected registry_id, patient_id of the patients whose results must be recomputed (null: all)
     * @param segment  this read's rows for the state ({@code RegistryState} table names): the rows read
     *                 ({@code exposures_seen}, {@code events_seen}: those that passed the type rules, extract_date kept),
     *                 the patients rows ({@code patients}, extract_date kept), the valid rows of the patients with new
     *                 rows ({@code exposures}, {@code events}: of every patient for a full read), the rows this read
     *                 rejected ({@code rejects}, {@link Validation#PRIVATE_REJECTS_SCHEMA}) and, for an incremental
     *                 read, the patients with new rows ({@code touched}: their earlier valid rows and rule rejects are
     *                 superseded)
     * @param files    the extract's table paths (the keys of the ledger)
     */
    public record Result(RegistryExtract extract, Dataset<Row> affected, Map<String, Dataset<Row>> segment,
                         Set<String> files) {
    }

    /**
     * @param dir         the extract directory
     * @param asOf        only extract partitions up to this date are read (null: all)
     * @param classGroups drug_class → exposure group; rows of other classes are quarantined (or fatal, per conf)
     * @param studies     the validated study table: each registry_id must be a study (design registry)
     */
    public static RegistryExtract read(SparkSession spark, String dir, LocalDate asOf, Map<String, String> classGroups,
                                       Dataset<Row> studies, Validation validation) {
        return read(spark, dir, asOf, classGroups, studies, validation, null).extract();
    }

    /**
     * As {@link #read(SparkSession, String, LocalDate, Map, Dataset, Validation)}; with a {@code history} only the
     * partitions after {@code history.through()} are read. The rules across rows (repeats, patient in the patients
     * table, event of an exposed patient) look at one patient's rows only, so they are evaluated again for the
     * patients with new rows, over their earlier rows and the new ones; every other patient keeps the rows validated
     * before. The ledger is restated for the whole history, so the rejects and the row accounting are those of a run
     * reading every partition.
     */
    public static Result read(SparkSession spark, String dir, LocalDate asOf, Map<String, String> classGroups,
                              Dataset<Row> studies, Validation validation, RegistryHistory history) {
        Path root = Path.of(dir);
        if (!Files.isDirectory(root)) {
            throw new InputException(dir, "-", "-", "registry extract directory not found");
        }
        LocalDate after = history == null ? null : history.through();
        UnaryOperator<Dataset<Row>> scope = raw -> {
            if (!hasColumn(raw, RegistryExtract.EXTRACT_DATE)) {
                // an undated table is read whole; resumed, its rows were all read before (the state's fingerprint
                // says its files are unchanged)
                return history == null ? raw : raw.limit(0);
            }
            Dataset<Row> in = asOf == null ? raw : raw.filter(col(RegistryExtract.EXTRACT_DATE).leq(lit(java.sql.Date.valueOf(asOf))));
            return after == null ? in : in.filter(col(RegistryExtract.EXTRACT_DATE).gt(lit(java.sql.Date.valueOf(after))));
        };
        boolean incremental = history != null;
        String exposuresFile = table(root, "exposures");
        String eventsFile = table(root, "events");
        Set<String> files = new java.util.LinkedHashSet<>(List.of(exposuresFile, eventsFile));
        // distinct: a study id listed twice must not duplicate every exposure row (and flag the copies as repeats)
        Dataset<Row> known = studies.filter(col("design").equalTo("registry")).select(col("study_id").as("__known"))
                .distinct();

        Dataset<Row> validPatients = null;
        Dataset<Row> newPatients = null;
        Path patientsDir = root.resolve("patients");
        if (Files.exists(patientsDir)) {
            String patientsFile = patientsDir.toString();
            files.add(patientsFile);
            Dataset<Row> raw = ValidatedTable.read(spark, patientsFile, PATIENT_COLUMNS, KEY, true, validation, scope,
                    incremental);
            newPatients = raw.select("registry_id", "patient_id");
            Dataset<Row> checked = raw.withColumn("__same_extract", count(lit(1)).over(
                    Window.partitionBy("registry_id", "patient_id", RegistryExtract.EXTRACT_DATE)));
            // rules on one extract's rows only: a patient row valid once stays valid
            validPatients = validation.checkMaterialised(checked, patientsFile, List.of(
                    new Rule(RuleIds.OBSERVATION_END_NOT_BEFORE_START, "observation_end", "observation_end is before observation_start",
                            col("observation_end").lt(col("observation_start"))),
                    new Rule(RuleIds.DEATH_NOT_BEFORE_OBSERVATION, "death_date", "death_date is before observation_start",
                            col("death_date").lt(col("observation_start"))),
                    new Rule(RuleIds.PATIENT_ONCE_PER_EXTRACT, "patient_id", "patient appears more than once in one extract", col("__same_extract").gt(1))), KEY)
                    .drop("__same_extract");
        }
        Dataset<Row> newExposures = ValidatedTable.read(spark, exposuresFile, EXPOSURE_COLUMNS, KEY, false, validation,
                scope, incremental);
        Dataset<Row> newEvents = ValidatedTable.read(spark, eventsFile, EVENT_COLUMNS, KEY, false, validation, scope,
                incremental);

        Dataset<Row> affected = null;
        Dataset<Row> touched = null;
        Dataset<Row> exposureRows = newExposures;
        Dataset<Row> eventRows = newEvents;
        if (incremental) {
            // patients with new rows of any table: their rows are checked again (rules look at one patient's rows)
            Dataset<Row> withNew = newExposures.select("registry_id", "patient_id")
                    .union(newEvents.select("registry_id", "patient_id"));
            if (newPatients != null) {
                withNew = withNew.union(newPatients);
            }
            touched = patientList(withNew);
            // recomputed: those, and those with rows dated after the earlier run's date (their rows stay valid)
            affected = patientList(touched.union(history.recheck().select("registry_id", "patient_id")));
            exposureRows = RegistryExtract.ofPatients(history.exposuresSeen(), touched).unionByName(newExposures);
            eventRows = RegistryExtract.ofPatients(history.eventsSeen(), touched).unionByName(newEvents);
        }
        Dataset<Row> patients = null;
        if (validPatients != null) {
            Dataset<Row> rows = validPatients;
            if (incremental && history.patients() != null) {
                // the patients this run recomputes: their earlier rows and any new ones
                rows = rows.unionByName(RegistryExtract.ofPatients(history.patients(), affected), true);
            }
            // the newest extract's row describes the patient (observation grows, deaths are added)
            patients = rows.withColumn("__newest", row_number().over(Window.partitionBy("registry_id", "patient_id")
                            .orderBy(desc(RegistryExtract.EXTRACT_DATE))))
                    .filter(col("__newest").equalTo(1))
                    .drop("__newest")
                    .localCheckpoint();
        }

        Column knownClass = col("drug_class").isin(classGroups.keySet().toArray());
        Dataset<Row> checkedExposures = exposureRows
                .join(known, exposureRows.col("registry_id").equalTo(known.col("__known")), "left");
        Column unknownPatient = lit(false);
        if (patients != null) {
            // follow-up comes from the patients table: an episode of a patient it lacks has no observation time
            Dataset<Row> listed = patients.select(col("registry_id").as("__prid"), col("patient_id").as("__ppid"));
            checkedExposures = checkedExposures.join(listed, checkedExposures.col("registry_id").equalTo(listed.col("__prid"))
                    .and(checkedExposures.col("patient_id").equalTo(listed.col("__ppid"))), "left");
            unknownPatient = col("__ppid").isNull();
        }
        checkedExposures = checkedExposures
                .withColumn("__copy", row_number().over(Window.partitionBy("registry_id", "patient_id", "drug", "start_date",
                        "end_date").orderBy(col(RegistryExtract.EXTRACT_DATE).asc_nulls_first())));
        // the rows that pass are read from the check's materialised pass: read again by the state, the event check and
        // the person-time plan, they neither recompute the rules' joins and windows nor carry the validation plan into
        // every later plan (nested cached plans grow the plan text beyond the heap)
        Dataset<Row> exposures = validation.checkMaterialised(checkedExposures, exposuresFile, List.of(
                Rule.structural(RuleIds.REGISTRY_KNOWN, "registry_id", "registry is not in the studies table with design registry",
                        col("__known").isNull()),
                new Rule(RuleIds.EXPOSURE_END_NOT_BEFORE_START, "end_date", "exposure end_date is before its start_date", col("end_date").lt(col("start_date"))),
                new Rule(RuleIds.DRUG_CLASS_MAPPED, "drug_class", "drug_class is not in any registry.exposure_groups entry of the conf",
                        knownClass.unary_$bang()),
                new Rule(RuleIds.EXPOSURE_NOT_REPEATED, "start_date", "exposure episode repeats a row of an earlier extract or of the same one",
                        col("__copy").gt(1)),
                new Rule(RuleIds.EXPOSURE_PATIENT_KNOWN, "patient_id", "exposure's patient is not in the patients table", unknownPatient)), KEY)
                .select(col("registry_id"), col("patient_id"), col("drug"),
                        mapValues(classGroups, col("drug_class")).as("exposure_group"),
                        col("start_date"), col("end_date"));
        Dataset<Row> checkedExposureRows = exposures;
        if (incremental) {
            // the recomputed patients without new rows keep their valid rows
            exposures = earlierRows(history.exposures(), affected, touched).unionByName(exposures).localCheckpoint();
        }

        Dataset<Row> exposed = exposures.select(col("registry_id").as("__rid"), col("patient_id").as("__pid")).distinct();
        Dataset<Row> checkedEvents = eventRows
                .join(exposed, eventRows.col("registry_id").equalTo(exposed.col("__rid"))
                        .and(eventRows.col("patient_id").equalTo(exposed.col("__pid"))), "left")
                .withColumn("__copy", row_number().over(Window.partitionBy("registry_id", "patient_id", "event_date", "term")
                        .orderBy(col(RegistryExtract.EXTRACT_DATE).asc_nulls_first())));
        Dataset<Row> events = validation.checkMaterialised(checkedEvents, eventsFile, List.of(
                new Rule(RuleIds.SERIOUS_Y_OR_N, "serious", "serious must be Y or N", yesNo("serious")),
                new Rule(RuleIds.HOSPITALISED_Y_OR_N, "hospitalised", "hospitalised must be Y or N", yesNo("hospitalised")),
                new Rule(RuleIds.EVENT_PATIENT_EXPOSED, "patient_id", "event's patient has no exposure episode in the extract", col("__pid").isNull()),
                new Rule(RuleIds.EVENT_NOT_REPEATED, "event_date", "event repeats a row of an earlier extract or of the same one", col("__copy").gt(1))), KEY)
                .select(col("registry_id"), col("patient_id"), col("event_date"), col("term"), col("soc"),
                        col("serious"), col("hospitalised"), lit(null).cast(DataTypes.LongType).as("concept_id"));
        Dataset<Row> checkedEventRows = events;
        if (incremental) {
            events = earlierRows(history.events(), affected, touched).unionByName(events).localCheckpoint();
        }

        // this read's rejects (before the ledger is restated for the whole history)
        Dataset<Row> newRejects = validation.privateRejects(spark, files);
        if (incremental) {
            // the ledger of the whole history: earlier rejects, less the rule rejects of re-checked patients
            // (their rows were checked again above), plus this run's
            Dataset<Row> earlier = history.rejects();
            Dataset<Row> a = touched.select(col("registry_id").as("__registry_id"), col("patient_id").as("__patient_id"));
            Column rechecked = recheckedRejects(dir);
            Dataset<Row> kept = earlier.filter(rechecked.unary_$bang())
                    .unionByName(earlier.filter(rechecked).join(a, new String[] {"__registry_id", "__patient_id"}, "left_anti"));
            Map<String, Long> read = new java.util.LinkedHashMap<>(history.rowsRead());
            Map<String, Long> now = validation.rowsRead();
            for (String f : files) {
                read.merge(f, now.getOrDefault(f, 0L), Long::sum);
            }
            Dataset<Row> ledger = kept.unionByName(newRejects).localCheckpoint();
            validation.restate(files, ledger, read);
        }
        Map<String, Dataset<Row>> segment = new java.util.LinkedHashMap<>();
        segment.put("exposures_seen", newExposures);
        segment.put("events_seen", newEvents);
        // a full read keeps each patient's newest row, an incremental one the rows it read (the newest is picked later)
        segment.put("patients", incremental ? validPatients : patients);
        segment.put("exposures", checkedExposureRows);
        segment.put("events", checkedEventRows);
        segment.put("rejects", newRejects);
        segment.put("touched", touched);
        segment.values().removeIf(java.util.Objects::isNull);
        RegistryExtract extract = new RegistryExtract(exposures, events,
                patients == null ? null : patients.drop(RegistryExtract.EXTRACT_DATE), null);
        return new Result(extract, affected, segment, files);
    }

    /**
     * The ledger rows a touched patient's re-check states again (true on them): the rejects of the rules across rows
     * of its exposures and events. Rows rejected by a file's own type rules, and by the patients table's rules (on
     * one extract's rows only, never re-checked), stay in the ledger.
     */
    public static Column recheckedRejects(String dir) {
        Path root = Path.of(dir);
        return col("__stage").equalTo(Validation.STAGE_RULE)
                .and(col("file").isin(table(root, "exposures"), table(root, "events")));
    }

    /**
     * Patient lists up to this length are broadcast to the joins that pick their rows out of the stored history, so
     * a nightly run scans the history instead of shuffling it (a list of 500,000 patients is some tens of MiB).
     */
    static final long BROADCAST_PATIENTS = 500_000;

    /** Distinct registry_id, patient_id, materialised; broadcast to the joins when short enough. */
    private static Dataset<Row> patientList(Dataset<Row> ids) {
        Dataset<Row> list = ids.distinct().localCheckpoint();
        return list.count() <= BROADCAST_PATIENTS ? org.apache.spark.sql.functions.broadcast(list) : list;
    }

    /** The earlier valid rows of the patients recomputed without new rows ({@code affected} but not {@code touched}). */
    private static Dataset<Row> earlierRows(Dataset<Row> earlier, Dataset<Row> affected, Dataset<Row> touched) {
        return RegistryExtract.exceptPatients(RegistryExtract.ofPatients(earlier, affected), touched);
    }

    /** {@code <root>/<name>/} (partitioned) or {@code <root>/<name>.parquet}. */
    static String table(Path root, String name) {
        Path dir = root.resolve(name);
        if (Files.exists(dir)) {
            return dir.toString();
        }
        Path file = root.resolve(name + ".parquet");
        if (Files.exists(file)) {
            return file.toString();
        }
        throw new InputException(dir.toString(), "-", "-", "registry table '" + name + "' not found (expected "
                + dir + "/ or " + file + ")");
    }

    /** The value {@code mapping} gives {@code key} (a drug class or an OMOP concept id), null when it gives none. */
    static <K> Column mapValues(Map<K, String> mapping, Column key) {
        Column out = lit(null).cast(DataTypes.StringType);
        for (Map.Entry<K, String> e : mapping.entrySet()) {
            out = org.apache.spark.sql.functions.when(key.equalTo(e.getKey()), lit(e.getValue())).otherwise(out);
        }
        return out;
    }

    private static Column yesNo(String c) {
        return col(c).isNotNull().and(col(c).isin("Y", "N").unary_$bang());
    }

    static boolean hasColumn(Dataset<Row> table, String name) {
        return List.of(table.columns()).contains(name);
    }

    /** Every file an extract consists of, for fingerprints (directories are walked by the caller). */
    public static List<String> tables(String dir) {
        List<String> out = new ArrayList<>();
        for (String name : List.of("exposures", "events", "patients")) {
            Path p = Path.of(dir).resolve(name);
            if (Files.exists(p)) {
                out.add(p.toString());
            }
        }
        return out;
    }
}
