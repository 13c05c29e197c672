package io.aepool.aggregate;

import org.apache.spark.sql.Column;

import java.util.List;
import java.util.Locale;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.upper;
import static org.apache.spark.sql.functions.trim;

/**
 * Which adverse events count towards an outcome. An event qualifies when it passes every given filter:
 * treatment-emergent (TRTEMFL = Y), serious (AESER = Y), and its system organ class is one of {@code socs}
 * or its preferred term one of {@code preferredTerms} (names compared case-insensitively).
 */
public record OutcomeDefinition(String name, boolean treatmentEmergent, boolean serious,
                                List<String> socs, List<String> preferredTerms) {

    public OutcomeDefinition {
        if (name == null || !name.matches("[a-z][a-z0-9_]*")) {
            throw new IllegalArgumentException("outcome name '" + name + "' must be snake_case (a-z, 0-9, _)");
        }
        socs = socs == null ? List.of() : List.copyOf(socs);
        preferredTerms = preferredTerms == null ? List.of() : List.copyOf(preferredTerms);
        if (socs.isEmpty() && preferredTerms.isEmpty()) {
            throw new IllegalArgumentException("outcome '" + name + "' needs at least one SOC or preferred term");
        }
    }

    /** The default outcome of this project: treatment-emergent serious infections. */
    public static OutcomeDefinition seriousInfection() {
        return new OutcomeDefinition("serious_infection", true, true, List.of("Infections and infestations"), List.of());
    }

    /** True on ADAE rows that count towards this outcome. */
    public Column matches() {
        Column term = lit(false);
        if (!socs.isEmpty()) {
            term = term.or(upper(trim(col("AEBODSYS"))).isin(upperAll(socs)));
        }
        if (!preferredTerms.isEmpty()) {
            term = term.or(upper(trim(col("AEDECOD"))).isin(upperAll(preferredTerms)));
        }
        Column keep = term;
        if (treatmentEmergent) {
            keep = keep.and(col("TRTEMFL").equalTo("Y"));
        }
        if (serious) {
            keep = keep.and(col("AESER").equalTo("Y"));
        }
        return keep;
    }

    private static Object[] upperAll(List<String> names) {
        return names.stream().map(s -> s.trim().toUpperCase(Locale.ROOT)).toArray();
    }
}
