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
 * the assumed control risk is the median control risk of the studies in the analysis ({@code median_ctl_risk},
 * GRADE handbook §5.2.1; for rate measures {@code median_ctl_rate_per_100py}), not the crude pooled one; the
 * corresponding risk on the experimental arm is assumed × RR, OR × assumed / (1 − assumed + OR × assumed), or
 * assumed + RD, per 1,000 participants (per 100 person-years for IRR and IRD) and bounded below by 0.
 * <p>
 * The five GRADE certainty domains are always shown: inconsistency and imprecision judged from the row, risk of
 * bias, indirectness and publication bias "not assessed" (the job holds no risk-of-bias or PICO judgements).
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
        boolean median;
        if (rate) {
            Double medianRate = a.num("median_ctl_rate_per_100py");
            Double py = a.num("person_years_ctl");
            median = medianRate != null;
            // rates are per person-year inside, shown per 100 person-years
            if (median) {
                assumed = medianRate / 100;
            } else {
                assumed = eCtl == null || py == null || py <= 0 ? null : Double.valueOf(eCtl / py);
            }
            unit = "per 100 person-years";
        } else {
            Double medianRisk = a.num("median_ctl_risk");
            median = medianRisk != null;
            if (median) {
                assumed = medianRisk;
            } else {
                assumed = eCtl == null || nCtl == null || nCtl <= 0 ? null : Double.valueOf((double) eCtl / nCtl);
            }
            unit = "per 1,000";
        }
        Double corr = corresponding(measure, assumed, a.num("estimate"));
        Double corrLo = corresponding(measure, assumed, a.num("ci_low"));
        Double corrHi = corresponding(measure, assumed, a.num("ci_high"));
        java.util.function.Function<Double, String> scale = rate ? SummaryOfFindings::per100 : SummaryOfFindings::per1000;
        m.put("assumed", assumed == null ? Fmt.DASH : scale.apply(assumed) + " " + unit
                + (median ? " (median of studies)" : " (crude pooled: results without the median)"));
        m.put("corresponding", corr == null ? Fmt.DASH : scale.apply(corr) + " " + unit
                + (corrLo == null || corrHi == null ? "" : " (" + scale.apply(corrLo) + " to " + scale.apply(corrHi) + ")"));
        m.put("difference", corr == null || assumed == null ? Fmt.DASH : difference(corr - assumed, unit, scale));
        Map<String, String> domains = certainty(a, ratio, eExp, eCtl);
        m.put("riskOfBias", domains.get("risk of bias"));
        m.put("inconsistency", domains.get("inconsistency"));
        m.put("indirectness", domains.get("indirectness"));
        m.put("imprecision", domains.get("imprecision"));
        m.put("publicationBias", domains.get("publication bias"));
        m.put("certainty", overall(domains, a));
        m.put("i2", Fmt.i2(a.num("i2")));
        m.put("notes", String.join("; ", notes(a, ratio, k, eExp, eCtl)));
        return m;
    }

    /** A rate per person-year shown per 100 person-years: two decimals. */
    static String per100(Double ratePerYear) {
        return ratePerYear == null ? Fmt.DASH : String.format(Locale.ROOT, "%.2f", ratePerYear * 100);
    }

    /** GRADE's default thresholds of an appreciable relative effect: a 25% relative change (Guyatt 2011, GRADE 6). */
    static final double APPRECIABLE_BENEFIT = 0.75;
    static final double APPRECIABLE_HARM = 1.25;

    /**
     * The five GRADE domains (GRADE handbook §5): inconsistency from I² and the Q test (serious at I² ≥ 50% or
     * p(Q) < 0.10; Guyatt 2011, GRADE 7), imprecision from the interval and the events (very serious when the interval
     * holds both an appreciable benefit and an appreciable harm, RR 0.75 and 1.25; serious when it crosses no effect or
     * the events fall short of 300, GRADE's optimal-information-size rule of thumb; Guyatt 2011, GRADE 6); risk of
     * bias, indirectness and publication bias not assessed by the job.
     */
    static Map<String, String> certainty(Row a, boolean ratio, Integer eExp, Integer eCtl) {
        Map<String, String> d = new LinkedHashMap<>();
        d.put("risk of bias", NOT_ASSESSED);
        Double i2 = a.num("i2");
        Double qp = a.num("q_p");
        Integer k = a.integer("k");
        if (a.num("estimate") == null) {
            d.put("inconsistency", NOT_ASSESSED);
        } else if (k == null || k < 2) {
            d.put("inconsistency", "not applicable (one study)");
        } else if ((i2 != null && i2 >= 0.5) || (qp != null && qp < 0.10)) {
            d.put("inconsistency", "serious (I\u00b2 = " + Fmt.i2(i2) + ", p(Q) = " + Fmt.p(qp) + ")");
        } else {
            d.put("inconsistency", "not serious (I\u00b2 = " + Fmt.i2(i2) + ", p(Q) = " + Fmt.p(qp) + ")");
        }
        d.put("indirectness", NOT_ASSESSED);
        Double lo = a.num("ci_low");
        Double hi = a.num("ci_high");
        if (lo == null || hi == null) {
            d.put("imprecision", NOT_ASSESSED);
        } else {
            double nul = ratio ? 1 : 0;
            boolean crosses = lo < nul && hi > nul;
            boolean fewEvents = eExp != null && eCtl != null && eExp + eCtl < FEW_EVENTS;
            if (ratio && lo < APPRECIABLE_BENEFIT && hi > APPRECIABLE_HARM) {
                d.put("imprecision", "very serious (CI includes appreciable benefit and harm"
                        + (fewEvents ? "; " + (eExp + eCtl) + " events < " + FEW_EVENTS : "") + ")");
            } else if (crosses || fewEvents) {
                List<String> why = new ArrayList<>();
                if (crosses) {
                    why.add("CI crosses " + (ratio ? "1" : "0"));
                }
                if (fewEvents) {
                    why.add((eExp + eCtl) + " events < " + FEW_EVENTS);
                }
                d.put("imprecision", "serious (" + String.join("; ", why) + ")");
            } else {
                d.put("imprecision", "not serious");
            }
        }
        d.put("publication bias", NOT_ASSESSED);
        return d;
    }

    static final String NOT_ASSESSED = "not assessed";

    /**
     * The certainty the assessed domains allow: from high (randomised trials), one level down per serious and two per
     * very serious domain (GRADE handbook §5); an upper bound, since three domains were not assessed.
     */
    static String overall(Map<String, String> domains, Row a) {
        if (a.num("estimate") == null) {
            return Fmt.DASH;
        }
        int level = 4;
        for (String v : domains.values()) {
            if (v.startsWith("very serious")) {
                level -= 2;
            } else if (v.startsWith("serious")) {
                level -= 1;
            }
        }
        String[] names = {"very low", "very low", "low", "moderate", "high"};
        return "at most " + names[Math.max(0, level)] + " (risk of bias, indirectness and publication bias not assessed)";
    }

    private static String difference(double d, String unit, java.util.function.Function<Double, String> scale) {
        String v = scale.apply(Math.abs(d));
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
