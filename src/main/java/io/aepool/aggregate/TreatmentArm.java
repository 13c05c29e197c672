package io.aepool.aggregate;

/** How an ADaM actual-treatment value (TRT01A) maps to an arm: its role and, where known, its dose. */
public record TreatmentArm(String treatment, String role, Double doseMg) {

    public TreatmentArm {
        if (!"experimental".equals(role) && !"control".equals(role)) {
            throw new IllegalArgumentException("treatment '" + treatment + "': role must be experimental or control");
        }
    }
}
