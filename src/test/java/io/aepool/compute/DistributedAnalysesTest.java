package io.aepool.compute;

import io.aepool.plan.AnalysisGrid;
import io.aepool.plan.AnalysisResult;
import io.aepool.plan.AnalysisRunner;
import io.aepool.plan.AnalysisSpec;
import io.aepool.plan.LeaveOneOutMemo;
import io.aepool.plan.FamilyTable;
import io.aepool.plan.GridAxes;
import io.aepool.plan.Pool;
import io.aepool.plan.StudyRecord;
import io.aepool.plan.SubgroupTestsTable;
import io.aepool.stats.CiMethod;
import io.aepool.stats.EffectMeasure;
import io.aepool.stats.PoolingMethod;
import io.aepool.stats.PredictionInterval;
import io.aepool.stats.ZeroCellRule;
import io.aepool.testing.DataFrameAssert;
import io.aepool.testing.SharedSpark;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Specs run as Spark tasks give exactly what the same engine gives on the driver, row for row. */
@ExtendWith(SharedSpark.class)
class DistributedAnalysesTest {

    static StudyRecord study(String id, long a, long n1, long c, long n2, String group, int year) {
        return new StudyRecord("si", id, a, n1, c, n2, null, null, year, Map.of("study_id", id, "group", group));
    }

    static final List<StudyRecord> STUDIES = List.of(study("A", 4, 100, 8, 100, "x", 2001), study("B", 2, 80, 5, 40, "x", 2005),
            study("C", 0, 60, 0, 60, "y", 2003), study("D", 9, 90, 1, 90, "y", 2010), study("E", 1, 30, 0, 31, "y", 2012));
    static final Map<String, Pool> POOLS = Map.of("all", Pool.everything());

    static final GridAxes AXES = new GridAxes(List.of(Pool.everything()), List.of(EffectMeasure.RR, EffectMeasure.OR, EffectMeasure.RD),
            List.of(PoolingMethod.MH, PoolingMethod.IV, PoolingMethod.DL, PoolingMethod.REML, PoolingMethod.PETO),
            List.of(CiMethod.WALD_Z, CiMethod.HKSJ), List.of(PredictionInterval.DEFAULT, PredictionInterval.Z),
            List.of(ZeroCellRule.DEFAULT, ZeroCellRule.parse("all:0.5,keep00")), true, true, true, List.of("group"), true, List.of());

    @Test
    void distributedAnalysesEqualDriverSideResults(SparkSession spark) {
        List<AnalysisSpec> specs = AnalysisGrid.expand(AXES, STUDIES);
        // by default leave-one-out rows of MH, IV and DL come from the pool's sums, the same on the driver and in tasks
        Dataset<Row> distributed = DistributedAnalyses.analyses(spark, specs, POOLS, STUDIES);
        LeaveOneOutMemo memo = new LeaveOneOutMemo();
        Dataset<Row> driver = spark.createDataFrame(specs.stream()
                        .map(s -> RowFactory.create(AnalysisRunner.run(s, POOLS, STUDIES, memo).values())).toList(),
                DistributedAnalyses.schema(AnalysisResult.COLUMNS));
        DataFrameAssert.assertSameRows(driver, distributed, 0);
        // and from the refit within 1e-10 (relative), every column
        Dataset<Row> refit = spark.createDataFrame(specs.stream()
                        .map(s -> RowFactory.create(AnalysisRunner.run(s, POOLS, STUDIES).values())).toList(),
                DistributedAnalyses.schema(AnalysisResult.COLUMNS));
        DataFrameAssert.assertSameRows(refit, distributed, 1e-10);
        // and the tasks did take the sums: some leave-one-out value differs from the refit in its last digits
        assertTrue(!refit.except(distributed).isEmpty(), "leave-one-out rows from sums, not refitted");
    }

    @Test
    void withTheSwitchOffEveryRowIsTheRefitToTheLastBit(SparkSession spark) {
        List<AnalysisSpec> specs = AnalysisGrid.expand(AXES, STUDIES);
        spark.conf().set(DistributedAnalyses.LEAVE_ONE_OUT_FROM_SUMS_KEY, "false");
        Dataset<Row> distributed;
        try {
            distributed = DistributedAnalyses.analyses(spark, specs, POOLS, STUDIES).cache();
            distributed.count();
        } finally {
            spark.conf().unset(DistributedAnalyses.LEAVE_ONE_OUT_FROM_SUMS_KEY);
        }
        Dataset<Row> driver = spark.createDataFrame(specs.stream()
                        .map(s -> RowFactory.create(AnalysisRunner.run(s, POOLS, STUDIES).values())).toList(),
                DistributedAnalyses.schema(AnalysisResult.COLUMNS));
        DataFrameAssert.assertSameRows(driver, distributed, 0);
    }

    @Test
    void theGridIsTheProductOfItsAxesLessDocumentedExclusions() {
        // subsets: all + 5 loo + 2 subgroups + 2 lso + 5 cumulative = 15
        // measure×method×ci: MH, IV, DL, REML × wald-z and DL, REML × hksj and hksj-adhoc (added with hksj) = 8 per
        // measure, plus PETO for OR only; MH and Peto keep both zero rules, which differ in their double-zero choice
        int modelCombinations = 3 * 8 + 1;
        assertEquals(modelCombinations * 2 * 2 * 15, AnalysisGrid.expand(AXES, STUDIES).size());
    }

    @Test
    void familyTablesRunAsTasksInOneJobEachGetExactlyTheirDriverSideRows(SparkSession spark) {
        List<AnalysisSpec> specs = AnalysisGrid.expand(AXES, STUDIES);
        List<FamilyTable> tables = AnalysisGrid.familyTables(AXES);
        assertTrue(tables.size() >= 5, "several tables share the job: " + tables.size());
        Map<String, List<Row>> together = DistributedAnalyses.families(spark, tables, specs, POOLS, STUDIES);
        assertEquals(tables.stream().map(FamilyTable::name).toList(), List.copyOf(together.keySet()));
        for (FamilyTable table : tables) {
            StructType schema = DistributedAnalyses.schema(table.columns());
            List<Row> rows = together.get(table.name());
            // a row routed to the wrong table would have another table's width
            rows.forEach(r -> assertEquals(schema.size(), r.size(), table.name() + ": row width"));
            Dataset<Row> driver = spark.createDataFrame(table.bases(specs).stream()
                    .flatMap(b -> table.keyedRows(b, POOLS, STUDIES).stream()).map(RowFactory::create).toList(), schema);
            DataFrameAssert.assertSameRows(driver, spark.createDataFrame(rows, schema), 0);
        }
        // one subgroup test per whole-pool analysis: 25 model combinations × 2 prediction intervals × 2 zero rules
        assertEquals(25 * 2 * 2, new SubgroupTestsTable(List.of("group")).bases(specs).size());
    }
}
