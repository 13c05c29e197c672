package io.aepool.sample;

import io.aepool.sample.TrialDesign.RiskLevel;

import java.util.List;

import static io.aepool.sample.TrialDesign.multiDose;

/** The 32 synthetic trials of sample-data (planned sizes are rescaled to 11,917 treated subjects). */
final class SampleTrials {

    static final int TOTAL_SUBJECTS = 11_917;
    // True risk ratio of JAK vs control in every trial of the synthetic world: each arm's events are binomial
    // draws with its trial's control risk (RiskLevel), times this on JAK
    static final double TRUE_RR = 0.7;

    private static final String AD = "atopic dermatitis";
    private static final String PSO = "psoriasis";
    private static final String AA = "alopecia areata";
    private static final String VIT = "vitiligo";
    private static final String HS = "hidradenitis suppurativa";
    private static final String LP = "lichen planus";

    private SampleTrials() {
    }

    static List<TrialDesign> all() {
        return List.of(
                multiDose("SYN-AD-01", AD, "abrocitinib", 2020, 12, "placebo", List.of(100.0, 200.0), 387, RiskLevel.HIGH),
                multiDose("SYN-AD-02", AD, "abrocitinib", 2020, 12, "placebo", List.of(100.0, 200.0), 391, RiskLevel.HIGH),
                multiDose("SYN-AD-03", AD, "abrocitinib", 2021, 16, "placebo", List.of(100.0, 200.0), 787, RiskLevel.HIGH),
                multiDose("SYN-AD-04", AD, "baricitinib", 2020, 16, "placebo", List.of(2.0, 4.0), 624, RiskLevel.HIGH),
                multiDose("SYN-AD-05", AD, "baricitinib", 2020, 16, "placebo", List.of(2.0, 4.0), 615, RiskLevel.HIGH),
                multiDose("SYN-AD-06", AD, "baricitinib", 2021, 16, "placebo", List.of(1.0, 2.0, 4.0), 440, RiskLevel.HIGH),
                multiDose("SYN-AD-07", AD, "upadacitinib", 2021, 16, "placebo", List.of(15.0, 30.0), 901, RiskLevel.HIGH),
                multiDose("SYN-AD-08", AD, "abrocitinib", 2021, 16, "active", List.of(200.0), 727, RiskLevel.HIGH),
                multiDose("SYN-AD-09", AD, "baricitinib", 2021, 16, "placebo", List.of(4.0), 329, RiskLevel.HIGH),
                multiDose("SYN-AD-10", AD, "upadacitinib", 2022, 16, "placebo", List.of(15.0, 30.0), 272, RiskLevel.HIGH),
                multiDose("SYN-PSO-01", PSO, "deucravacitinib", 2021, 16, "placebo", List.of(6.0), 666, RiskLevel.MODERATE),
                multiDose("SYN-PSO-02", PSO, "deucravacitinib", 2021, 16, "placebo", List.of(6.0), 1020, RiskLevel.MODERATE),
                multiDose("SYN-PSO-03", PSO, "tofacitinib", 2015, 16, "placebo", List.of(5.0, 10.0), 901, RiskLevel.MODERATE),
                multiDose("SYN-PSO-04", PSO, "tofacitinib", 2015, 16, "placebo", List.of(5.0, 10.0), 960, RiskLevel.MODERATE),
                multiDose("SYN-PSO-05", PSO, "deucravacitinib", 2022, 16, "placebo", List.of(6.0), 220, RiskLevel.MODERATE),
                multiDose("SYN-PSO-06", PSO, "brepocitinib", 2019, 12, "placebo", List.of(30.0, 60.0), 212, RiskLevel.MODERATE),
                multiDose("SYN-AA-01", AA, "baricitinib", 2022, 36, "placebo", List.of(2.0, 4.0), 654, RiskLevel.LOW),
                multiDose("SYN-AA-02", AA, "baricitinib", 2022, 36, "placebo", List.of(2.0, 4.0), 546, RiskLevel.LOW),
                multiDose("SYN-AA-03", AA, "ritlecitinib", 2023, 24, "placebo", List.of(30.0, 50.0), 387, RiskLevel.LOW),
                multiDose("SYN-AA-04", AA, "deuruxolitinib", 2023, 24, "placebo", List.of(8.0, 12.0), 704, RiskLevel.LOW),
                multiDose("SYN-AA-05", AA, "brepocitinib", 2021, 24, "placebo", List.of(30.0), 142, RiskLevel.LOW),
                multiDose("SYN-VIT-01", VIT, "ritlecitinib", 2023, 24, "placebo", List.of(50.0), 187, RiskLevel.LOW),
                multiDose("SYN-VIT-02", VIT, "upadacitinib", 2024, 52, "placebo", List.of(6.0, 11.0, 22.0), 185, RiskLevel.LOW),
                multiDose("SYN-VIT-03", VIT, "povorcitinib", 2024, 24, "placebo", List.of(15.0, 45.0, 75.0), 171, RiskLevel.LOW),
                multiDose("SYN-HS-01", HS, "upadacitinib", 2023, 12, "placebo", List.of(30.0), 68, RiskLevel.VERY_HIGH),
                multiDose("SYN-HS-02", HS, "povorcitinib", 2023, 16, "placebo", List.of(15.0, 45.0, 75.0), 209, RiskLevel.VERY_HIGH),
                multiDose("SYN-HS-03", HS, "povorcitinib", 2024, 12, "placebo", List.of(45.0, 75.0), 608, RiskLevel.VERY_HIGH),
                multiDose("SYN-HS-04", HS, "tofacitinib", 2022, 16, "placebo", List.of(10.0), 41, RiskLevel.VERY_HIGH),
                multiDose("SYN-LP-01", LP, "baricitinib", 2024, 16, "placebo", List.of(4.0), 38, RiskLevel.MODERATE),
                multiDose("SYN-LP-02", LP, "tofacitinib", 2023, 16, "placebo", List.of(5.0), 26, RiskLevel.MODERATE),
                multiDose("SYN-PSO-07", PSO, "deucravacitinib", 2023, 16, "placebo", List.of(6.0), 180, RiskLevel.MODERATE),
                multiDose("SYN-AD-11", AD, "baricitinib", 2023, 16, "placebo", List.of(2.0), 120, RiskLevel.HIGH));
    }
}
