package io.aepool.ingest;

import org.apache.spark.sql.types.DataType;

/** A declared input column: its name, the type it is read as, and whether it may be empty. */
public record ColumnSpec(String name, DataType type, boolean nullable) {

    public static ColumnSpec required(String name, DataType type) {
        return new ColumnSpec(name, type, false);
    }

    public static ColumnSpec optional(String name, DataType type) {
        return new ColumnSpec(name, type, true);
    }
}
