package io.aepool.compute;

import io.aepool.stats.ClusteredPoissonRates;
import io.aepool.stats.PoissonRates;
import io.aepool.testing.SharedSpark;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The registry rate tables: exact intervals for first-event outcomes, robust (patient sandwich) intervals for
 * recurrent ones with the cross term of patients in both groups, the fallback to exact where a group has no events,
 * and the Mantel–Haenszel rate ratio over the joint strata on the whole-registry rows.
 */
@ExtendWith(SharedSpark.class)
class RegistryRatesTest {

    static final StructType INCIDENCE = new StructType().add("registry_id", DataTypes.StringType)
            .add("exposure_group", DataTypes.StringType).add("outcome", DataTypes.StringType)
            .add("stratum_variable", DataTypes.StringType).add("stratum", DataTypes.StringType)
            .add("patients", DataTypes.LongType).add("events", DataTypes.LongType)
            .add("person_years", DataTypes.DoubleType).add("sum_events_squared", DataTypes.LongType)
            .add("sum_events_days", DataTypes.LongType).add("sum_days_squared", DataTypes.LongType);
    static final StructType CROSS = new StructType().add("registry_id", DataTypes.StringType)
            .add("outcome", DataTypes.StringType).add("stratum_variable", DataTypes.StringType)
            .add("stratum", DataTypes.StringType).add("group_a", DataTypes.StringType)
            .add("group_b", DataTypes.StringType).add("patients_both", DataTypes.LongType)
            .add("sum_events_a_events_b", DataTypes.LongType).add("sum_events_a_days_b", DataTypes.LongType)
            .add("sum_days_a_events_b", DataTypes.LongType).add("sum_days_a_days_b", DataTypes.LongType);
    static final String JOINT = "sex×age_band";
    static final double Y = 365.25;

    static Row row(String group, String outcome, String variable, String stratum, long events, double py) {
        return RowFactory.create("R1", group, outcome, variable, stratum, 3L, events, py, events, events, 1L);
    }

    static Row recurrent(String group, long events, long days, long yy, long yt, long tt) {
        return RowFactory.create("R1", group, "bleed_rec", "all", "all", 5L, events, days / Y, yy, yt, tt);
    }

    static Row find(List<Row> rows, String outcome, String stratum) {
        return rows.stream().filter(r -> r.getAs("outcome").equals(outcome) && r.getAs("stratum").equals(stratum))
                .findFirst().orElseThrow();
    }

