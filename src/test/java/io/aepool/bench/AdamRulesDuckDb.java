package io.aepool.bench;

import io.aepool.aggregate.TreatmentArm;
import io.aepool.ingest.RuleIds;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The job's ADaM stage as DuckDB SQL, rules included ({@code duckdb-rules} in {@link AggregationBench}): every rule
 * {@code AdamReader.read} checks on an ADSL/ADAE pair with {@code Validation.defaults()} (default at-risk window, no
 * period, no lag), each row counted under the first rule it breaks in the job's order, the quarantine by study, then
 * {@link AggregationBench#fullSql} on what is left. Returns the arm table, the rejected rows per rule and the rows read
 * and rejected per file, to compare with the job's ({@code Validation.rejectedByRule()} and {@code accounting()}).
 * <ul>
 *   <li>Type rules (ValidatedTable): text is trimmed of spaces, blank reads as empty; STUDYID and USUBJID must not be
 *   empty; a date that does not cast is {@code <column>.wrong_type} (never, on Parquet DATE columns, but checked);</li>
 *   <li>ADSL, in order: SAFFL Y/N, study in the study table, TRT01A given and listed for a safety subject, TRTEDT not
 *   before TRTSDT, one row per subject (counted over the rows that pass the type rules);</li>
 *   <li>ADAE, in order: AESER Y/N, TRTEMFL Y/N, the event's subject a validated ADSL row;</li>
 *   <li>quarantine: a study (trimmed STUDYID, blank: none) with a rejected row in either file has its other rows of
 *   both files rejected as {@code study_incomplete}.</li>
 * </ul>
 * The study table is read as text, trimmed (the benchmark's is clean: the job's study rules are not repeated).
 */
final class AdamRulesDuckDb {

    /** Arm table (study|treatment to n, events, event count, person-years), rejects per rule, read/rejected per file. */
    record Result(Map<String, Object[]> arms, Map<String, Long> rejectedByRule, Map<String, long[]> files) {
    }

    private AdamRulesDuckDb() {
    }

    /**
     * @param adsl    a DuckDB table expression, e.g. {@code read_parquet('dir/adsl.parquet/*.parquet')}
     * @param adae    the same for ADAE
     * @param studies the study table CSV
     */
    static Result run(Statement st, String adsl, String adae, String studies, List<TreatmentArm> treatments)
            throws SQLException {
        String listed = treatments.stream().map(t -> "'" + t.treatment().replace("'", "''") + "'")
                .collect(Collectors.joining(", "));
        st.execute("CREATE OR REPLACE TEMP TABLE r_studies AS SELECT DISTINCT " + text("study_id") + " AS study_id "
                + "FROM read_csv('" + studies + "', header = true, all_varchar = true)");
        st.execute("""
                CREATE OR REPLACE TEMP TABLE r_adsl AS
                WITH typed AS (
                  SELECT %s AS STUDYID, %s AS USUBJID, %s AS TRT01A, %s AS SAFFL,
                    TRY_CAST(TRTSDT AS DATE) AS TRTSDT_T, TRY_CAST(TRTEDT AS DATE) AS TRTEDT_T,
                    %s AS sdt_bad, %s AS edt_bad
                  FROM %s),
                ruled AS (
                  SELECT *, CASE WHEN STUDYID IS NULL THEN '%s' WHEN USUBJID IS NULL THEN '%s'
                                 WHEN sdt_bad THEN '%s' WHEN edt_bad THEN '%s' END AS type_rule
                  FROM typed)
                SELECT t.STUDYID, t.USUBJID, t.TRT01A, t.SAFFL, t.TRTSDT_T AS TRTSDT, t.TRTEDT_T AS TRTEDT,
                  coalesce(t.type_rule, CASE WHEN t.type_rule IS NULL THEN CASE
                    WHEN t.SAFFL IS NOT NULL AND t.SAFFL NOT IN ('Y', 'N') THEN '%s'
                    WHEN s.study_id IS NULL THEN '%s'
                    WHEN t.SAFFL = 'Y' AND t.TRT01A IS NULL THEN '%s'
                    WHEN t.SAFFL = 'Y' AND t.TRT01A NOT IN (%s) THEN '%s'
                    WHEN t.TRTEDT_T < t.TRTSDT_T THEN '%s'
                    WHEN sum(CASE WHEN t.type_rule IS NULL THEN 1 ELSE 0 END)
                         OVER (PARTITION BY t.STUDYID, t.USUBJID) > 1 THEN '%s' END END) AS rule
                FROM ruled t LEFT JOIN r_studies s ON t.STUDYID = s.study_id
                """.formatted(text("STUDYID"), text("USUBJID"), text("TRT01A"), text("SAFFL"), wrongDate("TRTSDT"),
                wrongDate("TRTEDT"), adsl, "studyid.must_not_be_empty", "usubjid.must_not_be_empty",
                "trtsdt.wrong_type", "trtedt.wrong_type", RuleIds.SAFFL_Y_OR_N, RuleIds.ADSL_STUDY_KNOWN,
                RuleIds.TRT01A_GIVEN, listed, RuleIds.TRT01A_LISTED, RuleIds.TRTEDT_NOT_BEFORE_TRTSDT,
                RuleIds.USUBJID_UNIQUE));
        st.execute("""
                CREATE OR REPLACE TEMP VIEW v_adae AS
                WITH typed AS (
                  SELECT %s AS STUDYID, %s AS USUBJID, %s AS TRTA, %s AS AEBODSYS, %s AS AEDECOD, %s AS AESER,
                    %s AS TRTEMFL, TRY_CAST(ASTDT AS DATE) AS ASTDT_T, %s AS astdt_bad
                  FROM %s)
                SELECT STUDYID, USUBJID, TRTA, AEBODSYS, AEDECOD, AESER, TRTEMFL, ASTDT_T AS ASTDT,
                  CASE WHEN STUDYID IS NULL THEN '%s' WHEN USUBJID IS NULL THEN '%s' WHEN astdt_bad THEN '%s' END AS type_rule
                FROM typed
                """.formatted(text("STUDYID"), text("USUBJID"), text("TRTA"), text("AEBODSYS"), text("AEDECOD"),
                text("AESER"), text("TRTEMFL"), wrongDate("ASTDT"), adae, "studyid.must_not_be_empty",
                "usubjid.must_not_be_empty", "astdt.wrong_type"));
        // every event once: its rule (the first broken) and study, counted
        st.execute("""
                CREATE OR REPLACE TEMP TABLE r_adae AS
                SELECT coalesce(e.type_rule, CASE
                    WHEN e.AESER IS NOT NULL AND e.AESER NOT IN ('Y', 'N') THEN '%s'
                    WHEN e.TRTEMFL IS NOT NULL AND e.TRTEMFL NOT IN ('Y', 'N') THEN '%s'
                    WHEN v.USUBJID IS NULL THEN '%s' END) AS rule, e.STUDYID AS unit, count(*) AS n
                FROM v_adae e LEFT JOIN (SELECT STUDYID, USUBJID FROM r_adsl WHERE rule IS NULL) v
                  ON e.STUDYID = v.STUDYID AND e.USUBJID = v.USUBJID
                GROUP BY ALL
                """.formatted(RuleIds.AESER_Y_OR_N, RuleIds.TRTEMFL_Y_OR_N, RuleIds.EVENT_SUBJECT_KNOWN));
        st.execute("CREATE OR REPLACE TEMP TABLE r_adsl_sum AS SELECT rule, STUDYID AS unit, count(*) AS n FROM r_adsl GROUP BY ALL");
        st.execute("CREATE OR REPLACE TEMP TABLE r_bad AS SELECT DISTINCT unit FROM (SELECT unit FROM r_adsl_sum WHERE rule IS NOT NULL "
                + "UNION ALL SELECT unit FROM r_adae WHERE rule IS NOT NULL) WHERE unit IS NOT NULL");
        Set<String> bad = new HashSet<>();
        try (ResultSet rs = st.executeQuery("SELECT unit FROM r_bad")) {
            while (rs.next()) {
                bad.add(rs.getString(1));
            }
        }
        Map<String, Long> byRule = new TreeMap<>();
        Map<String, long[]> files = new TreeMap<>();
        for (String table : List.of("adsl", "adae")) {
            long[] f = files.computeIfAbsent(table, k -> new long[2]);
            try (ResultSet rs = st.executeQuery("SELECT rule, unit, n FROM " + (table.equals("adsl") ? "r_adsl_sum" : "r_adae"))) {
                while (rs.next()) {
                    String rule = rs.getString(1);
                    long n = rs.getLong(3);
                    f[0] += n;
                    if (rule == null && bad.contains(rs.getString(2))) {
                        rule = RuleIds.STUDY_INCOMPLETE;
                    }
                    if (rule != null) {
                        f[1] += n;
                        byRule.merge(rule, n, Long::sum);
                    }
                }
            }
        }
        String sql = AggregationBench.fullSql(
                "(SELECT * FROM r_adsl WHERE rule IS NULL AND STUDYID NOT IN (SELECT unit FROM r_bad))",
                "(SELECT * FROM v_adae WHERE type_rule IS NULL AND STUDYID NOT IN (SELECT unit FROM r_bad))", treatments);
        Map<String, Object[]> arms = AggregationBench.duckArmTable(st, sql);
        st.execute("DROP TABLE r_adsl");
        st.execute("DROP TABLE r_adae");
        return new Result(arms, byRule, files);
    }

    /** A text column as ValidatedTable reads it: trimmed of spaces, blank as empty. */
    private static String text(String column) {
        return "nullif(trim(CAST(" + column + " AS VARCHAR), ' '), '')";
    }

    /** ValidatedTable's wrong-type rule of a date column: a value given that does not cast. */
    private static String wrongDate(String column) {
        return "coalesce(" + column + " IS NOT NULL AND CAST(" + column + " AS VARCHAR) <> '' AND TRY_CAST(" + column
                + " AS DATE) IS NULL, false)";
    }
}
