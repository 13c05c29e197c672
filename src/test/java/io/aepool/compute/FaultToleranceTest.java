package io.aepool.compute;

import io.aepool.plan.AnalysisGrid;
import io.aepool.plan.AnalysisSpec;
import io.aepool.plan.FamilyTable;
import io.aepool.plan.GridAxes;
import io.aepool.plan.Pool;
import io.aepool.plan.ResultColumn;
import io.aepool.plan.StudyRecord;
import io.aepool.plan.SubgroupTestsTable;
import io.aepool.stats.CiMethod;
import io.aepool.stats.EffectMeasure;
import io.aepool.stats.PoolingMethod;
import io.aepool.stats.ZeroCellRule;
import io.aepool.testing.DataFrameAssert;
import io.aepool.testing.SharedSpark;
import org.apache.spark.TaskContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A task that fails once is retried by Spark and the results equal a clean run: the analysis tasks have no
 * side effects and read only the broadcast study table. The test's session allows one retry (local[2,2]).
 */
@ExtendWith(SharedSpark.class)
class FaultToleranceTest {

    /** Subgroup tests whose every task throws on its first attempt. */
    record FailingFirstAttempt(SubgroupTestsTable inner) implements FamilyTable {
        @Override
        public String name() {
            return inner.name();
        }

        @Override
        public List<ResultColumn> valueColumns() {
            return inner.valueColumns();
        }

        @Override
        public List<AnalysisSpec> bases(List<AnalysisSpec> grid) {
            return inner.bases(grid);
        }

        @Override
        public List<Object[]> rows(AnalysisSpec base, Map<String, Pool> pools, List<StudyRecord> studies) {
            TaskContext task = TaskContext.get();
            if (task != null && task.attemptNumber() == 0) {
                throw new IllegalStateException("injected failure of the first attempt of task " + task.partitionId());
            }
            return inner.rows(base, pools, studies);
        }
    }

    @Test
    void aTaskThatFailsOnceIsRetriedAndTheResultsEqualACleanRun(SparkSession spark) {
        List<StudyRecord> studies = DistributedAnalysesTest.STUDIES;
        Map<String, Pool> pools = DistributedAnalysesTest.POOLS;
        GridAxes axes = GridAxes.of(List.of(Pool.everything()), List.of(EffectMeasure.RR, EffectMeasure.OR),
                List.of(PoolingMethod.MH, PoolingMethod.DL), List.of(CiMethod.WALD_Z), List.of(ZeroCellRule.DEFAULT),
                true, List.of("group"));
        List<AnalysisSpec> grid = AnalysisGrid.expand(axes, studies);
        SubgroupTestsTable clean = new SubgroupTestsTable(List.of("group"));
        FamilyTable failing = new FailingFirstAttempt(clean);
        Dataset<Row> retried = spark.createDataFrame(DistributedAnalyses.families(spark, List.of(failing), grid, pools,
                studies).get(failing.name()), DistributedAnalyses.schema(clean.columns()));
        Dataset<Row> expected = spark.createDataFrame(clean.bases(grid).stream()
                        .flatMap(b -> clean.keyedRows(b, pools, studies).stream()).map(RowFactory::create).toList(),
                DistributedAnalyses.schema(clean.columns()));
        DataFrameAssert.assertSameRows(expected, retried, 0);
        assertTrue(retried.count() > 0);
    }
}