    @Test
    void mantelHaenszelOverTheJointStrataAndRobustIntervalsForRecurrentOutcomes(SparkSession spark) {
        Dataset<Row> incidence = spark.createDataFrame(List.of(
                row("jak", "bleed", "all", "all", 5, 19), row("tnf", "bleed", "all", "all", 4, 35),
                // F×40-49: a 2 in T1 10, b 1 in T0 20; M×40-49: a 1 in 5, b 3 in 15; M×50-59 has no tnf time: dropped
                row("jak", "bleed", JOINT, "F×40-49", 2, 10), row("tnf", "bleed", JOINT, "F×40-49", 1, 20),
                row("jak", "bleed", JOINT, "M×40-49", 1, 5), row("tnf", "bleed", JOINT, "M×40-49", 3, 15),
                row("jak", "bleed", JOINT, "M×50-59", 2, 4),
                // recurrent: patient-level sums in days
                recurrent("jak", 12, 900, 40, 2600, 180_000), recurrent("tnf", 6, 1000, 14, 1500, 230_000),
                // a recurrent stratum without comparator events: exact conditional interval
                RowFactory.create("R1", "jak", "bleed_rec", "sex", "F", 2L, 3L, 1.0, 5L, 400L, 70_000L),
                RowFactory.create("R1", "tnf", "bleed_rec", "sex", "F", 2L, 0L, 1.5, 0L, 0L, 120_000L)), INCIDENCE);
        Dataset<Row> cross = spark.createDataFrame(List.of(
                RowFactory.create("R1", "bleed_rec", "all", "all", "jak", "tnf", 1L, 4L, 300L, 200L, 30_000L)), CROSS);
        RegistryRates.Tables t = RegistryRates.compute(spark, incidence, cross, Set.of("jak"), List.of("tnf"), "tnf",
                Set.of("bleed_rec"), JOINT);
        List<Row> ratios = t.rateRatios().collectAsList();
        List<Row> rates = t.incidence().collectAsList();

        // MH by hand: (2·20/30 + 1·15/20) / (1·10/30 + 3·5/20) = (25/12) / (13/12)
        Row first = find(ratios, "bleed", "all");
        assertAll(() -> assertEquals(25.0 / 13, first.<Double>getAs("mh_irr"), 1e-12),
                () -> assertEquals(2, first.<Integer>getAs("mh_strata_used")),
                () -> assertEquals(1, first.<Integer>getAs("mh_strata_dropped")),
                () -> assertEquals(RegistryRates.EXACT_RATIO, first.getAs("interval_method")),
                () -> assertEquals(PoissonRates.rateRatio(5, 19, 4, 35, 0.95).low(), first.<Double>getAs("ci_low"), 1e-12));
        // per-stratum rows and recurrent rows without strata carry no MH
        assertNull(find(ratios, "bleed", "F×40-49").getAs("mh_irr"));
        assertNull(find(ratios, "bleed_rec", "all").getAs("mh_irr"));

        Row rec = find(ratios, "bleed_rec", "all");
        PoissonRates.RateInterval robust = ClusteredPoissonRates.rateRatio(
                new ClusteredPoissonRates.GroupSums(12, 900 / Y, 40, 2600 / Y, 180_000 / (Y * Y)),
                new ClusteredPoissonRates.GroupSums(6, 1000 / Y, 14, 1500 / Y, 230_000 / (Y * Y)),
                new ClusteredPoissonRates.CrossSums(4, 300 / Y, 200 / Y, 30_000 / (Y * Y)), 0.95);
        assertAll(() -> assertEquals(RegistryRates.ROBUST, rec.getAs("interval_method")),
                () -> assertEquals((12 / 900.0) / (6 / 1000.0), rec.<Double>getAs("irr"), 1e-12),
                () -> assertEquals(robust.low(), rec.<Double>getAs("ci_low"), 1e-12),
                () -> assertEquals(robust.high(), rec.<Double>getAs("ci_high"), 1e-12));
        Row noCtlEvents = find(ratios, "bleed_rec", "F");
        assertAll(() -> assertEquals(RegistryRates.EXACT_RATIO, noCtlEvents.getAs("interval_method")),
                () -> assertEquals(PoissonRates.rateRatio(3, 1.0, 0, 1.5, 0.95).low(), noCtlEvents.<Double>getAs("ci_low"),
                        1e-12));

        Row recRate = rates.stream().filter(r -> r.getAs("outcome").equals("bleed_rec") && r.getAs("stratum").equals("all")
                && r.getAs("exposure_group").equals("jak")).findFirst().orElseThrow();
        PoissonRates.RateInterval rate = ClusteredPoissonRates.incidence(
                new ClusteredPoissonRates.GroupSums(12, 900 / Y, 40, 2600 / Y, 180_000 / (Y * Y)), 0.95);
        Row firstRate = rates.stream().filter(r -> r.getAs("outcome").equals("bleed") && r.getAs("stratum").equals("all")
                && r.getAs("exposure_group").equals("jak")).findFirst().orElseThrow();
        assertAll(() -> assertEquals(RegistryRates.ROBUST, recRate.getAs("interval_method")),
                () -> assertEquals(100 * rate.low(), recRate.<Double>getAs("ci_low"), 1e-10),
                () -> assertEquals(RegistryRates.EXACT_RATE, firstRate.getAs("interval_method")),
                () -> assertEquals(PoissonRates.per100(5, 19, 0.95).high(), firstRate.<Double>getAs("ci_high"), 1e-10));
    }

    static io.aepool.plan.StudyRecord record(String outcome, String id, long a, long b, double t1, double t0,
                                             String design) {
        return new io.aepool.plan.StudyRecord(outcome, id, a, 3, b, 3, t1, t0, null,
                java.util.Map.of("design", design, "study_id", id.split(":")[0]), true, 0);
    }

