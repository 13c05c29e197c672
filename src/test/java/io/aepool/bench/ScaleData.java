package io.aepool.bench;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Writes a synthetic arm-level data set of N randomised trials with a job conf, for the scale benchmark of the whole
 * job ({@code jobs/bench-scale.sh}): rare events, unequal arms, five conditions. Trials, not registries: registry
 * comparisons enter only rate measures, and the benchmark's grid is RR.
 * Usage: {@code ScaleData OUT_DIR N [SEED]}.
 */
public final class ScaleData {

    private static final String[] CONDITIONS = {"atopic dermatitis", "psoriasis", "alopecia areata", "vitiligo",
            "hidradenitis suppurativa"};

    private ScaleData() {
    }

    public static void main(String[] args) throws IOException {
        Path out = Path.of(args[0]);
        int n = Integer.parseInt(args[1]);
        SplittableRandom random = new SplittableRandom(args.length > 2 ? Long.parseLong(args[2]) : 7L);
        Files.createDirectories(out);
        try (PrintWriter studies = new PrintWriter(Files.newBufferedWriter(out.resolve("studies.csv"), StandardCharsets.UTF_8));
             PrintWriter arms = new PrintWriter(Files.newBufferedWriter(out.resolve("arm_counts.csv"), StandardCharsets.UTF_8))) {
            studies.println("study_id,acronym,condition,drug,year,design,control_type,weeks,source");
            arms.println("study_id,arm_id,role,treatment,dose_mg,outcome,n,events,person_years");
            for (int i = 0; i < n; i++) {
                String id = String.format(Locale.ROOT, "S%05d", i);
                String condition = CONDITIONS[random.nextInt(CONDITIONS.length)];
                studies.printf(Locale.ROOT, "%s,%s,%s,jak,%d,rct,placebo,52,synthetic%n", id, id, condition,
                        2000 + random.nextInt(25));
                int nExp = 50 + random.nextInt(400);
                int nCtl = 50 + random.nextInt(400);
                double risk = 0.002 + random.nextDouble() * 0.02;
                arms.printf(Locale.ROOT, "%s,E,experimental,jak,,si,%d,%d,%n", id, nExp, binomial(random, nExp, risk * 0.9));
                arms.printf(Locale.ROOT, "%s,C,control,placebo,,si,%d,%d,%n", id, nCtl, binomial(random, nCtl, risk));
            }
        }
        Files.writeString(out.resolve("job.yaml"), """
                inputs:
                  studies: studies.csv
                  arm_counts: [arm_counts.csv]
                analysis:
                  measures: [RR]
                  methods: [MH, IV, DL]
                  leave_one_out: true
                  subgroups: [condition]
                """);
    }

    private static int binomial(SplittableRandom random, int n, double p) {
        int x = 0;
        for (int i = 0; i < n; i++) {
            if (random.nextDouble() < p) {
                x++;
            }
        }
        return x;
    }
}
