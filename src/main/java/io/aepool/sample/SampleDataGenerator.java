package io.aepool.sample;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * Writes the synthetic subject-level sample (ADaM-shaped ADSL and ADAE Parquet plus its study table).
 * Seeded and deterministic. Per-arm serious-infection counts are drawn first, each from the binomial with the
 * arm's true risk (so trials vary by chance, as real ones do, and a risk ratio below 1 in truth can show as above
 * 1 in a small trial), then subjects and adverse events are drawn around them, with many non-serious,
 * non-infection and pre-treatment events that the outcome definition must leave out. {@link #DEFAULT_SEED} is
 * one for which the draws show what the sample is for: crude proportions of 0.62% on JAK and 0.51% on control
 * (the published ones) while the trial-stratified risk ratio is below 1, with heterogeneity of chance size.
 */
public final class SampleDataGenerator {

    /**
     * Chosen by a search over seeds (each plan checked with {@code stats.Poolers}) for one whose draws give 47/7,640
     * on JAK and 22/4,277 on control (0.62% vs 0.51%), a Mantel-Haenszel RR below 1 (0.68) and Q of chance size
     * (16.9 on 18 df, P(chi-square <= Q) = 0.47). Other seeds give other, equally valid, samples.
     */
    public static final long DEFAULT_SEED = 20296939L;

    /** Planned arm: treatment name, role, dose, subjects treated and subjects with a serious infection. */
    record PlannedArm(String studyId, String treatment, String role, Double doseMg, int n, int seriousInfections) {
    }

    private static final String[] SERIOUS_INFECTIONS = {"Herpes zoster", "Pneumonia", "Cellulitis",
            "Eczema herpeticum", "Urinary tract infection", "Appendicitis", "Pyelonephritis", "COVID-19 pneumonia"};
    private static final String[] MILD_INFECTIONS = {"Nasopharyngitis", "Upper respiratory tract infection",
            "Oral herpes", "Folliculitis", "Influenza", "Sinusitis"};
    private static final String[][] OTHER_EVENTS = {
            {"Acne", "SKIN AND SUBCUTANEOUS TISSUE DISORDERS"},
            {"Headache", "NERVOUS SYSTEM DISORDERS"},
            {"Nausea", "GASTROINTESTINAL DISORDERS"},
            {"Blood creatine phosphokinase increased", "INVESTIGATIONS"},
            {"Dermatitis atopic", "SKIN AND SUBCUTANEOUS TISSUE DISORDERS"},
            {"Asthma", "RESPIRATORY, THORACIC AND MEDIASTINAL DISORDERS"},
            {"Fatigue", "GENERAL DISORDERS AND ADMINISTRATION SITE CONDITIONS"}};
    private static final String INFECTIONS_SOC = "INFECTIONS AND INFESTATIONS";

    private SampleDataGenerator() {
    }

    public static void main(String[] args) {
        GeneratorMain.run(args, "aepool-sample", "sample-data/adam", DEFAULT_SEED, SampleDataGenerator::write);
    }

    /**
     * Plans every arm: sizes from the allocation, and each arm's subjects with a serious infection drawn from the
     * binomial with the arm's true risk (the trial's control risk, times {@link SampleTrials#TRUE_RR} on JAK), so
     * trials differ from each other by chance as real trials do. The draws come first from {@code random}.
     */
    static List<PlannedArm> plan(List<TrialDesign> trials, SplittableRandom random) {
        int[] sizes = rescale(trials.stream().mapToInt(TrialDesign::plannedN).toArray(), SampleTrials.TOTAL_SUBJECTS);
        List<PlannedArm> planned = new ArrayList<>();
        for (int t = 0; t < trials.size(); t++) {
            TrialDesign d = trials.get(t);
            int[] weights = new int[d.allocation().size() + 1];
            for (int a = 0; a < d.allocation().size(); a++) {
                weights[a] = d.allocation().get(a);
            }
            weights[weights.length - 1] = d.controlAllocation();
            int[] arms = split(sizes[t], weights);
            double controlRisk = d.risk().controlRisk;
            for (int a = 0; a < d.dosesMg().size(); a++) {
                double dose = d.dosesMg().get(a);
                planned.add(new PlannedArm(d.studyId(), treatmentName(d.drug(), dose), "experimental", dose, arms[a],
                        binomial(random, arms[a], controlRisk * SampleTrials.TRUE_RR)));
            }
            String control = d.controlType().equals("active") ? "Dupilumab 300 mg" : "Placebo";
            int nControl = arms[arms.length - 1];
            planned.add(new PlannedArm(d.studyId(), control, "control", null, nControl, binomial(random, nControl, controlRisk)));
        }
        return planned;
    }

    /** {@link #plan(List, SplittableRandom)} from a fresh generator with this seed (what {@link #write} draws first). */
    static List<PlannedArm> plan(List<TrialDesign> trials, long seed) {
        return plan(trials, new SplittableRandom(seed));
    }

    /** An exact Binomial(n, p) draw: the number of n independent uniforms below p. */
    static int binomial(SplittableRandom random, int n, double p) {
        int k = 0;
        for (int i = 0; i < n; i++) {
            if (random.nextDouble() < p) {
                k++;
            }
        }
        return k;
    }

    static String treatmentName(String drug, double dose) {
        String d = dose == Math.rint(dose) ? String.valueOf((long) dose) : String.valueOf(dose);
        return Character.toUpperCase(drug.charAt(0)) + drug.substring(1) + " " + d + " mg";
    }

    static void write(SparkSession spark, Path out, long seed) {
        List<TrialDesign> trials = SampleTrials.all();
        SplittableRandom random = new SplittableRandom(seed);
        List<PlannedArm> arms = plan(trials, random);
        List<Row> subjects = new ArrayList<>();
        List<Row> events = new ArrayList<>();
        for (TrialDesign trial : trials) {
            LocalDate firstDay = LocalDate.of(trial.year() - 1, 1, 1);
            int subjectNo = 0;
            List<PlannedArm> trialArms = arms.stream().filter(a -> a.studyId().equals(trial.studyId())).toList();
            for (PlannedArm arm : trialArms) {
                boolean[] infected = chooseSubjects(random, arm.n(), arm.seriousInfections());
                for (int i = 0; i < arm.n(); i++) {
                    subjectNo++;
                    String usubjid = trial.studyId() + "-" + String.format(Locale.ROOT, "%03d-%05d", 1 + random.nextInt(40), subjectNo);
                    LocalDate start = firstDay.plusDays(random.nextInt(365));
                    int plannedDays = trial.weeks() * 7;
                    // about one in ten discontinues early
                    int days = random.nextDouble() < 0.1 ? 1 + random.nextInt(plannedDays) : plannedDays;
                    LocalDate end = start.plusDays(days - 1);
                    subjects.add(subject(trial, usubjid, arm.treatment(), "Y", start, end, random));
                    addEvents(events, trial, usubjid, arm.treatment(), start, end, infected[i], random);
                }
            }
            // Randomised but never treated: outside the safety population, sometimes with pre-treatment events.
            int untreated = 1 + random.nextInt(4);
            for (int i = 0; i < untreated; i++) {
                subjectNo++;
                String usubjid = trial.studyId() + "-" + String.format(Locale.ROOT, "%03d-%05d", 1 + random.nextInt(40), subjectNo);
                subjects.add(subject(trial, usubjid, null, "N", null, null, random));
                events.add(event(trial, usubjid, null, 1, "Pneumonia", INFECTIONS_SOC, "Y", "N", firstDay.plusDays(random.nextInt(365))));
            }
        }
        writeParquet(spark, subjects, ADSL, out.resolve("adsl.parquet"));
        writeParquet(spark, events, ADAE, out.resolve("adae.parquet"));
        writeStudies(trials, out.resolve("studies.csv"));
    }

    private static Row subject(TrialDesign trial, String usubjid, String treatment, String saffl, LocalDate start,
                               LocalDate end, SplittableRandom random) {
        return RowFactory.create(trial.studyId(), usubjid, treatment, saffl,
                start == null ? null : java.sql.Date.valueOf(start), end == null ? null : java.sql.Date.valueOf(end),
                start == null ? null : (long) (end.toEpochDay() - start.toEpochDay() + 1),
                (long) (18 + random.nextInt(60)), random.nextBoolean() ? "F" : "M");
    }

    private static void addEvents(List<Row> events, TrialDesign trial, String usubjid, String treatment,
                                  LocalDate start, LocalDate end, boolean seriousInfection, SplittableRandom random) {
        int seq = 0;
        long span = end.toEpochDay() - start.toEpochDay() + 1;
        if (seriousInfection) {
            // one in eight infected subjects has a second serious infection: events exceed subjects
            int count = random.nextInt(8) == 0 ? 2 : 1;
            for (int i = 0; i < count; i++) {
                events.add(event(trial, usubjid, treatment, ++seq, pick(SERIOUS_INFECTIONS, random), INFECTIONS_SOC,
                        "Y", "Y", start.plusDays(random.nextLong(span))));
            }
        }
        if (random.nextDouble() < 0.22) {
            events.add(event(trial, usubjid, treatment, ++seq, pick(MILD_INFECTIONS, random), INFECTIONS_SOC,
                    "N", "Y", start.plusDays(random.nextLong(span))));
        }
        int others = random.nextInt(4);
        for (int i = 0; i < others; i++) {
            String[] e = OTHER_EVENTS[random.nextInt(OTHER_EVENTS.length)];
            String serious = random.nextDouble() < 0.02 ? "Y" : "N";
            events.add(event(trial, usubjid, treatment, ++seq, e[0], e[1], serious, "Y", start.plusDays(random.nextLong(span))));
        }
        if (random.nextDouble() < 0.01) {
            // a serious infection before the first dose is not treatment-emergent and must not count
            events.add(event(trial, usubjid, treatment, ++seq, pick(SERIOUS_INFECTIONS, random), INFECTIONS_SOC,
                    "Y", "N", start.minusDays(1 + random.nextInt(20))));
        }
    }

    private static Row event(TrialDesign trial, String usubjid, String treatment, int seq, String term, String soc,
                             String serious, String treatmentEmergent, LocalDate onset) {
        return RowFactory.create(trial.studyId(), usubjid, treatment, (long) seq, term, term, soc, serious,
                treatmentEmergent, java.sql.Date.valueOf(onset));
    }

    private static final StructType ADSL = new StructType()
            .add("STUDYID", DataTypes.StringType).add("USUBJID", DataTypes.StringType)
            .add("TRT01A", DataTypes.StringType).add("SAFFL", DataTypes.StringType)
            .add("TRTSDT", DataTypes.DateType).add("TRTEDT", DataTypes.DateType).add("TRTDUR", DataTypes.LongType)
            .add("AGE", DataTypes.LongType).add("SEX", DataTypes.StringType);

    private static final StructType ADAE = new StructType()
            .add("STUDYID", DataTypes.StringType).add("USUBJID", DataTypes.StringType)
            .add("TRTA", DataTypes.StringType).add("AESEQ", DataTypes.LongType)
            .add("AETERM", DataTypes.StringType).add("AEDECOD", DataTypes.StringType)
            .add("AEBODSYS", DataTypes.StringType).add("AESER", DataTypes.StringType)
            .add("TRTEMFL", DataTypes.StringType).add("ASTDT", DataTypes.DateType);

    private static void writeParquet(SparkSession spark, List<Row> rows, StructType schema, Path target) {
        spark.createDataFrame(rows, schema).coalesce(1).write().mode(SaveMode.Overwrite).parquet(target.toString());
        // keep the committed sample lean: Hadoop's checksum and marker files carry nothing a reader needs
        try (Stream<Path> files = Files.list(target)) {
            files.filter(p -> p.getFileName().toString().endsWith(".crc") || p.getFileName().toString().equals("_SUCCESS"))
                    .forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void writeStudies(List<TrialDesign> trials, Path file) {
        StringBuilder csv = new StringBuilder("study_id,acronym,condition,drug,year,design,control_type,weeks,source,evidence\n");
        trials.stream().sorted(Comparator.comparing(TrialDesign::studyId)).forEach(t -> csv.append(String.join(",",
                t.studyId(), t.studyId(), t.condition(), t.drug(), String.valueOf(t.year()), "rct", t.controlType(),
                String.valueOf(t.weeks()), "synthetic (aepool sample generator)", "synthetic")).append('\n'));
        try {
            Files.writeString(file, csv, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean[] chooseSubjects(SplittableRandom random, int n, int k) {
        boolean[] chosen = new boolean[n];
        int picked = 0;
        while (picked < k) {
            int i = random.nextInt(n);
            if (!chosen[i]) {
                chosen[i] = true;
                picked++;
            }
        }
        return chosen;
    }

    private static String pick(String[] options, SplittableRandom random) {
        return options[random.nextInt(options.length)];
    }

    /** Scales sizes to a total, rounding each and correcting the first ones by one until the sum fits. */
    static int[] rescale(int[] sizes, int total) {
        long sum = 0;
        for (int s : sizes) {
            sum += s;
        }
        int[] out = new int[sizes.length];
        int got = 0;
        for (int i = 0; i < sizes.length; i++) {
            out[i] = (int) Math.round(sizes[i] * (double) total / sum);
            got += out[i];
        }
        for (int i = 0; got != total; i = (i + 1) % out.length) {
            int step = got < total ? 1 : -1;
            out[i] += step;
            got += step;
        }
        return out;
    }

    /** Splits n by integer weights: floors first, the remainder to the first arms. */
    static int[] split(int n, int[] weights) {
        int w = 0;
        for (int x : weights) {
            w += x;
        }
        int[] out = new int[weights.length];
        int used = 0;
        for (int i = 0; i < weights.length; i++) {
            out[i] = n * weights[i] / w;
            used += out[i];
        }
        for (int i = 0; used < n; i++, used++) {
            out[i]++;
        }
        return out;
    }
}
