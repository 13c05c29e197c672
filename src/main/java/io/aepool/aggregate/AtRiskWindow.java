package io.aepool.aggregate;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.types.DataTypes;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.date_add;
import static org.apache.spark.sql.functions.date_sub;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

/**
 * The ADaM at-risk window of a trial subject: the days over which both its qualifying events and its person-time
 * are counted, so that an exposure-adjusted rate never divides events of one span by time of another.
 * <ul>
 *   <li>{@link Period#TREATMENT}: from TRTSDT to TRTEDT + {@code lagDays}; events count under TRT01A. The default
 *   ({@link #DEFAULT}, lag 0) is time on treatment, the ADaM treatment duration (TRTDUR = TRTEDT − TRTSDT + 1);
 *   a lag matching the trials' treatment-emergent definition (e.g. 30 days after the last dose) adds those days to
 *   the time as well as their events.</li>
 *   <li>{@link Period#RANDOMISED}: ADaM period xx, from TRxxSDT to TRxxEDT + {@code lagDays}; events count under
 *   TRTxxA (TRT01A for period 1). A subject without TRxxSDT is not at risk in the window. The lag never runs into the
 *   next period (it stops the day before TR(xx+1)SDT), so a placebo-to-active switch never lends active-treatment
 *   days or events to the placebo arm.</li>
 * </ul>
 * In both, the lag also stops at death (DTHDT) and the end of study (EOSDT) when ADSL gives them: time nobody could
 * observe is not time at risk. The lag never shortens the period itself. An event belongs to the window when its
 * ASTDT lies in [start, end], both ends included; person-time is end − start + 1 days (first-event outcomes stop at
 * the first event inside the window). docs/methods.md ("ADaM at-risk window") gives the sources.
 *
 * @param period       treatment (first to last dose) or a randomised period
 * @param periodNumber the ADaM period xx (1..99) for {@link Period#RANDOMISED}; 0 for {@link Period#TREATMENT}
 * @param lagDays      days at risk after the window's last dose (0 or more)
 */
public record AtRiskWindow(Period period, int periodNumber, int lagDays) {

    /** The largest lag accepted: ten years is already no longer a lag. */
    public static final int MAX_LAG_DAYS = 3650;

    /** Time on treatment, TRTSDT to TRTEDT, no lag: see docs/methods.md for why this is the default. */
    public static final AtRiskWindow DEFAULT = treatment(0);

    public enum Period {
        /** TRTSDT to TRTEDT (+ lag): the whole time on study treatment, under TRT01A. */
        TREATMENT,
        /** TRxxSDT to TRxxEDT (+ lag) of one ADaM period, under TRTxxA. */
        RANDOMISED
    }

    public AtRiskWindow {
        if (period == null) {
            throw new IllegalArgumentException("period must be treatment or randomised");
        }
        if (lagDays < 0 || lagDays > MAX_LAG_DAYS) {
            throw new IllegalArgumentException("lag days must be between 0 and " + MAX_LAG_DAYS + " (got " + lagDays + ")");
        }
        if (period == Period.TREATMENT && periodNumber != 0) {
            throw new IllegalArgumentException("a period number applies to a randomised period only (got " + periodNumber
                    + " with the treatment window)");
        }
        if (period == Period.RANDOMISED && (periodNumber < 1 || periodNumber > 99)) {
            throw new IllegalArgumentException("a randomised period needs a period number between 1 and 99 (ADaM TRxxSDT; got "
                    + periodNumber + ")");
        }
    }

    public static AtRiskWindow treatment(int lagDays) {
        return new AtRiskWindow(Period.TREATMENT, 0, lagDays);
    }

    public static AtRiskWindow randomisedPeriod(int periodNumber, int lagDays) {
        return new AtRiskWindow(Period.RANDOMISED, periodNumber, lagDays);
    }

    /** ADSL column of the window's first day: TRTSDT or TRxxSDT. */
    public String startColumn() {
        return period == Period.TREATMENT ? "TRTSDT" : "TR" + xx(periodNumber) + "SDT";
    }

    /** ADSL column of the window's last dose: TRTEDT or TRxxEDT. */
    public String endColumn() {
        return period == Period.TREATMENT ? "TRTEDT" : "TR" + xx(periodNumber) + "EDT";
    }

    /** ADSL column of the actual treatment the window's events and time count under: TRT01A or TRTxxA. */
    public String treatmentColumn() {
        return period == Period.TREATMENT ? "TRT01A" : "TRT" + xx(periodNumber) + "A";
    }

    /** ADSL column whose day before caps the lag: the next period's start (none for the treatment window or period 99). */
    public String nextPeriodStartColumn() {
        return period == Period.RANDOMISED && periodNumber < 99 ? "TR" + xx(periodNumber + 1) + "SDT" : null;
    }

    /** ADSL date columns (besides the window's own) that cap the lag when given. */
    public static final List<String> LAG_CAP_COLUMNS = List.of("DTHDT", "EOSDT");

    /** Every ADSL column the window reads beyond STUDYID, USUBJID and SAFFL. */
    public List<String> adslColumns() {
        List<String> cols = new ArrayList<>(List.of(startColumn(), endColumn(), treatmentColumn()));
        if (nextPeriodStartColumn() != null) {
            cols.add(nextPeriodStartColumn());
        }
        cols.addAll(LAG_CAP_COLUMNS);
        return cols;
    }

    /** True on ADSL rows at risk in this window: the safety population, and for a period its start date given. */
    public Column atRisk() {
        Column safety = col("SAFFL").equalTo("Y");
        return period == Period.TREATMENT ? safety : safety.and(col(startColumn()).isNotNull());
    }

    /** The window's first day, on ADSL rows. */
    public Column start() {
        return col(startColumn());
    }

    /**
     * The window's last day, on ADSL rows: the last dose + lag, the lag stopped the day before the next period, at
     * death and at the end of study (whichever comes first, null ones ignored), but never before the last dose.
     * Null when the last dose is not given.
     */
    public Column end() {
        Column lastDose = col(endColumn());
        if (lagDays == 0) {
            return lastDose;
        }
        List<Column> caps = new ArrayList<>();
        if (nextPeriodStartColumn() != null) {
            caps.add(date_sub(col(nextPeriodStartColumn()), 1));
        }
        LAG_CAP_COLUMNS.forEach(c -> caps.add(col(c)));
        // least/greatest skip nulls: no cap given leaves the whole lag
        Column cap = least(caps.toArray(Column[]::new));
        Column lagged = date_add(lastDose, lagDays);
        return when(lastDose.isNull(), lit(null).cast(DataTypes.DateType)).when(cap.isNull(), lagged)
                .otherwise(least(lagged, greatest(lastDose, cap)));
    }

    /** For messages and logs, e.g. {@code randomised period 1 (TR01SDT..TR01EDT + 0 days, under TRT01A)}. */
    public String describe() {
        String name = period == Period.TREATMENT ? "treatment" : "randomised period " + periodNumber;
        return name + " (" + startColumn() + ".." + endColumn() + " + " + lagDays + " days, under " + treatmentColumn() + ")";
    }

    private static String xx(int n) {
        return String.format(Locale.ROOT, "%02d", n);
    }
}
