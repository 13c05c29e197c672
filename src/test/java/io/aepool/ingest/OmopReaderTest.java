package io.aepool.ingest;

import io.aepool.testing.SharedSpark;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Date;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * An OMOP CDM database as a registry extract: eras of the conf's drug concepts become exposure episodes of their
 * group (other drugs are outside the study), condition eras become events, observation periods and persons are
 * carried; an era without an end date is quarantined rather than left open.
 */
@ExtendWith(SharedSpark.class)
class OmopReaderTest {

    static final Map<Long, String> GROUPS = Map.of(1118084L, "celecoxib");

    @TempDir
    Path dir;
    private Dataset<Row> studies;

    @BeforeEach
    void studies(SparkSession spark) {
        studies = spark.createDataFrame(List.of(RowFactory.create("CDM", "registry")),
                new StructType().add("study_id", DataTypes.StringType).add("design", DataTypes.StringType));
    }

    static Date d(String iso) {
        return iso == null ? null : Date.valueOf(iso);
    }

    /** A tiny CDM with lower-case column names (as some exports write them). */
    Path cdm(SparkSession spark) {
        write(spark, "drug_era", new StructType().add("person_id", DataTypes.LongType)
                        .add("drug_concept_id", DataTypes.LongType).add("drug_era_start_date", DataTypes.DateType)
                        .add("drug_era_end_date", DataTypes.DateType),
                RowFactory.create(1L, 1118084L, d("2020-01-01"), d("2020-01-31")),
                RowFactory.create(2L, 1118084L, d("2020-02-01"), null), // no end: quarantined
                RowFactory.create(3L, 999L, d("2020-01-01"), null));    // another drug: outside the study
        write(spark, "condition_era", new StructType().add("person_id", DataTypes.LongType)
                        .add("condition_concept_id", DataTypes.LongType).add("condition_era_start_date", DataTypes.DateType),
                RowFactory.create(1L, 192671L, d("2020-01-15")));
        write(spark, "observation_period", new StructType().add("person_id", DataTypes.LongType)
                        .add("observation_period_start_date", DataTypes.DateType)
                        .add("observation_period_end_date", DataTypes.DateType),
                RowFactory.create(1L, d("2019-01-01"), d("2020-12-31")),
                RowFactory.create(2L, d("2019-01-01"), d("2020-12-31")));
        write(spark, "person", new StructType().add("person_id", DataTypes.LongType)
                        .add("gender_concept_id", DataTypes.LongType).add("year_of_birth", DataTypes.LongType),
                RowFactory.create(1L, 8532L, 1960L), RowFactory.create(2L, 8507L, 1970L));
        return dir;
    }

    void write(SparkSession spark, String table, StructType schema, Row... rows) {
        spark.createDataFrame(List.of(rows), schema).write().mode(SaveMode.Overwrite)
                .parquet(dir.resolve(table + ".parquet").toString());
    }

    @Test
    void erasOfTheConfsConceptsBecomeEpisodesAndAnEraWithoutEndIsQuarantined(SparkSession spark) {
        Validation v = Validation.defaults();
        RegistryExtract x = OmopReader.read(spark, cdm(spark).toString(), "CDM", GROUPS, studies, v);
        List<String> episodes = new ArrayList<>();
        for (Row r : x.exposures().collectAsList()) {
            episodes.add(String.join(" ", r.getString(0), r.getString(1), r.getString(2), r.getString(3),
                    r.getDate(4) + ".." + r.getDate(5)));
        }
        assertEquals(List.of("CDM 1 1118084 celecoxib 2020-01-01..2020-01-31"), episodes);
        List<Row> rejects = v.rejects(spark).collectAsList();
        assertEquals(1, rejects.size());
        assertEquals("drug_end_date.given", rejects.get(0).getString(1));
        assertEquals(1, x.events().count());
        Row event = x.events().first();
        assertEquals(192671L, event.getLong(event.fieldIndex("concept_id")));
        assertEquals(2, x.observation().count());
        Row person = x.patients().filter("patient_id = '1'").first();
        assertEquals("female", person.getString(person.fieldIndex("sex")));
        assertEquals(1960, person.getInt(person.fieldIndex("birth_year")));
    }

    @Test
    void aDatabaseWhoseIdIsNotARegistryStudyStopsTheRun(SparkSession spark) {
        InputException e = assertThrows(InputException.class, () -> OmopReader.read(spark, cdm(spark).toString(),
                "OTHER", GROUPS, studies, Validation.defaults()));
        assertEquals("registry_id", e.column());
    }
}
