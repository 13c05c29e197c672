package io.aepool.report;

import java.util.Locale;

/** Number formatting for the report (text only: no value is changed). */
final class Fmt {

    static final String DASH = "\u2014";

    private Fmt() {
    }

    /** An estimate on its natural scale: 2 decimals for ratios, 4 for differences. */
    static String est(Double v, boolean ratio) {
        if (v == null) {
            return DASH;
        }
        return String.format(Locale.ROOT, ratio ? "%.2f" : "%.4f", v);
    }

    /** "0.64 [0.39; 1.08]" or the estimate alone when the interval is missing. */
    static String estCi(Double est, Double lo, Double hi, boolean ratio) {
        if (est == null) {
            return "not estimable";
        }
        if (lo == null || hi == null) {
            return est(est, ratio);
        }
        return est(est, ratio) + " [" + est(lo, ratio) + "; " + est(hi, ratio) + "]";
    }

    /** "[0.22; 1.81]", or a dash when a bound is missing. */
    static String interval(Double lo, Double hi, boolean ratio) {
        return lo == null || hi == null ? DASH : "[" + est(lo, ratio) + "; " + est(hi, ratio) + "]";
    }

    static String pct(Double share) {
        return share == null ? DASH : String.format(Locale.ROOT, "%.0f%%", share * 100);
    }

    /** A percentage already on 0-100 (weights, I²). */
    static String pct100(Double v) {
        return v == null ? DASH : String.format(Locale.ROOT, "%.1f%%", v);
    }

    /** I² as the results hold it (a fraction in [0, 1]) shown as a percentage. */
    static String i2(Double v) {
        return v == null ? DASH : String.format(Locale.ROOT, "%.0f%%", 100 * v);
    }

    static String p(Double p) {
        if (p == null) {
            return DASH;
        }
        if (p < 0.001) {
            return "< 0.001";
        }
        return String.format(Locale.ROOT, p < 0.01 ? "%.3f" : "%.2f", p);
    }

    static String num(Double v, int decimals) {
        return v == null ? DASH : String.format(Locale.ROOT, "%." + decimals + "f", v);
    }

    static String integer(Integer v) {
        return v == null ? DASH : String.format(Locale.ROOT, "%,d", v);
    }

    static String count(Integer events, Integer n) {
        if (events == null && n == null) {
            return DASH;
        }
        return (events == null ? "?" : String.valueOf(events)) + "/" + (n == null ? "?" : String.valueOf(n));
    }

    /** events/n of a results row; a suppressed small cell ("<5") is shown as written. */
    static String count(Table.Row row, String events, String n) {
        if (row.text(events).isEmpty() && row.text(n).isEmpty()) {
            return DASH;
        }
        return cell(row, events) + "/" + cell(row, n);
    }

    private static String cell(Table.Row row, String column) {
        Integer v = row.integer(column);
        if (v != null) {
            return String.valueOf(v);
        }
        String text = row.text(column);
        return text.isEmpty() ? "?" : text;
    }

    /** File-name and id safe form of a name. */
    static String slug(String s) {
        return s == null ? "x" : s.replaceAll("[^A-Za-z0-9_-]+", "-").replaceAll("-+", "-")
                .replaceAll("^-|-$", "");
    }
}
