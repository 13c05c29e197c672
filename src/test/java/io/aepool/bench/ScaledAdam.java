package io.aepool.bench;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Date;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.date_add;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.format_string;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.pow;
import static org.apache.spark.sql.functions.sequence;
import static org.apache.spark.sql.functions.to_date;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.xxhash64;

/**
 * Subject-level ADaM (ADSL and ADAE Parquet) at any scale, for the aggregation benchmark ({@code jobs/bench.sh},
 * docs/benchmarks.md). Spark-native: one {@code spark.range} over subjects, every attribute a built-in expression of
 * the subject index and a seed (xxhash64, pmod, pow), events by {@code explode(sequence(...))}; each range partition
 * becomes one Parquet file, so no row ever reaches the driver and memory does not grow with the row count.
 *
 * <p>Shape: about {@code rows / 5.5} subjects (3 to 8 adverse events each) in {@code studies} studies whose sizes
 * follow {@code study = floor(S * u^4)} over the subject quantile u: study 0 holds 22% of all subjects, the smallest
 * 0.06% (at 1e8 rows: 4 million subjects and ~18 million patient-years in the largest, registry-like, study; about
 * 11,000 in the smallest). Each study has three arms (placebo and two doses of one of eight JAK inhibitors); 2% of
 * subjects are not in the safety population; 20% stop treatment early. About 22% of events are infections (more on
 * JAK), 12% of those serious: serious treatment-emergent infections are ~2.4% of events. 0.5% of the non-serious
 * events are undated. Writes {@code adsl.parquet/}, {@code adae.parquet/}, {@code studies.csv} and {@code job.yaml}
 * (the job's conf for these files) under OUT_DIR.
 *
 * <p>Then a few rows that break the job's ADaM rules, one or two of each kind ({@link #writeBadRows}), in one more
 * Parquet file of each table: so the benchmark compares rejects, not only arm tables. Each rejects its study (a small
 * one) whole, as the job's quarantine does. When the clean tables are already there (an older run), only those rows are
 * (re)written.
 *
 * <p>Usage: {@code ScaledAdam OUT_DIR AE_ROWS [STUDIES=400] [SEED=11]}
 */
public final class ScaledAdam {

    static final String[][] DRUGS = {{"Abrocitinib", "100", "200"}, {"Baricitinib", "2", "4"},
            {"Upadacitinib", "15", "30"}, {"Tofacitinib", "5", "10"}, {"Ritlecitinib", "30", "50"},
            {"Povorcitinib", "45", "75"}, {"Deuruxolitinib", "8", "12"}, {"Brepocitinib", "30", "60"}};
    static final String[] CONDITIONS = {"atopic dermatitis", "psoriasis", "alopecia areata", "vitiligo",
            "hidradenitis suppurativa"};
    static final String INFECTIONS = "Infections and infestations";
    private static final String[] INFECTION_TERMS = {"Nasopharyngitis", "Upper respiratory tract infection",
            "Herpes zoster", "Pneumonia", "Cellulitis", "Urinary tract infection", "Influenza", "Folliculitis"};
    private static final String[][] OTHER = {{"Headache", "Nervous system disorders"},
            {"Nausea", "Gastrointestinal disorders"}, {"Acne", "Skin and subcutaneous tissue disorders"},
            {"Blood creatine phosphokinase increased", "Investigations"}, {"Fatigue", "General disorders and administration site conditions"},
            {"Asthma", "Respiratory, thoracic and mediastinal disorders"}, {"Dermatitis atopic", "Skin and subcutaneous tissue disorders"},
            {"Arthralgia", "Musculoskeletal and connective tissue disorders"}, {"Hypertension", "Vascular disorders"},
            {"Dizziness", "Nervous system disorders"}};
    // events per subject: 3..8, mean 5.5
    static final double EVENTS_PER_SUBJECT = 5.5;
    // one output file per range partition, ~4 million events each
    private static final long EVENTS_PER_FILE = 4_000_000L;

    private ScaledAdam() {
    }

