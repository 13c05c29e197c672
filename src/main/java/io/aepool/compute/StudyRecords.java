package io.aepool.compute;

import io.aepool.plan.StudyRecord;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The study_counts table (aggregates only: one row per comparison and outcome) brought to the driver as
 * plan records. Count columns become numbers; every other column is a study attribute.
 */
public final class StudyRecords {

    /** The study's row in the study tables as read (ingest's {@code StudiesReader.STUDY_ROW}). */
    static final String STUDY_ROW = "study_row";

    private static final Set<String> COUNT_COLUMNS = Set.of("outcome", "comparison_id", "experimental_arms",
            "events_exp", "n_exp", "events_ctl", "n_ctl", "event_count_exp", "event_count_ctl",
            "person_years_exp", "person_years_ctl", "control_shared_by", "events_ctl_arm", "n_ctl_arm",
            STUDY_ROW);

    private StudyRecords() {
    }

    public static List<StudyRecord> collect(Dataset<Row> studyCounts) {
        String[] columns = studyCounts.columns();
        List<StudyRecord> records = new ArrayList<>();
        boolean hasRow = List.of(columns).contains(STUDY_ROW);
        for (Row row : studyCounts.collectAsList()) {
            Map<String, String> attributes = new LinkedHashMap<>();
            for (String c : columns) {
                Object v = row.get(row.fieldIndex(c));
                if (!COUNT_COLUMNS.contains(c) && v != null) {
                    attributes.put(c, v instanceof Double d && d == Math.rint(d) ? String.valueOf(d.longValue()) : v.toString());
                }
            }
            Object year = row.get(row.fieldIndex("year"));
            // rate data may give no arm sizes (events and person-years only): n is then empty
            Object nExp = row.get(row.fieldIndex("n_exp"));
            Object nCtl = row.get(row.fieldIndex("n_ctl"));
            boolean participantCounts = nExp != null && nCtl != null;
            // the study's row in the study tables (absent from study_counts of runs before issue 16: no tie order)
            Object studyRow = hasRow ? row.get(row.fieldIndex(STUDY_ROW)) : null;
            records.add(new StudyRecord(row.getString(row.fieldIndex("outcome")),
                    row.getString(row.fieldIndex("comparison_id")),
                    row.getLong(row.fieldIndex("events_exp")), participantCounts ? ((Number) nExp).longValue() : 0,
                    row.getLong(row.fieldIndex("events_ctl")), participantCounts ? ((Number) nCtl).longValue() : 0,
                    (Double) row.get(row.fieldIndex("person_years_exp")),
                    (Double) row.get(row.fieldIndex("person_years_ctl")),
                    year == null ? null : ((Number) year).intValue(), attributes, participantCounts,
                    studyRow == null ? 0 : ((Number) studyRow).longValue()));
        }
        return records;
    }

    /**
     * The study_counts table (held on the driver) with one more string column: the records' attribute of that name
     * (matched on outcome and comparison id; null where a record has none). Row order is kept.
     */
    public static Dataset<Row> withAttribute(SparkSession spark, Dataset<Row> studyCounts,
                                             List<StudyRecord> records, String attribute) {
        Map<String, String> values = new HashMap<>();
        for (StudyRecord r : records) {
            values.put(r.outcome() + "\u0000" + r.comparisonId(), r.attribute(attribute));
        }
        List<Row> rows = new ArrayList<>();
        for (Row row : studyCounts.collectAsList()) {
            Object[] cells = new Object[row.size() + 1];
            for (int i = 0; i < row.size(); i++) {
                cells[i] = row.get(i);
            }
            cells[row.size()] = values.get(row.getString(row.fieldIndex("outcome")) + "\u0000"
                    + row.getString(row.fieldIndex("comparison_id")));
            rows.add(RowFactory.create(cells));
        }
        return spark.createDataFrame(rows, studyCounts.schema().add(attribute,
                DataTypes.StringType));
    }
}
