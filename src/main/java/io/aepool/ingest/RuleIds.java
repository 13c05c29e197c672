package io.aepool.ingest;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Every validation rule id, declared once with what it checks (docs/validation.md lists the same). An id is stable:
 * a reworded message never changes it. The conf's {@code validation.rules} may name only these ids, and the type
 * rules of declared columns ({@code <column>.wrong_type}, {@code <column>.must_not_be_empty}).
 */
public final class RuleIds {

    private static final Map<String, String> CHECKS = new LinkedHashMap<>();

    // study tables
    public static final String STUDY_ID_UNIQUE_ACROSS_TABLES = declare("study_id.unique_across_study_tables",
            "study_id is unique across all study tables (structural)");
    public static final String DESIGN_KNOWN = declare("design.rct_or_registry", "design is rct or registry");
    public static final String CONTROL_TYPE_KNOWN = declare("control_type.placebo_or_active",
            "control_type is placebo or active");
    public static final String YEAR_IN_RANGE = declare("year.between_1900_and_2100", "1900 <= year <= 2100");
    public static final String WEEKS_POSITIVE = declare("weeks.positive", "weeks > 0 when given");
    public static final String STUDY_ID_UNIQUE = declare("study_id.unique", "study_id is unique within a study table");

    // arm-level counts
    public static final String ROLE_KNOWN = declare("role.known", "role is experimental or control");
    public static final String N_POSITIVE = declare("n.positive", "n > 0");
    public static final String EVENTS_NOT_NEGATIVE = declare("events.not_negative", "events >= 0");
    public static final String EVENTS_NOT_ABOVE_N = declare("events.not_above_n", "events <= n");
    public static final String PERSON_YEARS_POSITIVE = declare("person_years.positive", "person_years > 0 when given");
    public static final String DOSE_NOT_NEGATIVE = declare("dose_mg.not_negative", "dose_mg >= 0 when given");
    public static final String ARM_STUDY_KNOWN = declare("study_id.in_studies_table",
            "the arm's study_id is in the study table");
    public static final String ARM_DUPLICATE_KEY = declare("arm.duplicate_key",
            "(study_id, arm_id, outcome) appears once: every row of a repeated key is rejected");
    // arm-level inputs as a whole (published counts, ADaM and registry aggregates)
    public static final String HAS_EXPERIMENTAL_ARM = declare("study.has_experimental_arm",
            "a study has an experimental arm for each of its outcomes");
    public static final String HAS_CONTROL_ARM = declare("study.has_control_arm",
            "a study has a control arm for each of its outcomes");
    public static final String ONE_INPUT_FILE = declare("study.one_input_file",
            "a study comes from one input file (structural)");

    // ADaM ADSL
    public static final String SAFFL_Y_OR_N = declare("saffl.y_or_n", "SAFFL is Y, N or empty");
    public static final String ADSL_STUDY_KNOWN = declare("studyid.in_studies_table", "STUDYID is in the study table");
    public static final String TRT01A_GIVEN = declare("trt01a.given_for_safety_subject",
            "a safety-population subject (SAFFL = Y) has TRT01A");
    public static final String TRT01A_LISTED = declare("trt01a.listed_in_conf",
            "a safety-population subject's TRT01A is listed under treatments in the conf");
    public static final String TRTEDT_NOT_BEFORE_TRTSDT = declare("trtedt.not_before_trtsdt", "TRTEDT >= TRTSDT");
    public static final String USUBJID_UNIQUE = declare("usubjid.unique", "a subject has one ADSL row");
    public static final String PERIOD_END_NOT_BEFORE_START = declare("trxxedt.not_before_trxxsdt",
            "TRxxEDT >= TRxxSDT for the conf's period xx (adam_window.period: randomised)");
    public static final String PERIOD_TREATMENT_GIVEN = declare("trtxxa.given_for_safety_subject",
            "a safety-population subject in period xx (TRxxSDT given) has TRTxxA (xx > 01)");
    public static final String PERIOD_TREATMENT_LISTED = declare("trtxxa.listed_in_conf",
            "TRTxxA of a subject in period xx is listed under treatments in the conf (xx > 01)");
    // ADaM ADAE
    public static final String AESER_Y_OR_N = declare("aeser.y_or_n", "AESER is Y, N or empty");
    public static final String TRTEMFL_Y_OR_N = declare("trtemfl.y_n_or_empty", "TRTEMFL is Y, N or empty");
    public static final String EVENT_SUBJECT_KNOWN = declare("usubjid.in_subject_table",
            "the event's subject is a row of the ADSL paired with the ADAE");