    public static void main(String[] args) throws IOException {
        Path out = Path.of(args[0]);
        long rows = (long) Double.parseDouble(args[1]);
        int studies = args.length > 2 ? Integer.parseInt(args[2]) : 400;
        long seed = args.length > 3 ? Long.parseLong(args[3]) : 11L;
        SparkSession spark = SparkSession.builder().appName("aepool-scaled-adam").master("local[2]")
                .config("spark.ui.enabled", "false")
                .config("spark.sql.session.timeZone", "UTC")
                .config("spark.driver.bindAddress", "127.0.0.1").config("spark.driver.host", "127.0.0.1")
                .getOrCreate();
        try {
            long t0 = System.nanoTime();
            if (Files.exists(out.resolve("adae.parquet/_SUCCESS")) && Files.exists(out.resolve("adsl.parquet/_SUCCESS"))
                    && Files.exists(out.resolve("job.yaml"))) {
                writeBadRows(spark, out, rows, studies, seed);
                System.out.printf(Locale.ROOT, "added the bad rows to %s in %.1f s%n", out, (System.nanoTime() - t0) / 1e9);
                return;
            }
            write(spark, out, rows, studies, seed);
            System.out.printf(Locale.ROOT, "generated %s: target %d AE rows, %d studies, seed %d in %.1f s%n", out, rows,
                    studies, seed, (System.nanoTime() - t0) / 1e9);
        } finally {
            spark.stop();
        }
    }

    /** Writes the four files; returns nothing read back (the caller counts if it wants to). */
    public static void write(SparkSession spark, Path out, long rows, int studies, long seed) throws IOException {
        Files.createDirectories(out);
        long subjects = Math.max(studies * 20L, Math.round(rows / EVENTS_PER_SUBJECT));
        int files = (int) Math.max(2, (rows + EVENTS_PER_FILE - 1) / EVENTS_PER_FILE);
        Dataset<Row> s = subjects(spark, subjects, files, studies, seed);
        s.select(col("STUDYID"), col("USUBJID"), col("TRT01A"), col("SAFFL"), col("TRTSDT"), col("TRTEDT"))
                .write().mode(SaveMode.Overwrite).parquet(out.resolve("adsl.parquet").toString());
        events(s, seed).write().mode(SaveMode.Overwrite).parquet(out.resolve("adae.parquet").toString());
        writeStudies(out.resolve("studies.csv"), studies);
        Files.writeString(out.resolve("job.yaml"), conf());
        writeBadRows(spark, out, rows, studies, seed);
    }

    /** File name of the bad rows in {@code adsl.parquet/} and {@code adae.parquet/}. */
    static final String BAD_ROWS = "part-99999-bad-rows.parquet";

    static final StructType ADSL_SCHEMA = new StructType().add("STUDYID", DataTypes.StringType)
            .add("USUBJID", DataTypes.StringType).add("TRT01A", DataTypes.StringType).add("SAFFL", DataTypes.StringType)
            .add("TRTSDT", DataTypes.DateType).add("TRTEDT", DataTypes.DateType);
    static final StructType ADAE_SCHEMA = new StructType().add("STUDYID", DataTypes.StringType)
            .add("USUBJID", DataTypes.StringType).add("TRTA", DataTypes.StringType).add("AEBODSYS", DataTypes.StringType)
            .add("AEDECOD", DataTypes.StringType).add("AESER", DataTypes.StringType).add("TRTEMFL", DataTypes.StringType)
            .add("ASTDT", DataTypes.DateType);

