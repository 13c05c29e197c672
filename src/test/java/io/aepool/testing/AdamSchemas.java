package io.aepool.testing;

import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/** The ADaM columns the job reads, as schemas for building small ADSL/ADAE fixtures in tests. */
public final class AdamSchemas {

    public static final StructType ADSL = new StructType().add("STUDYID", DataTypes.StringType)
            .add("USUBJID", DataTypes.StringType).add("TRT01A", DataTypes.StringType).add("SAFFL", DataTypes.StringType)
            .add("TRTSDT", DataTypes.DateType).add("TRTEDT", DataTypes.DateType);

    public static final StructType ADAE = new StructType().add("STUDYID", DataTypes.StringType)
            .add("USUBJID", DataTypes.StringType).add("TRTA", DataTypes.StringType).add("AEBODSYS", DataTypes.StringType)
            .add("AEDECOD", DataTypes.StringType).add("AESER", DataTypes.StringType).add("TRTEMFL", DataTypes.StringType)
            .add("ASTDT", DataTypes.DateType);

    private AdamSchemas() {
    }
}
