package io.aepool.ingest;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

/**
 * An OMOP CDM database (v5.3/5.4 tables as Parquet, upper- or lower-case column names as exported) read as a
 * registry extract: {@code drug_era} (or {@code drug_exposure}) rows whose ingredient is in a conf concept set become
 * exposure episodes of that set's group; {@code condition_era} (or {@code condition_occurrence}) rows become events,
 * matched to outcomes by concept later; {@code observation_period} bounds person-time; {@code person} gives sex and
 * year of birth (for strata); {@code death}, when present, ends follow-up. Only the named columns are read.
 */
public final class OmopReader {

    private static final List<String> KEY = List.of("registry_id");

    private OmopReader() {
    }

    /**
     * @param registryId    the id this database carries in the study table (design registry)
     * @param conceptGroups drug concept id → exposure group (rows with other drugs are outside the study, not errors)
     */
    public static RegistryExtract read(SparkSession spark, String dir, String registryId, Map<Long, String> conceptGroups,
                                       Dataset<Row> studies, Validation validation) {
        Path root = Path.of(dir);
        if (!Files.isDirectory(root)) {
            throw new InputException(dir, "-", "-", "OMOP CDM directory not found");
        }
        if (studies.filter(col("study_id").equalTo(registryId).and(col("design").equalTo("registry"))).isEmpty()) {
            throw new InputException(dir, "registry_id", "registry_id=" + registryId,
                    "registry is not in the studies table with design registry");
        }
        Column rid = lit(registryId).as("registry_id");

        boolean eras = exists(root, "drug_era");
        String drugFile = table(root, eras ? "drug_era" : "drug_exposure");
        String drugStart = eras ? "DRUG_ERA_START_DATE" : "DRUG_EXPOSURE_START_DATE";
        String drugEnd = eras ? "DRUG_ERA_END_DATE" : "DRUG_EXPOSURE_END_DATE";
        Dataset<Row> drugs = cdmTable(spark, drugFile, validation,
                ColumnSpec.required("DRUG_CONCEPT_ID", DataTypes.LongType),
                ColumnSpec.required(drugStart, DataTypes.DateType),
                ColumnSpec.optional(drugEnd, DataTypes.DateType));
        Set<Long> concepts = conceptGroups.keySet();
        Dataset<Row> inScope = drugs.filter(col("DRUG_CONCEPT_ID").isin(concepts.toArray()));
        // OMOP: a missing drug_exposure end date means a one-day exposure
        Column end = eras ? col(drugEnd) : when(col(drugEnd).isNull(), col(drugStart)).otherwise(col(drugEnd));
        // a drug_era end date is required by the CDM: an era without one would otherwise run to the end of observation
        Dataset<Row> exposures = validation.check(inScope.withColumn(drugEnd, end).withColumn("registry_id", lit(registryId)),
                        drugFile, List.of(
                                new Rule(RuleIds.DRUG_END_GIVEN, drugEnd, "drug era end date is missing", col(drugEnd).isNull()),
                                new Rule(RuleIds.DRUG_END_NOT_BEFORE_START, drugEnd, "exposure end date is before its start date",
                                        col(drugEnd).lt(col(drugStart)))), KEY)
                .select(rid, col("PERSON_ID").cast(DataTypes.StringType).as("patient_id"),
                        col("DRUG_CONCEPT_ID").cast(DataTypes.StringType).as("drug"),
                        RegistryReader.mapValues(conceptGroups, col("DRUG_CONCEPT_ID")).as("exposure_group"),
                        col(drugStart).as("start_date"), col(drugEnd).as("end_date"));

        boolean conditionEras = exists(root, "condition_era");
        String conditionFile = table(root, conditionEras ? "condition_era" : "condition_occurrence");
        String conditionStart = conditionEras ? "CONDITION_ERA_START_DATE" : "CONDITION_START_DATE";
        Dataset<Row> conditions = cdmTable(spark, conditionFile, validation,
                ColumnSpec.required("CONDITION_CONCEPT_ID", DataTypes.LongType),
                ColumnSpec.required(conditionStart, DataTypes.DateType));
        Dataset<Row> events = conditions.select(rid, col("PERSON_ID").cast(DataTypes.StringType).as("patient_id"),
                col(conditionStart).as("event_date"), col("CONDITION_CONCEPT_ID").cast(DataTypes.StringType).as("term"),
                lit(null).cast(DataTypes.StringType).as("soc"), lit(null).cast(DataTypes.StringType).as("serious"),
                lit(null).cast(DataTypes.StringType).as("hospitalised"), col("CONDITION_CONCEPT_ID").as("concept_id"));

        String periodFile = table(root, "observation_period");
        Dataset<Row> periods = cdmTable(spark, periodFile, validation,
                ColumnSpec.required("OBSERVATION_PERIOD_START_DATE", DataTypes.DateType),
                ColumnSpec.required("OBSERVATION_PERIOD_END_DATE", DataTypes.DateType));
        Dataset<Row> observation = validation.check(periods.withColumn("registry_id", lit(registryId)), periodFile,
                List.of(new Rule(RuleIds.OBSERVATION_PERIOD_NOT_REVERSED, "OBSERVATION_PERIOD_END_DATE", "observation period ends before it starts",
                        col("OBSERVATION_PERIOD_END_DATE").lt(col("OBSERVATION_PERIOD_START_DATE")))), KEY)
                .select(rid, col("PERSON_ID").cast(DataTypes.StringType).as("patient_id"),
                        col("OBSERVATION_PERIOD_START_DATE").as("observation_start"),
                        col("OBSERVATION_PERIOD_END_DATE").as("observation_end"));

        String personFile = table(root, "person");
        Dataset<Row> person = cdmTable(spark, personFile, validation,
                ColumnSpec.optional("YEAR_OF_BIRTH", DataTypes.IntegerType),
                ColumnSpec.optional("GENDER_CONCEPT_ID", DataTypes.LongType));
        Dataset<Row> patients = person.select(rid, col("PERSON_ID").cast(DataTypes.StringType).as("patient_id"),
                col("YEAR_OF_BIRTH").as("birth_year"),
                // OMOP standard gender concepts
                when(col("GENDER_CONCEPT_ID").equalTo(8507L), lit("male"))
                        .when(col("GENDER_CONCEPT_ID").equalTo(8532L), lit("female")).otherwise(lit("unknown")).as("sex"));
        if (exists(root, "death")) {
            String deathFile = table(root, "death");
            Dataset<Row> death = cdmTable(spark, deathFile, validation,
                    ColumnSpec.required("DEATH_DATE", DataTypes.DateType))
                    .groupBy(col("PERSON_ID").cast(DataTypes.StringType).as("__pid"))
                    .agg(org.apache.spark.sql.functions.min("DEATH_DATE").as("death_date"));
            patients = patients.join(death, patients.col("patient_id").equalTo(death.col("__pid")), "left").drop("__pid");
        } else {
            patients = patients.withColumn("death_date", lit(null).cast(DataTypes.DateType));
        }
        return new RegistryExtract(exposures, events, patients, observation);
    }