    /**
     * Rows that break the job's ADaM rules, deterministic, each in one of the smallest studies (the last 10; needs at
     * least 11 studies), written as one more Parquet file of each table ({@link #BAD_ROWS}, replaced if there):
     * <ul>
     *   <li>ADSL: the last subject again (usubjid.unique, both rows; its events then have no subject), SAFFL 'X', a
     *   study not in the study table, TRTEDT before TRTSDT, an unlisted TRT01A, a safety subject without TRT01A, a
     *   blank USUBJID, a blank STUDYID (its row quarantines no study), and a valid subject written with blanks around
     *   every value (read trimmed);</li>
     *   <li>ADAE: an event of a subject not in ADSL, AESER 'U', TRTEMFL 'X', a blank STUDYID, events of the subjects
     *   rejected above (unknown study, SAFFL 'X'), and a serious infection of the padded subject (it counts).</li>
     * </ul>
     */
    static void writeBadRows(SparkSession spark, Path out, long rows, int studies, long seed) throws IOException {
        if (studies < 11) {
            throw new IllegalArgumentException("the bad rows need at least 11 studies (got " + studies + ")");
        }
        long subjects = Math.max(studies * 20L, Math.round(rows / EVENTS_PER_SUBJECT));
        Date start = Date.valueOf("2020-01-01");
        Date end = Date.valueOf("2020-06-30");
        String padded = sid(studies - 7);
        List<Row> adsl = List.of(
                RowFactory.create(sid(studies - 2), sid(studies - 2) + "-BAD-SAFFL", "Placebo", "X", start, end),
                RowFactory.create("BENCH-9999", "BENCH-9999-000000001", "Placebo", "Y", start, end),
                RowFactory.create(sid(studies - 3), sid(studies - 3) + "-BAD-DATES", "Placebo", "Y", end, start),
                RowFactory.create(sid(studies - 4), sid(studies - 4) + "-BAD-TRT", "Unlisted 1 mg", "Y", start, end),
                RowFactory.create(sid(studies - 5), sid(studies - 5) + "-NO-TRT", null, "Y", start, end),
                RowFactory.create(sid(studies - 6), "   ", "Placebo", "Y", start, end),
                RowFactory.create("", "BENCH-NOSTUDY-1", "Placebo", "Y", start, end),
                RowFactory.create(" " + padded + " ", " " + padded + "-PADDED ", "Placebo ", " Y", start, end));
        Dataset<Row> duplicate = subjects(spark, subjects, 1, studies, seed).filter(col("id").equalTo(subjects - 1))
                .select(col("STUDYID"), col("USUBJID"), col("TRT01A"), col("SAFFL"), col("TRTSDT"), col("TRTEDT"));
        Date onset = Date.valueOf("2020-02-01");
        List<Row> adae = List.of(
                event(sid(studies - 8), sid(studies - 8) + "-ORPHAN", "Y", "Y", onset),
                event(sid(studies - 9), sid(studies - 9) + "-AESER", "U", "Y", onset),
                event(sid(studies - 10), sid(studies - 10) + "-TRTEMFL", "N", "X", onset),
                event("  ", "BENCH-NOSTUDY-2", "Y", "Y", onset),
                event("BENCH-9999", "BENCH-9999-000000001", "Y", "Y", onset),
                event(sid(studies - 2), sid(studies - 2) + "-BAD-SAFFL", "N", "Y", onset),
                RowFactory.create(" " + padded + " ", padded + "-PADDED", "Placebo", " infections and infestations ",
                        "Pneumonia", " Y ", "Y", Date.valueOf("2020-03-01")));
        writeOneFile(spark.createDataFrame(adsl, ADSL_SCHEMA).unionByName(duplicate), out, "adsl.parquet");
        writeOneFile(spark.createDataFrame(adae, ADAE_SCHEMA), out, "adae.parquet");
    }

    private static String sid(int study) {
        return String.format(Locale.ROOT, "BENCH-%04d", study);
    }

    private static Row event(String study, String subject, String aeser, String trtemfl, Date onset) {
        return RowFactory.create(study, subject, "Placebo", INFECTIONS, "Pneumonia", aeser, trtemfl, onset);
    }