    // registry extracts (generic)
    public static final String REGISTRY_KNOWN = declare("registry_id.registry_in_studies_table",
            "the registry is a study of design registry in the study table (structural)");
    public static final String EXPOSURE_END_NOT_BEFORE_START = declare("end_date.not_before_start_date",
            "an exposure's end_date >= its start_date");
    public static final String DRUG_CLASS_MAPPED = declare("drug_class.in_exposure_groups",
            "drug_class is in a registry.exposure_groups entry of the conf");
    public static final String EXPOSURE_NOT_REPEATED = declare("exposure.not_repeated",
            "an exposure episode does not repeat a row of an earlier extract or of the same one");
    public static final String EXPOSURE_PATIENT_KNOWN = declare("patient_id.in_patients_table",
            "an exposure's patient is in the patients table");
    public static final String SERIOUS_Y_OR_N = declare("serious.y_or_n", "serious is Y or N");
    public static final String HOSPITALISED_Y_OR_N = declare("hospitalised.y_or_n", "hospitalised is Y or N");
    public static final String EVENT_PATIENT_EXPOSED = declare("patient_id.has_exposure_episode",
            "an event's patient has an exposure episode in the extract");
    public static final String EVENT_NOT_REPEATED = declare("event.not_repeated",
            "an event does not repeat a row of an earlier extract or of the same one");
    public static final String OBSERVATION_END_NOT_BEFORE_START = declare("observation_end.not_before_observation_start",
            "observation_end >= observation_start");
    public static final String DEATH_NOT_BEFORE_OBSERVATION = declare("death_date.not_before_observation_start",
            "death_date >= observation_start");
    public static final String PATIENT_ONCE_PER_EXTRACT = declare("patient_id.once_per_extract",
            "a patient has one row per extract");

    // OMOP CDM
    public static final String DRUG_END_GIVEN = declare("drug_end_date.given", "a drug_era has an end date");
    public static final String DRUG_END_NOT_BEFORE_START = declare("drug_end_date.not_before_start_date",
            "a drug era's or exposure's end date >= its start date");
    public static final String OBSERVATION_PERIOD_NOT_REVERSED = declare("observation_period_end_date.not_before_start",
            "OBSERVATION_PERIOD_END_DATE >= OBSERVATION_PERIOD_START_DATE");

    /**
     * The ledger id of rows quarantined because another row of their study and outcome (or, for ADaM, of their study)
     * was rejected; the value column points at that row's rule and key. Not a rule of its own: it follows the
     * action of the rule that caused it, so the conf cannot set it.
     */
    public static final String STUDY_INCOMPLETE = "study_incomplete";

    /** Declared input columns whose type rules the conf may name (lower case). */
    private static final Set<String> TYPED_COLUMNS = new TreeSet<>();
    private static final Pattern PERIOD_COLUMN = Pattern.compile("(tr\\d\\d[se]dt|trt\\d\\da)");

    static {
        for (List<ColumnSpec> specs : List.of(StudiesReader.COLUMNS, ArmCountsReader.COLUMNS, AdamReader.ADSL_COLUMNS,
                AdamReader.ADAE_COLUMNS, AdamReader.LAG_CAP_COLUMNS)) {
            specs.forEach(c -> TYPED_COLUMNS.add(c.name().toLowerCase(Locale.ROOT)));
        }
        TYPED_COLUMNS.addAll(List.of("registry_id", "patient_id", "drug", "drug_class", "start_date", "end_date",
                "event_date", "term", "soc", "serious", "hospitalised", "birth_year", "observation_start",
                "observation_end", "death_date", "person_id", "drug_concept_id", "drug_era_start_date",
                "drug_era_end_date", "drug_exposure_start_date", "drug_exposure_end_date", "condition_concept_id",
                "condition_era_start_date", "condition_start_date", "observation_period_start_date",
                "observation_period_end_date", "year_of_birth", "gender_concept_id"));
    }

    private RuleIds() {
    }

    private static String declare(String id, String checks) {
        if (CHECKS.put(id, checks) != null) {
            throw new IllegalStateException("rule id declared twice: " + id);
        }
        return id;
    }

    /** Every declared id (type rules aside) with what it checks, in declaration order. */
    public static Map<String, String> checks() {
        return Collections.unmodifiableMap(CHECKS);
    }

    /** Whether the conf may name {@code id}: a declared rule or the type rule of a declared column. */
    public static boolean known(String id) {
        if (CHECKS.containsKey(id)) {
            return true;
        }
        for (String suffix : List.of(".wrong_type", ".must_not_be_empty")) {
            if (id.endsWith(suffix)) {
                String column = id.substring(0, id.length() - suffix.length());
                return TYPED_COLUMNS.contains(column) || PERIOD_COLUMN.matcher(column).matches();
            }
        }
        return false;
    }
}