    /** Every table of the database the run reads, for fingerprints. */
    public static List<String> tables(String dir) {
        List<String> out = new ArrayList<>();
        Path root = Path.of(dir);
        for (String name : List.of("drug_era", "drug_exposure", "condition_era", "condition_occurrence",
                "observation_period", "person", "death")) {
            if (exists(root, name)) {
                out.add(table(root, name));
            }
        }
        return out;
    }

    /**
     * One CDM table as every read here wants it: PERSON_ID (a patient, so no key column is named in messages) and
     * {@code columns}, names upper-cased as exports differ, no other column kept.
     */
    private static Dataset<Row> cdmTable(SparkSession spark, String file, Validation validation, ColumnSpec... columns) {
        List<ColumnSpec> all = new ArrayList<>();
        all.add(ColumnSpec.required("PERSON_ID", DataTypes.LongType));
        all.addAll(List.of(columns));
        return ValidatedTable.read(spark, file, all, List.of(), false, validation, OmopReader::upperCase);
    }

    private static Dataset<Row> upperCase(Dataset<Row> raw) {
        for (String c : raw.columns()) {
            raw = raw.withColumnRenamed(c, c.toUpperCase(java.util.Locale.ROOT));
        }
        return raw;
    }

    private static boolean exists(Path root, String name) {
        return Files.exists(root.resolve(name)) || Files.exists(root.resolve(name + ".parquet"));
    }

    private static String table(Path root, String name) {
        return RegistryReader.table(root, name);
    }
}
