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
 * Registry events are matched on their own columns (term, soc, serious, hospitalised; OMOP condition concepts);
 * a registry has no treatment-emergent flag: its risk window decides.
 *
 * @param firstEvent   person-time ends at a subject's first event (incidence of first events, the usual safety rate);
 *                     false counts every event over the whole at-risk time (recurrent events)
 * @param hospitalised registry events only: require hospitalised = Y
 * @param omopConcepts OMOP condition concept ids of the outcome (for OMOP CDM registries)
 * @param cleanWindow  registry recurrent outcomes: days after each event during which the patient is not at risk of
 *                     the outcome again (OHDSI CohortIncidence's {@code cleanWindow}): those days leave the person-time
 *                     and events on them are not counted; 0: none
 */
public record OutcomeDefinition(String name, boolean treatmentEmergent, boolean serious,
                                List<String> socs, List<String> preferredTerms, boolean firstEvent,
                                boolean hospitalised, List<Long> omopConcepts, int cleanWindow) {

    public OutcomeDefinition(String name, boolean treatmentEmergent, boolean serious, List<String> socs,
                             List<String> preferredTerms, boolean firstEvent, boolean hospitalised,
                             List<Long> omopConcepts) {
        this(name, treatmentEmergent, serious, socs, preferredTerms, firstEvent, hospitalised, omopConcepts, 0);
    }

    public OutcomeDefinition(String name, boolean treatmentEmergent, boolean serious, List<String> socs,
                             List<String> preferredTerms) {
        this(name, treatmentEmergent, serious, socs, preferredTerms, true, false, List.of());
    }

    public OutcomeDefinition {
        if (name == null || !name.matches("[a-z][a-z0-9_]*")) {
            throw new IllegalArgumentException("outcome name '" + name + "' must be snake_case (a-z, 0-9, _)");
        }
        socs = socs == null ? List.of() : List.copyOf(socs);
        preferredTerms = preferredTerms == null ? List.of() : List.copyOf(preferredTerms);
        omopConcepts = omopConcepts == null ? List.of() : List.copyOf(omopConcepts);
        if (socs.isEmpty() && preferredTerms.isEmpty() && omopConcepts.isEmpty()) {
            throw new IllegalArgumentException("outcome '" + name + "' needs at least one SOC, preferred term or OMOP concept");
        }
        if (cleanWindow < 0) {
            throw new IllegalArgumentException("outcome '" + name + "': clean_window must be >= 0 days, was " + cleanWindow);
        }
        if (cleanWindow > 0 && firstEvent) {
            throw new IllegalArgumentException("outcome '" + name + "': clean_window applies to recurrent outcomes "
                    + "(first_event: false); a first-event outcome's time ends at its first event, and "
                    + "registry.new_user.prior_outcome_lookback keeps out patients with the outcome before entry");
        }
    }

    /** The default outcome of this project: treatment-emergent serious infections. */
    public static OutcomeDefinition seriousInfection() {
        return new OutcomeDefinition("serious_infection", true, true, List.of("Infections and infestations"), List.of());
    }

    /**
     * The columns an event table names its fields by: ADaM ADAE and the generic registry extract carry the same
     * facts under other names, and a registry has no treatment-emergent flag, an ADAE no hospitalisation flag
     * (null: the table lacks it and the filter does not apply to it).
     */
    private record EventColumns(String soc, String term, String treatmentEmergent, String serious,
                                String hospitalised) {
    }

    private static final EventColumns ADAE = new EventColumns("AEBODSYS", "AEDECOD", "TRTEMFL", "AESER", null);
    private static final EventColumns REGISTRY = new EventColumns("soc", "term", null, "serious", "hospitalised");

    /** True on ADAE rows that count towards this outcome. */
    public Column matches() {
        return matches(ADAE);
    }

    /** True on generic registry event rows ({@code term, soc, serious, hospitalised}) that count towards this outcome. */
    public Column matchesRegistryEvent() {
        return matches(REGISTRY);
    }

    /** The one predicate of this outcome, written over {@code c}'s column names (a SOC or term listed, then the flags). */
    private Column matches(EventColumns c) {
        Column term = lit(false);
        if (!socs.isEmpty()) {
            term = term.or(upper(trim(col(c.soc()))).isin(upperAll(socs)));
        }
        if (!preferredTerms.isEmpty()) {
            term = term.or(upper(trim(col(c.term()))).isin(upperAll(preferredTerms)));
        }
        Column keep = term;
        if (treatmentEmergent && c.treatmentEmergent() != null) {
            keep = keep.and(col(c.treatmentEmergent()).equalTo("Y"));
        }
        if (serious) {
            keep = keep.and(col(c.serious()).equalTo("Y"));
        }
        if (hospitalised && c.hospitalised() != null) {
            keep = keep.and(col(c.hospitalised()).equalTo("Y"));
        }
        return keep;
    }

    private static Object[] upperAll(List<String> names) {
        return names.stream().map(s -> s.trim().toUpperCase(Locale.ROOT)).toArray();
    }
}
