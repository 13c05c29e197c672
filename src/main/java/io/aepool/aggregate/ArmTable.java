package io.aepool.aggregate;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

/**
 * The one arm-level shape every input is brought to before study counts are built:
 * {@code study_id, arm_id, role, treatment, dose_mg, outcome, n, events, event_count, person_years, origin}.
 * {@code origin} names the input file, so later errors can point back to it.
 */
public final class ArmTable {

    private ArmTable() {
    }

    /** Published arm counts (already validated) in the common shape; event_count is unknown there. */
    public static Dataset<Row> fromPublished(Dataset<Row> arms, String file) {
        return arms.select(col("study_id"), col("arm_id"), col("role"), col("treatment"), col("dose_mg"),
                col("outcome"), col("n"), col("events"), lit(null).cast(DataTypes.LongType).as("event_count"),
                col("person_years"), lit(file).as("origin"));
    }
}
