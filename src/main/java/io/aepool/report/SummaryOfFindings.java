package io.aepool.report;

import io.aepool.report.Table.Row;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A GRADE-style summary-of-findings row per outcome, from the analyses.csv row of the primary specification.
 * The only arithmetic is GRADE's illustrative comparative risk (Schünemann et al., Cochrane Handbook ch. 14):
 * the assumed control risk is events_ctl / n_ctl of the pooled studies; the corresponding risk on the
 * experimental arm is assumed × RR, OR × assumed / (1 − assumed + OR × assumed), or assumed + RD (rates per
 * person-year for IRR and IRD), each per 1,000 and bounded below by 0.
 */
final class SummaryOfFindings {

    /** GRADE's rule of thumb for the optimal information size of a binary outcome (Guyatt 2011, GRADE 6). */
    static final int FEW_EVENTS = 300;
    /** Fewer studies than this: small-study tests are underpowered (Sterne 2011). */
    static final int FEW_STUDIES = 10;

    private SummaryOfFindings() {
    }

    /** The corresponding risk (a proportion or a rate) on the experimental arm for a control risk {@code assumed}. */
    static Double corresponding(String measure, Double assumed, Double effect) {
        if (assumed == null || effect == null) {
            return null;
        }
        double v = switch (measure.toUpperCase(Locale.ROOT)) {
            case "RR", "IRR" -> assumed * effect;
            case "OR", "PETO" -> effect * assumed / (1 - assumed + effect * assumed);
            case "RD", "IRD" -> assumed + effect;
            default -> Double.NaN;
        };
        return Double.isFinite(v) ? Math.max(0, v) : null;
    }

    /** A risk per 1,000: one decimal below 10, else a whole number. */
    static String per1000(Double proportion) {
        if (proportion == null) {
            return Fmt.DASH;
        }
        double v = proportion * 1000;
        return Math.abs(v) < 10 ? String.format(Locale.ROOT, "%.1f", v) : String.format(Locale.ROOT, "%,.0f", v);
    }

    static Map<String, Object> row(Row a) {
        String measure = a.text("measure");
        boolean ratio = Results.isRatio(measure);
        boolean rate = measure.toUpperCase(Locale.ROOT).startsWith("I");
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("outcome", a.text("outcome"));
        m.put("analysisId", a.text("analysis_id"));
        Integer k = a.integer("k");
        Integer studies = a.integer("studies");
        Integer nExp = a.integer("n_exp");
        Integer nCtl = a.integer("n_ctl");
        Integer eExp = a.integer("events_exp");
        Integer eCtl = a.integer("events_ctl");
        m.put("studies", Fmt.integer(k) + " of " + Fmt.integer(studies) + " studies contributing");
        m.put("participants", nExp == null || nCtl == null ? Fmt.DASH : Fmt.integer(nExp + nCtl));
        m.put("events", Fmt.count(eExp, nExp) + " vs " + Fmt.count(eCtl, nCtl));
        m.put("relative", measure + " " + Fmt.estCi(a.num("estimate"), a.num("ci_low"), a.num("ci_high"), ratio)
                .replace("[", "(").replace("; ", " to ").replace("]", ")"));
        m.put("method", a.text("method") + ", " + a.text("ci_method"));
        Double assumed;
        String unit;
        if (rate) {
            Double py = a.num("person_years_ctl");
            assumed = eCtl == null || py == null || py <= 0 ? null : eCtl / py;
            unit = "per 1,000 person-years";
        } else {
            assumed = eCtl == null || nCtl == null || nCtl <= 0 ? null : (double) eCtl / nCtl;
            unit = "per 1,000";
        }
        Double corr = corresponding(measure, assumed, a.num("estimate"));
        Double corrLo = corresponding(measure, assumed, a.num("ci_low"));
        Double corrHi = corresponding(measure, assumed, a.num("ci_high"));
        m.put("assumed", assumed == null ? Fmt.DASH : per1000(assumed) + " " + unit);
        m.put("corresponding", corr == null ? Fmt.DASH : per1000(corr) + " " + unit
                + (corrLo == null || corrHi == null ? "" : " (" + per1000(corrLo) + " to " + per1000(corrHi) + ")"));
        m.put("difference", corr == null || assumed == null ? Fmt.DASH : difference(corr - assumed, unit));
        m.put("i2", Fmt.i2(a.num("i2")));
        m.put("notes", String.join("; ", notes(a, ratio, k, eExp, eCtl)));
        return m;
    }

    private static String difference(double d, String unit) {
        String v = per1000(Math.abs(d));
        return d < 0 ? v + " fewer " + unit : d > 0 ? v + " more " + unit : "no difference";
    }

    static List<String> notes(Row a, boolean ratio, Integer k, Integer eExp, Integer eCtl) {
        List<String> notes = new ArrayList<>();
        if (a.num("estimate") == null) {
            notes.add(a.text("status").isEmpty() ? "not estimable" : a.text("status"));
            return notes;
        }
        if (!"ok".equals(a.text("status"))) {
            notes.add(a.text("status"));
        }
        if (k != null && k < FEW_STUDIES) {
            notes.add("few studies (k = " + k + ")");
        }
        if (eExp != null && eCtl != null && eExp + eCtl < FEW_EVENTS) {
            notes.add("few events (" + (eExp + eCtl) + " < " + FEW_EVENTS + ")");
        }
        Double lo = a.num("ci_low");
        Double hi = a.num("ci_high");
        double nul = ratio ? 1 : 0;
        if (lo != null && hi != null && lo < nul && hi > nul) {
            boolean wide = ratio ? hi / lo >= 2.5 : false;
            notes.add((wide ? "wide CI crosses " : "CI crosses ") + (ratio ? "1" : "0"));
        }
        Double i2 = a.num("i2");
        if (i2 != null && i2 >= 0.5) { // I² is a fraction in the results
            notes.add("substantial heterogeneity (I\u00b2 = " + Fmt.i2(i2) + ")");
        }
        return notes;
    }
}
