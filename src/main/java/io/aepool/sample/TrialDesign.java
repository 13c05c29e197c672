package io.aepool.sample;

import java.util.List;

/**
 * One synthetic trial of the sample: condition, drug, doses, allocation and its baseline risk level.
 * Synthetic: shaped after the published 32-RCT meta-analysis of oral JAK inhibitors, not real trials.
 */
record TrialDesign(String studyId, String condition, String drug, int year, int weeks, String controlType,
                   List<Double> dosesMg, List<Integer> allocation, int controlAllocation, int plannedN, RiskLevel risk) {

    /** Baseline serious-infection risk of the control arm over the trial. */
    enum RiskLevel {
        VERY_HIGH(0.04), HIGH(0.012), MODERATE(0.002), LOW(0.0005);

        final double controlRisk;

        RiskLevel(double controlRisk) {
            this.controlRisk = controlRisk;
        }
    }

    static TrialDesign multiDose(String id, String condition, String drug, int year, int weeks, String control,
                                 List<Double> doses, int plannedN, RiskLevel risk) {
        int k = doses.size();
        boolean highRisk = risk == RiskLevel.HIGH || risk == RiskLevel.VERY_HIGH;
        // High-risk trials allocate more subjects to JAK (4:1 overall for one or two doses, 1:1:…:1 for three);
        // low-risk trials allocate 1:1 overall. This is what makes crude proportions mislead (Simpson's paradox).
        List<Integer> allocation = highRisk
                ? (k <= 2 ? java.util.Collections.nCopies(k, 4 / k) : java.util.Collections.nCopies(k, 1))
                : java.util.Collections.nCopies(k, 1);
        int controlAllocation = highRisk ? 1 : k;
        return new TrialDesign(id, condition, drug, year, weeks, control, doses, allocation, controlAllocation, plannedN, risk);
    }
}
