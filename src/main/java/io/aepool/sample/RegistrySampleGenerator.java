package io.aepool.sample;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Date;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * SYNTHETIC registry extracts (not real patients): three dermatology registries following patients on JAK
 * inhibitors, biologics and conventional systemic therapy for years, written in the generic extract shape
 * ({@code exposures/}, {@code events/}, {@code patients/}, Parquet partitioned by {@code extract_date}) as two
 * incremental nightly extracts: the first holds what was known on {@link #FIRST_EXTRACT}, the second adds what
 * became known by {@link #SECOND_EXTRACT} (new patients, continued episodes, new events, updated follow-up).
 * Serious-infection rates per 100 person-years are drawn per class (JAK 3.0, biologic 2.2, conventional 2.6),
 * scaled by registry; seeded, so the files are reproducible.
 */
public final class RegistrySampleGenerator {

    /** The registry sample's own seed (the trials' one, {@link SampleDataGenerator#DEFAULT_SEED}, is chosen for them). */
    public static final long DEFAULT_SEED = 20251125L;
    public static final LocalDate FIRST_EXTRACT = LocalDate.of(2026, 8, 31);
    public static final LocalDate SECOND_EXTRACT = LocalDate.of(2026, 11, 24);

    record Registry(String id, String condition, int patients, double riskScale, int firstYear) {
    }

    static final List<Registry> REGISTRIES = List.of(
            new Registry("SYN-REG-PSO", "psoriasis", 2400, 1.0, 2017),
            new Registry("SYN-REG-AD", "atopic dermatitis", 1800, 1.2, 2019),
            new Registry("SYN-REG-HS", "hidradenitis suppurativa", 700, 1.8, 2020));

    private static final String[][] CLASSES = {
            {"JAK inhibitor", "upadacitinib", "abrocitinib", "baricitinib", "tofacitinib"},
            {"biologic", "dupilumab", "adalimumab", "ustekinumab", "secukinumab"},
            {"conventional systemic", "methotrexate", "ciclosporin"}};
    // serious infections per 100 person-years on each class (before the registry's scale)
    private static final double[] SERIOUS_RATE = {3.0, 2.2, 2.6};
    private static final double MILD_RATE = 12.0;

    private static final StructType EXPOSURES = new StructType()
            .add("registry_id", DataTypes.StringType).add("patient_id", DataTypes.StringType)
            .add("drug", DataTypes.StringType).add("drug_class", DataTypes.StringType)
            .add("start_date", DataTypes.DateType).add("end_date", DataTypes.DateType)
            .add("extract_date", DataTypes.StringType);
    private static final StructType EVENTS = new StructType()
            .add("registry_id", DataTypes.StringType).add("patient_id", DataTypes.StringType)
            .add("event_date", DataTypes.DateType).add("term", DataTypes.StringType).add("soc", DataTypes.StringType)
            .add("serious", DataTypes.StringType).add("hospitalised", DataTypes.StringType)
            .add("extract_date", DataTypes.StringType);
    private static final StructType PATIENTS = new StructType()
            .add("registry_id", DataTypes.StringType).add("patient_id", DataTypes.StringType)
            .add("birth_year", DataTypes.IntegerType).add("sex", DataTypes.StringType)
            .add("condition", DataTypes.StringType)
            .add("observation_start", DataTypes.DateType).add("observation_end", DataTypes.DateType)
            .add("death_date", DataTypes.DateType).add("extract_date", DataTypes.StringType);

    private RegistrySampleGenerator() {
    }

    public static void main(String[] args) {
        GeneratorMain.run(args, "registry-sample", "sample-data/registry", DEFAULT_SEED, RegistrySampleGenerator::write);
    }

    /** A patient's full history up to the second extract, split below into what each extract holds. */
    private record Episode(String drug, String drugClass, LocalDate start, LocalDate end) {
    }

    private record Event(LocalDate date, String term, boolean serious, boolean hospitalised) {
    }

    static void write(SparkSession spark, Path out, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<Row> exposures = new ArrayList<>();
        List<Row> events = new ArrayList<>();
        List<Row> patients = new ArrayList<>();
        String first = FIRST_EXTRACT.toString();
        String second = SECOND_EXTRACT.toString();
        for (Registry registry : REGISTRIES) {
            for (int i = 1; i <= registry.patients(); i++) {
                String pid = String.format("%s-%05d", registry.id().substring(8), i);
                LocalDate entry = LocalDate.of(registry.firstYear(), 1, 1)
                        .plusDays(random.nextInt((int) (SECOND_EXTRACT.toEpochDay() - LocalDate.of(registry.firstYear(), 1, 1).toEpochDay())));
                int birthYear = 1940 + random.nextInt(65);
                String sex = random.nextBoolean() ? "female" : "male";
                LocalDate lost = random.nextDouble() < 0.15 ? entry.plusDays(200 + random.nextInt(1500)) : null;
                LocalDate death = random.nextDouble() < 0.01 ? entry.plusDays(100 + random.nextInt(2000)) : null;
                LocalDate followUpEnd = min(min(lost, death), SECOND_EXTRACT);
                if (followUpEnd.isBefore(entry)) {
                    continue;
                }
                List<Episode> history = new ArrayList<>();
                List<Event> history2 = new ArrayList<>();
                LocalDate t = entry;
                int courses = 1 + random.nextInt(3);
                for (int c = 0; c < courses && t.isBefore(followUpEnd); c++) {
                    int cls = pickClass(random, registry);
                    String drug = CLASSES[cls][1 + random.nextInt(CLASSES[cls].length - 1)];
                    LocalDate end = min(t.plusDays(60 + (long) (-Math.log(1 - random.nextDouble()) * 550)), followUpEnd);
                    // a course is often recorded as several prescriptions back to back, sometimes overlapping
                    LocalDate s = t;
                    while (s.isBefore(end) || s.equals(end)) {
                        LocalDate e = min(s.plusDays(80 + random.nextInt(120)), end);
                        history.add(new Episode(drug, CLASSES[cls][0], s, e));
                        s = e.plusDays(random.nextInt(10) < 7 ? 1 : -5);
                        if (!s.isAfter(e.minusDays(5)) && e.equals(end)) {
                            break;
                        }
                    }
                    addEvents(random, history2, t, end, SERIOUS_RATE[cls] * registry.riskScale());
                    t = end.plusDays(30 + random.nextInt(200));
                }
                for (Episode ep : history) {
                    if (!ep.start().isAfter(FIRST_EXTRACT)) {
                        exposures.add(exposure(registry, pid, ep, ep.start(), min(ep.end(), FIRST_EXTRACT), first));
                        if (ep.end().isAfter(FIRST_EXTRACT)) {
                            // known by the first extract as ongoing; the second extract records its continuation
                            exposures.add(exposure(registry, pid, ep, FIRST_EXTRACT.plusDays(1), ep.end(), second));
                        }
                    } else {
                        exposures.add(exposure(registry, pid, ep, ep.start(), ep.end(), second));
                    }
                }
                for (Event ev : history2) {
                    events.add(RowFactory.create(registry.id(), pid, Date.valueOf(ev.date()), ev.term(),
                            "Infections and infestations", ev.serious() ? "Y" : "N", ev.hospitalised() ? "Y" : "N",
                            ev.date().isAfter(FIRST_EXTRACT) ? second : first));
                }
                if (!entry.isAfter(FIRST_EXTRACT)) {
                    LocalDate end1 = min(min(lost, death), FIRST_EXTRACT);
                    patients.add(patient(registry, pid, birthYear, sex, entry, end1,
                            death != null && !death.isAfter(FIRST_EXTRACT) ? death : null, first));
                }
                patients.add(patient(registry, pid, birthYear, sex, entry, followUpEnd, death, second));
            }
        }
        writeTable(spark, exposures, EXPOSURES, out.resolve("exposures"));
        writeTable(spark, events, EVENTS, out.resolve("events"));
        writeTable(spark, patients, PATIENTS, out.resolve("patients"));
        writeStudies(out.resolve("studies.csv"));
    }

    private static int pickClass(SplittableRandom random, Registry registry) {
        double u = random.nextDouble();
        return u < 0.35 ? 0 : u < 0.8 ? 1 : 2;
    }

    // events as a Poisson process on the course: serious infections at the class's rate, mild ones more often
    private static void addEvents(SplittableRandom random, List<Event> out, LocalDate start, LocalDate end, double seriousPer100) {
        double years = (end.toEpochDay() - start.toEpochDay() + 1) / 365.25;
        addProcess(random, out, start, years, seriousPer100 / 100, true);
        addProcess(random, out, start, years, MILD_RATE / 100, false);
    }

    private static void addProcess(SplittableRandom random, List<Event> out, LocalDate start, double years, double rate,
                                   boolean serious) {
        double t = -Math.log(1 - random.nextDouble()) / rate;
        while (t < years) {
            LocalDate date = start.plusDays((long) (t * 365.25));
            String term = serious ? (random.nextBoolean() ? "Pneumonia" : random.nextBoolean() ? "Herpes zoster" : "Cellulitis")
                    : (random.nextBoolean() ? "Nasopharyngitis" : "Upper respiratory tract infection");
            out.add(new Event(date, term, serious, serious && random.nextDouble() < 0.8));
            t += -Math.log(1 - random.nextDouble()) / rate;
        }
    }

    private static Row exposure(Registry r, String pid, Episode ep, LocalDate start, LocalDate end, String extract) {
        return RowFactory.create(r.id(), pid, ep.drug(), ep.drugClass(), Date.valueOf(start), Date.valueOf(end), extract);
    }

    private static Row patient(Registry r, String pid, int birthYear, String sex, LocalDate entry, LocalDate end,
                               LocalDate death, String extract) {
        return RowFactory.create(r.id(), pid, birthYear, sex, r.condition(), Date.valueOf(entry), Date.valueOf(end),
                death == null ? null : Date.valueOf(death), extract);
    }

    private static LocalDate min(LocalDate a, LocalDate b) {
        if (a == null) {
            return b;
        }
        return b == null || a.isBefore(b) ? a : b;
    }

    private static void writeTable(SparkSession spark, List<Row> rows, StructType schema, Path target) {
        spark.createDataFrame(rows, schema).orderBy("extract_date", "registry_id", "patient_id").coalesce(1)
                .write().mode(SaveMode.Overwrite).partitionBy("extract_date").parquet(target.toString());
        // Spark's bookkeeping files are not data
        try (var walk = Files.walk(target)) {
            walk.filter(p -> p.getFileName().toString().endsWith(".crc") || p.getFileName().toString().equals("_SUCCESS"))
                    .toList().forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void writeStudies(Path file) {
        StringBuilder csv = new StringBuilder("study_id,acronym,condition,drug,year,design,control_type,weeks,source,evidence\n");
        for (Registry r : REGISTRIES) {
            csv.append(r.id()).append(',').append(r.id()).append(',').append(r.condition())
                    .append(",JAK inhibitors,").append(r.firstYear()).append(",registry,active,,")
                    .append("synthetic (aepool registry sample generator),synthetic-registry\n");
        }
        try {
            Files.writeString(file, csv);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
