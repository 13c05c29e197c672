package io.aepool.compute;

import io.aepool.stats.PoissonRates;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Registry incidence (events, patients, person-years per registry × exposure group × outcome × stratum, already
 * aggregated by Spark: a few rows per registry) to rates per 100 person-years with exact Poisson intervals and the
 * incidence rate ratio of each experimental group against each comparator, with its exact conditional interval.
 */
public final class RegistryRates {

    public static final StructType INCIDENCE_SCHEMA = new StructType()
            .add("registry_id", DataTypes.StringType).add("exposure_group", DataTypes.StringType)
            .add("role", DataTypes.StringType).add("outcome", DataTypes.StringType)
            .add("stratum_variable", DataTypes.StringType).add("stratum", DataTypes.StringType)
            .add("patients", DataTypes.LongType).add("events", DataTypes.LongType)
            .add("person_years", DataTypes.DoubleType).add("rate_per_100py", DataTypes.DoubleType)
            .add("ci_low", DataTypes.DoubleType).add("ci_high", DataTypes.DoubleType);

    public static final StructType RATE_RATIO_SCHEMA = new StructType()
            .add("registry_id", DataTypes.StringType).add("outcome", DataTypes.StringType)
            .add("stratum_variable", DataTypes.StringType).add("stratum", DataTypes.StringType)
            .add("experimental_group", DataTypes.StringType).add("comparator_group", DataTypes.StringType)
            .add("pooled", DataTypes.BooleanType)
            .add("events_exp", DataTypes.LongType).add("person_years_exp", DataTypes.DoubleType)
            .add("events_ctl", DataTypes.LongType).add("person_years_ctl", DataTypes.DoubleType)
            .add("irr", DataTypes.DoubleType).add("ci_low", DataTypes.DoubleType).add("ci_high", DataTypes.DoubleType)
            .add("status", DataTypes.StringType);

    private static final double LEVEL = 0.95;

    /** The two tables, sorted on their keys. */
    public record Tables(Dataset<Row> incidence, Dataset<Row> rateRatios) {
    }

    private RegistryRates() {
    }

    /**
     * @param incidence    registry_id, exposure_group, outcome, stratum_variable, stratum, patients, events, person_years
     * @param experimental experimental groups
     * @param comparators  comparator groups, in conf order
     * @param pooled       the comparator pooled with trials (flagged in the rate-ratio table)
     */
    public static Tables compute(SparkSession spark, Dataset<Row> incidence, Set<String> experimental,
                                 List<String> comparators, String pooled) {
        List<Row> rows = new ArrayList<>(incidence.collectAsList());
        rows.sort(Comparator.<Row, String>comparing(r -> r.getAs("registry_id"))
                .thenComparing(r -> r.<String>getAs("outcome"))
                .thenComparing(r -> r.<String>getAs("stratum_variable"))
                .thenComparing(r -> r.<String>getAs("stratum"))
                .thenComparing(r -> r.<String>getAs("exposure_group")));
        List<Row> rates = new ArrayList<>();
        // registry | outcome | stratum variable | stratum -> group -> row
        Map<String, Map<String, Row>> cells = new LinkedHashMap<>();
        for (Row r : rows) {
            String group = r.getAs("exposure_group");
            long events = r.<Long>getAs("events");
            double py = r.<Double>getAs("person_years");
            PoissonRates.RateInterval rate = py > 0 ? PoissonRates.per100(events, py, LEVEL) : null;
            rates.add(RowFactory.create(r.getAs("registry_id"), group, experimental.contains(group) ? "experimental" : "comparator",
                    r.getAs("outcome"), r.getAs("stratum_variable"), r.getAs("stratum"), r.<Long>getAs("patients"), events, py,
                    rate == null ? null : rate.estimate(), rate == null ? null : rate.low(), rate == null ? null : rate.high()));
            String key = String.join("|", r.<String>getAs("registry_id"), r.getAs("outcome"), r.getAs("stratum_variable"),
                    r.getAs("stratum"));
            cells.computeIfAbsent(key, k -> new LinkedHashMap<>()).put(group, r);
        }
        List<Row> ratios = new ArrayList<>();
        for (Map.Entry<String, Map<String, Row>> cell : cells.entrySet()) {
            String[] key = cell.getKey().split("\\|", 4);
            for (String exp : experimental) {
                for (String ctl : comparators) {
                    Row a = cell.getValue().get(exp);
                    Row b = cell.getValue().get(ctl);
                    if (a == null || b == null) {
                        continue;
                    }
                    ratios.add(ratio(key, exp, ctl, ctl.equals(pooled), a, b));
                }
            }
        }
        return new Tables(spark.createDataFrame(rates, INCIDENCE_SCHEMA), spark.createDataFrame(ratios, RATE_RATIO_SCHEMA));
    }

    private static Row ratio(String[] key, String exp, String ctl, boolean pooled, Row a, Row b) {
        long xa = a.<Long>getAs("events");
        long xb = b.<Long>getAs("events");
        double ta = a.<Double>getAs("person_years");
        double tb = b.<Double>getAs("person_years");
        Double irr = null;
        Double low = null;
        Double high = null;
        String status;
        if (!(ta > 0) || !(tb > 0)) {
            status = "not estimable: no person-time in one group";
        } else if (xa == 0 && xb == 0) {
            status = "not estimable: no events in either group";
        } else {
            PoissonRates.RateInterval r = PoissonRates.rateRatio(xa, ta, xb, tb, LEVEL);
            irr = finite(r.estimate());
            low = finite(r.low());
            high = finite(r.high());
            status = xb == 0 ? "ok: no comparator events, upper limit infinite" : "ok";
        }
        return RowFactory.create(key[0], key[1], key[2], key[3], exp, ctl, pooled, xa, ta, xb, tb, irr, low, high, status);
    }

    private static Double finite(double v) {
        return Double.isFinite(v) ? v : null;
    }
}
