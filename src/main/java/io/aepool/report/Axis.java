package io.aepool.report;

import java.util.ArrayList;
import java.util.List;

/**
 * Maps effect values to pixels, on a log scale for ratio measures and a linear one for differences.
 * Drawing only: the range is chosen from the values to be shown, symmetric around no effect.
 */
final class Axis {

    private static final double[] RATIO_STEPS = {0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100};

    final boolean log;
    final double lo;   // analysis scale (log for ratios)
    final double hi;
    final double x0;   // pixels
    final double x1;
    final List<Double> ticks = new ArrayList<>(); // natural scale

    private Axis(boolean log, double lo, double hi, double x0, double x1) {
        this.log = log;
        this.lo = lo;
        this.hi = hi;
        this.x0 = x0;
        this.x1 = x1;
    }

    /** An axis covering {@code values} (natural scale; nulls and non-positive ratios ignored) and no effect. */
    static Axis covering(boolean ratio, List<Double> values, double x0, double x1) {
        if (ratio) {
            double m = 0.2; // at least 0.8 .. 1.25
            for (Double v : values) {
                if (v != null && v > 0 && Double.isFinite(v)) {
                    m = Math.max(m, Math.abs(Math.log(v)));
                }
            }
            m = Math.min(m, Math.log(100));
            double limit = 100;
            for (double s : RATIO_STEPS) {
                if (s >= 1 && Math.log(s) >= m - 1e-12) {
                    limit = s;
                    break;
                }
            }
            Axis a = new Axis(true, -Math.log(limit), Math.log(limit), x0, x1);
            boolean decades = limit >= 20;
            for (double s : RATIO_STEPS) {
                if (s >= 1 / limit - 1e-12 && s <= limit + 1e-12) {
                    double l10 = Math.log10(s);
                    if (!decades || Math.abs(l10 - Math.rint(l10)) < 1e-9) {
                        a.ticks.add(s);
                    }
                }
            }
            return a;
        }
        double m = 0;
        for (Double v : values) {
            if (v != null && Double.isFinite(v)) {
                m = Math.max(m, Math.abs(v));
            }
        }
        if (m == 0) {
            m = 1;
        }
        double step = niceStep(m / 2);
        double limit = Math.ceil(m / step - 1e-9) * step;
        Axis a = new Axis(false, -limit, limit, x0, x1);
        for (double t = -limit; t <= limit + step / 2; t += step) {
            a.ticks.add(Math.abs(t) < step / 1e6 ? 0.0 : t);
        }
        return a;
    }

    /** A linear axis from 0 to a round value above every value (rates). */
    static Axis fromZero(List<Double> values, double x0, double x1) {
        double m = 0;
        for (Double v : values) {
            if (v != null && Double.isFinite(v)) {
                m = Math.max(m, v);
            }
        }
        if (m <= 0) {
            m = 1;
        }
        double step = niceStep(m / 4);
        double limit = Math.ceil(m / step - 1e-9) * step;
        Axis a = new Axis(false, 0, limit, x0, x1);
        for (double t = 0; t <= limit + step / 2; t += step) {
            a.ticks.add(t);
        }
        return a;
    }

    /** An axis over an explicit natural-scale range (for small panels). */
    static Axis between(boolean ratio, double lo, double hi, double x0, double x1) {
        Axis a = ratio ? new Axis(true, Math.log(lo), Math.log(hi), x0, x1) : new Axis(false, lo, hi, x0, x1);
        return a;
    }

    /** The round step (1, 2 or 5 times a power of ten) at or above {@code raw}; also FunnelPlot's standard-error axis. */
    static double niceStep(double raw) {
        double mag = Math.pow(10, Math.floor(Math.log10(raw)));
        double f = raw / mag;
        double nice = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;
        return nice * mag;
    }

    /** The axis line at {@code y} with its ticks and tick labels, in the canvas's current colour and stroke. */
    void draw(Canvas c, double y) {
        c.line(x0, y, x1, y);
        c.font(10, false);
        for (double t : ticks) {
            double x = px(t);
            c.line(x, y, x, y + 4);
            c.text(tickLabel(t, log), x, y + 16, Canvas.Align.CENTER);
        }
    }

    /** Natural-scale value to analysis scale, or NaN when not drawable. */
    double scale(double v) {
        if (log) {
            return v > 0 ? Math.log(v) : Double.NaN;
        }
        return v;
    }

    /** Pixel of a natural-scale value (may fall outside the axis). */
    double px(double v) {
        double s = scale(v);
        return x0 + (s - lo) / (hi - lo) * (x1 - x0);
    }

    /** Pixel of a natural-scale value clamped to the axis. */
    double clamp(double v) {
        return Math.max(x0, Math.min(x1, px(v)));
    }

    boolean inside(double v) {
        double p = px(v);
        return !Double.isNaN(p) && p >= x0 - 0.01 && p <= x1 + 0.01;
    }

    double nullValue() {
        return log ? 1 : 0;
    }

    static String tickLabel(double t, boolean log) {
        if (log) {
            return t >= 1 ? String.valueOf(Math.round(t)) : trim(String.format(java.util.Locale.ROOT, "%.2f", t));
        }
        return trim(String.format(java.util.Locale.ROOT, "%.4f", t));
    }

    private static String trim(String s) {
        if (s.contains(".")) {
            s = s.replaceAll("0+$", "").replaceAll("\\.$", "");
        }
        return s.equals("-0") ? "0" : s;
    }
}
