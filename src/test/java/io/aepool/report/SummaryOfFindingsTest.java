package io.aepool.report;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** GRADE's summary of findings: the assumed risk is the studies' median, and every certainty domain is shown. */
class SummaryOfFindingsTest {

    private static Table.Row row(Map<String, String> extra) {
        Map<String, String> m = new HashMap<>(Map.of("outcome", "si", "analysis_id", "id", "measure", "RR",
                "method", "MH", "ci_method", "wald-z", "k", "19", "studies", "32", "status", "ok"));
        m.putAll(Map.of("n_exp", "7640", "n_ctl", "4277", "events_exp", "47", "events_ctl", "22"));
        m.putAll(Map.of("estimate", "0.68", "ci_low", "0.41", "ci_high", "1.13", "i2", "0.0", "q_p", "0.47"));
        m.putAll(extra);
        return new Table.Row(m);
    }

    @Test
    void theAssumedRiskIsTheMedianControlRiskOfTheStudies() {
        // crude 22/4277 = 5.1 per 1,000; the studies' median 8.0 per 1,000 is what GRADE assumes
        Map<String, Object> sof = SummaryOfFindings.row(row(Map.of("median_ctl_risk", "0.008")));
        assertEquals("8.0 per 1,000 (median of studies)", sof.get("assumed"));
        // 8.0 x 0.68 = 5.44; x 0.41 = 3.28; x 1.13 = 9.04
        assertEquals("5.4 per 1,000 (3.3 to 9.0)", sof.get("corresponding"));
        assertEquals("2.6 fewer per 1,000", sof.get("difference"));
    }

    @Test
    void ratesAreAssumedAndShownPer100PersonYears() {
        Map<String, Object> sof = SummaryOfFindings.row(row(Map.of("measure", "IRR", "median_ctl_rate_per_100py", "1.5",
                "person_years_ctl", "1500", "ci_low", "0.4", "ci_high", "1.2")));
        assertEquals("1.50 per 100 person-years (median of studies)", sof.get("assumed"));
        // 1.5 x 0.68, x 0.4, x 1.2
        assertEquals("1.02 per 100 person-years (0.60 to 1.80)", sof.get("corresponding"));
    }

    @Test
    void everyCertaintyDomainIsShownWithTheUnjudgedOnesNotAssessed() {
        Map<String, Object> sof = SummaryOfFindings.row(row(Map.of("median_ctl_risk", "0.008")));
        assertEquals("not assessed", sof.get("riskOfBias"));
        assertEquals("not assessed", sof.get("indirectness"));
        assertEquals("not assessed", sof.get("publicationBias"));
        assertEquals("not serious (I\u00b2 = 0%, p(Q) = 0.47)", sof.get("inconsistency"));
        // 0.41 to 1.13 crosses 1 but stops short of an appreciable harm (1.25): serious, not very serious
        assertEquals("serious (CI crosses 1; 69 events < 300)", sof.get("imprecision"));
        assertTrue(((String) sof.get("certainty")).startsWith("at most moderate"), (String) sof.get("certainty"));
    }

    @Test
    void anIntervalHoldingBenefitAndHarmIsVerySeriousAndHeterogeneityIsSerious() {
        Map<String, Object> sof = SummaryOfFindings.row(row(Map.of("ci_low", "0.5", "ci_high", "1.6", "i2", "0.62",
                "q_p", "0.01", "events_exp", "400", "events_ctl", "300")));
        assertEquals("very serious (CI includes appreciable benefit and harm)", sof.get("imprecision"));
        assertTrue(((String) sof.get("inconsistency")).startsWith("serious (I\u00b2 = 62%"), (String) sof.get("inconsistency"));
        assertTrue(((String) sof.get("certainty")).startsWith("at most very low"), (String) sof.get("certainty"));
    }
}