    private static void writeOneFile(Dataset<Row> rows, Path out, String table) throws IOException {
        Path tmp = out.resolve(table + ".bad-rows.tmp");
        rows.coalesce(1).write().mode(SaveMode.Overwrite).parquet(tmp.toString());
        try (var files = Files.list(tmp)) {
            Path part = files.filter(f -> f.getFileName().toString().startsWith("part-")
                    && f.getFileName().toString().endsWith(".parquet")).findFirst().orElseThrow();
            Files.move(part, out.resolve(table).resolve(BAD_ROWS), StandardCopyOption.REPLACE_EXISTING);
        }
        try (var walk = Files.walk(tmp)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }

    /** Uniform in [0, 1) from the seed, a salt and the given columns (a counter-based generator: no state, any partitioning). */
    static Column uniform(long seed, String salt, Column... keys) {
        Column[] all = new Column[keys.length + 2];
        all[0] = lit(seed);
        all[1] = lit(salt);
        System.arraycopy(keys, 0, all, 2, keys.length);
        return pmod(xxhash64(all), lit(1_000_000_000L)).divide(1e9);
    }

    /** One row per subject with every ADSL attribute, plus the helper columns events() needs. */
    static Dataset<Row> subjects(SparkSession spark, long n, int partitions, int studies, long seed) {
        Column id = col("id");
        Column u = id.plus(0.5).divide((double) n);
        Column study = least(lit(studies - 1), floor(pow(u, 4.0).multiply(studies))).cast("int");
        Column arm = pmod(xxhash64(lit(seed), lit("arm"), id), lit(3L)).cast("int");
        Column drug = pmod(col("__study"), lit(DRUGS.length)).plus(1);
        Column low = element_at(array(Arrays.stream(DRUGS).map(d -> lit(d[0] + " " + d[1] + " mg")).toArray(Column[]::new)), drug);
        Column high = element_at(array(Arrays.stream(DRUGS).map(d -> lit(d[0] + " " + d[2] + " mg")).toArray(Column[]::new)), drug);
        Column safety = uniform(seed, "saffl", id).geq(0.02);
        Column trt = when(col("__arm").equalTo(0), lit("Placebo")).when(col("__arm").equalTo(1), low).otherwise(high);
        Column start = date_add(to_date(lit("2012-01-01")), col("__study").multiply(5)
                .plus(pmod(xxhash64(lit(seed), lit("start"), id), lit(365L)).cast("int")));
        // planned days: weeksOf(study) * 7; 20% stop early at a uniform fraction of it
        Column planned = weeksColumn(col("__study")).multiply(7);
        Column early = uniform(seed, "stop", id);
        Column days = greatest(lit(1), when(early.lt(0.2), floor(planned.multiply(uniform(seed, "frac", id))))
                .otherwise(planned).cast("int"));
        return spark.range(0, n, 1, partitions)
                .withColumn("__study", study)
                .withColumn("__arm", arm)
                .withColumn("__saf", safety)
                .withColumn("__days", days)
                .withColumn("STUDYID", format_string("BENCH-%04d", col("__study")))
                .withColumn("USUBJID", format_string("BENCH-%04d-%09d", col("__study"), id))
                .withColumn("SAFFL", when(col("__saf"), lit("Y")).otherwise(lit("N")))
                .withColumn("TRT01A", when(col("__saf"), trt))
                .withColumn("__start", start)
                .withColumn("TRTSDT", when(col("__saf"), col("__start")))
                .withColumn("TRTEDT", when(col("__saf"), date_add(col("__start"), col("__days").minus(1))));
    }

    /** 3 to 8 adverse events per subject, exploded partition by partition (no shuffle). */
    static Dataset<Row> events(Dataset<Row> subjects, long seed) {
        Column k = pmod(xxhash64(lit(seed), lit("k"), col("id")), lit(6L)).plus(3).cast("int");
        Column key = col("id");
        Column j = col("__j");
        // infection risk 20% of events on placebo, 23% and 25% on the two JAK doses
        Column infectionRisk = when(col("__arm").equalTo(0), lit(0.20)).when(col("__arm").equalTo(1), lit(0.23)).otherwise(lit(0.25));
        Column infection = uniform(seed, "inf", key, j).lt(infectionRisk);
        Column serious = uniform(seed, "ser", key, j).lt(when(col("__inf"), lit(0.12)).otherwise(lit(0.04)));
        Column termIx = pmod(xxhash64(lit(seed), lit("pt"), key, j), lit((long) OTHER.length)).plus(1).cast("int");
        Column infIx = pmod(xxhash64(lit(seed), lit("ipt"), key, j), lit((long) INFECTION_TERMS.length)).plus(1).cast("int");
        Column otherTerm = element_at(array(Arrays.stream(OTHER).map(o -> lit(o[0])).toArray(Column[]::new)), termIx);
        Column otherSoc = element_at(array(Arrays.stream(OTHER).map(o -> lit(o[1])).toArray(Column[]::new)), termIx);
        Column infTerm = element_at(array(Arrays.stream(INFECTION_TERMS).map(t -> lit(t)).toArray(Column[]::new)), infIx);
        // onset from 30 days before the start to 30 days after the end; before the start is not treatment-emergent
        Column offset = floor(uniform(seed, "day", key, j).multiply(col("__days").plus(60))).cast("int").minus(30);
        Column onset = date_add(col("__start"), offset);
        Column undated = col("__ser").equalTo(false).and(uniform(seed, "undated", key, j).lt(0.005));
        return subjects.withColumn("__j", explode(sequence(lit(1), k)))
                .withColumn("__inf", infection)
                .withColumn("__ser", serious)
                .select(col("STUDYID"), col("USUBJID"), col("TRT01A").as("TRTA"),
                        when(col("__inf"), lit(INFECTIONS)).otherwise(otherSoc).as("AEBODSYS"),
                        when(col("__inf"), infTerm).otherwise(otherTerm).as("AEDECOD"),
                        when(col("__ser"), lit("Y")).otherwise(lit("N")).as("AESER"),
                        when(col("__saf").and(offset.geq(0)), lit("Y")).otherwise(lit("N")).as("TRTEMFL"),
                        when(undated, lit(null).cast("date")).otherwise(onset).as("ASTDT"));
    }

    /** Planned treatment weeks: the 4 largest studies are long-term (5 years), the next 36 one year, the rest 12-36 weeks. */
    static int weeksOf(int study) {
        return study < 4 ? 260 : study < 40 ? 52 : 12 + 12 * (study % 3);
    }

    private static Column weeksColumn(Column study) {
        return when(study.lt(4), lit(260)).when(study.lt(40), lit(52)).otherwise(lit(12).plus(pmod(study, lit(3)).multiply(12)));
    }

    private static void writeStudies(Path file, int studies) throws IOException {
        try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(file, StandardCharsets.UTF_8))) {
            w.println("study_id,acronym,condition,drug,year,design,control_type,weeks,source");
            for (int i = 0; i < studies; i++) {
                String id = String.format(Locale.ROOT, "BENCH-%04d", i);
                w.printf(Locale.ROOT, "%s,%s,%s,%s,%d,rct,placebo,%d,synthetic (ScaledAdam)%n", id, id,
                        CONDITIONS[i % CONDITIONS.length], DRUGS[i % DRUGS.length][0].toLowerCase(Locale.ROOT),
                        2012 + i % 14, weeksOf(i));
            }
        }
    }

    /** Every TRT01A value the data holds, as conf treatments lines. */
    static String conf() {
        StringBuilder t = new StringBuilder();
        for (String[] d : DRUGS) {
            for (int i = 1; i <= 2; i++) {
                t.append(String.format(Locale.ROOT, "  - {treatment: \"%s %s mg\", role: experimental, dose_mg: %s}%n", d[0], d[i], d[i]));
            }
        }
        t.append("  - {treatment: \"Placebo\", role: control}\n");
        return """
                # written by io.aepool.bench.ScaledAdam (jobs/bench.sh); paths relative to this file
                inputs:
                  studies: [studies.csv]
                  adam:
                    - adsl: adsl.parquet
                      adae: adae.parquet
                treatments:
                """ + t + """
                multi_arm: [combine]
                outcomes:
                  - name: serious_infection
                    treatment_emergent: true
                    serious: true
                    socs: [Infections and infestations]
                    preferred_terms: []
                    first_event: true
                analysis:
                  measures: [RR]
                  methods: [MH, DL]
                """;
    }
}
