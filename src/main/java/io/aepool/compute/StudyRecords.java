package io.aepool.compute;

import io.aepool.plan.StudyRecord;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The study_counts table (aggregates only: one row per comparison and outcome) brought to the driver as
 * plan records. Count columns become numbers; every other column is a study attribute.
 */
public final class StudyRecords {

    private static final Set<String> COUNT_COLUMNS = Set.of("outcome", "comparison_id", "experimental_arms",
            "events_exp", "n_exp", "events_ctl", "n_ctl", "event_count_exp", "event_count_ctl",
            "person_years_exp", "person_years_ctl", "control_shared_by", "events_ctl_arm", "n_ctl_arm");

    private StudyRecords() {
    }

    public static List<StudyRecord> collect(Dataset<Row> studyCounts) {
        String[] columns = studyCounts.columns();
        List<StudyRecord> records = new ArrayList<>();
        for (Row row : studyCounts.collectAsList()) {
            Map<String, String> attributes = new LinkedHashMap<>();
            for (String c : columns) {
                Object v = row.get(row.fieldIndex(c));
                if (!COUNT_COLUMNS.contains(c) && v != null) {
                    attributes.put(c, v instanceof Double d && d == Math.rint(d) ? String.valueOf(d.longValue()) : v.toString());
                }
            }
            Object year = row.get(row.fieldIndex("year"));
            records.add(new StudyRecord(row.getString(row.fieldIndex("outcome")),
                    row.getString(row.fieldIndex("comparison_id")),
                    row.getLong(row.fieldIndex("events_exp")), row.getLong(row.fieldIndex("n_exp")),
                    row.getLong(row.fieldIndex("events_ctl")), row.getLong(row.fieldIndex("n_ctl")),
                    (Double) row.get(row.fieldIndex("person_years_exp")),
                    (Double) row.get(row.fieldIndex("person_years_ctl")),
                    year == null ? null : ((Number) year).intValue(), attributes));
        }
        return records;
    }
}