    @Test
    void thePoolsTakeEachRegistrysRateRatioAdjustedOverItsStrataAtTheComparatorsShare(SparkSession spark) {
        Dataset<Row> incidence = spark.createDataFrame(List.of(
                row("jak", "bleed", "all", "all", 5, 19), row("tnf", "bleed", "all", "all", 4, 35),
                row("jak", "bleed", JOINT, "F×40-49", 2, 10), row("tnf", "bleed", JOINT, "F×40-49", 1, 20),
                row("jak", "bleed", JOINT, "M×40-49", 1, 5), row("tnf", "bleed", JOINT, "M×40-49", 3, 15),
                row("jak", "bleed", JOINT, "M×50-59", 2, 4),
                row("tyk", "bleed", "all", "all", 3, 8), row("tyk", "bleed", JOINT, "F×40-49", 3, 8),
                recurrent("jak", 12, 900, 40, 2600, 180_000), recurrent("tnf", 6, 1000, 14, 1500, 230_000),
                RowFactory.create("R1", "jak", "bleed_rec", JOINT, "F×40-49", 5L, 12L, 900 / Y, 40L, 2600L, 180_000L),
                RowFactory.create("R1", "tnf", "bleed_rec", JOINT, "F×40-49", 5L, 6L, 1000 / Y, 14L, 1500L, 230_000L)),
                INCIDENCE);
        Dataset<Row> cross = spark.createDataFrame(List.of(
                RowFactory.create("R1", "bleed_rec", "all", "all", "jak", "tnf", 1L, 4L, 300L, 200L, 30_000L)), CROSS);
        io.aepool.plan.StudyRecord trial = record("bleed", "T1", 4, 2, 12.5, 11, "rct");
        List<io.aepool.plan.StudyRecord> records = List.of(trial,
                // jak and tyk each against tnf, tnf's 4 events and 35 years shared half and half
                record("bleed", "R1:jak", 5, 2, 19, 17.5, "registry"), record("bleed", "R1:tyk", 3, 2, 8, 17.5, "registry"),
                record("bleed_rec", "R1:jak", 12, 6, 900 / Y, 1000 / Y, "registry"));
        List<io.aepool.plan.StudyRecord> out = RegistryRates.stratified(records, true, incidence, cross,
                Set.of("jak", "tyk"), "tnf", Set.of("bleed_rec"), JOINT);

        assertEquals(trial, out.get(0));
        io.aepool.stats.RateRatioSums jak = out.get(1).stratifiedRateRatio();
        // F×40-49: a 2, T1 10, b 1·½, T0 20·½; M×40-49: a 1, T1 5, b 3·½, T0 15·½; M×50-59 dropped (no tnf time)
        double num = 2 * 10 / 20.0 + 1 * 7.5 / 12.5;
        double den = 0.5 * 10 / 20.0 + 1.5 * 5 / 12.5;
        assertAll(() -> assertEquals(num, jak.exposed(), 1e-12), () -> assertEquals(den, jak.reference(), 1e-12),
                () -> assertEquals(1, jak.dispersion()),
                () -> assertEquals("Mantel-Haenszel over " + JOINT + " (2 strata used, 1 dropped; Greenland-Robins "
                        + "variance)", out.get(1).attribute(RegistryRates.POOLED_AS)),
                // tyk has time in F×40-49 only; the other two strata have no tyk time and drop out
                () -> assertEquals(3 * 10 / 18.0, out.get(2).stratifiedRateRatio().exposed(), 1e-12));

        // recurrent: one stratum, so MH is the crude ratio; its Poisson variance times the design effect
        io.aepool.stats.RateRatioSums rec = out.get(3).stratifiedRateRatio();
        double robust = io.aepool.stats.ClusteredPoissonRates.logRateRatioVariance(
                new ClusteredPoissonRates.GroupSums(12, 900 / Y, 40, 2600 / Y, 180_000 / (Y * Y)),
                new ClusteredPoissonRates.GroupSums(6, 1000 / Y, 14, 1500 / Y, 230_000 / (Y * Y)),
                new ClusteredPoissonRates.CrossSums(4, 300 / Y, 200 / Y, 30_000 / (Y * Y)));
        double poisson = 1 / 12.0 + 1 / 6.0;
        assertAll(() -> assertEquals(Math.log((12 / 900.0) / (6 / 1000.0)), rec.logRatio(), 1e-12),
                () -> assertEquals(Math.max(1, robust / poisson), rec.dispersion(), 1e-12),
                () -> assertEquals(Math.max(robust, poisson), rec.logVariance(), 1e-12));

        // the registry_rate_ratios row of the recurrent outcome: the same design effect on its MH interval
        Row mhRow = find(RegistryRates.compute(spark, incidence, cross, Set.of("jak"), List.of("tnf"), "tnf",
                Set.of("bleed_rec"), JOINT).rateRatios().filter("experimental_group = 'jak'").collectAsList(),
                "bleed_rec", "all");
        assertEquals(Math.exp(Math.log((12 / 900.0) / (6 / 1000.0)) + 1.959963984540054 * Math.sqrt(rec.logVariance())),
                mhRow.<Double>getAs("mh_ci_high"), 1e-9);

        // crude by conf: no sums, and the attribute says so
        List<io.aepool.plan.StudyRecord> crude = RegistryRates.stratified(records, false, incidence, cross,
                Set.of("jak", "tyk"), "tnf", Set.of("bleed_rec"), JOINT);
        assertAll(() -> assertEquals(null, crude.get(1).stratifiedRateRatio()),
                () -> assertTrue(crude.get(1).attribute(RegistryRates.POOLED_AS).startsWith("crude")),
                () -> assertEquals(null, crude.get(0).attribute(RegistryRates.POOLED_AS)));
    }
}
