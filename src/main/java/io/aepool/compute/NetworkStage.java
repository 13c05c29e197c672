package io.aepool.compute;

import io.aepool.plan.NetworkTables;
import io.aepool.plan.Pool;
import io.aepool.plan.StudyRecord;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.apache.spark.sql.functions.col;

/**
 * The network meta-analyses (conf {@code analysis.network}): the trial arms of the run's arm table are collected
 * (aggregates: events and participants per arm), every pool and outcome's network is fitted on the driver by the pure
 * engine (a handful of small GLS fits, not worth a Spark job each), and the tables are handed back as local Datasets.
 */
public final class NetworkStage {

    public static final String JOB_GROUP = "aepool-network";

    private NetworkStage() {
    }

    /**
     * @param arms the aggregate stage's arm table ({@code study_id, role, treatment, dose_mg, outcome, n, events, ...})
     * @return table name to table, empty without settings
     */
    public static Map<String, Dataset<Row>> run(SparkSession spark, NetworkTables.Settings settings, List<Pool> pools,
                                                List<StudyRecord> records, Dataset<Row> arms) {
        Map<String, Dataset<Row>> out = new LinkedHashMap<>();
        if (settings == null) {
            return out;
        }
        spark.sparkContext().setJobGroup(JOB_GROUP, "network meta-analyses: the trial arms", false);
        List<NetworkTables.ArmRow> rows = new ArrayList<>();
        for (Row r : arms.filter(col("n").isNotNull().and(col("events").isNotNull()))
                .select(col("study_id"), col("outcome"), col("treatment"), col("dose_mg").cast("double"),
                        col("events").cast("long"), col("n").cast("long")).collectAsList()) {
            rows.add(new NetworkTables.ArmRow(r.getString(0), r.getString(1), r.getString(2),
                    r.isNullAt(3) ? null : r.getDouble(3), r.getLong(4), r.getLong(5)));
        }
        Map<String, List<Object[]>> tables = NetworkTables.rows(pools, records, rows, settings);
        tables.forEach((name, values) -> out.put(name, DriverTables.sortedOnAllColumns(spark,
                new ArrayList<>(values.stream().map(RowFactory::create).toList()),
                DistributedAnalyses.schema(NetworkTables.COLUMNS.get(name)))));
        return out;
    }
}
