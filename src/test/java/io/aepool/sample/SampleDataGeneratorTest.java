package io.aepool.sample;

import io.aepool.aggregate.OutcomeDefinition;
import io.aepool.aggregate.SubjectAggregator;
import io.aepool.aggregate.TreatmentArm;
import io.aepool.stats.CiMethod;
import io.aepool.stats.EffectMeasure;
import io.aepool.stats.PooledEstimate;
import io.aepool.stats.Poolers;
import io.aepool.stats.PoolingMethod;
import io.aepool.stats.StudyCounts;
import io.aepool.stats.ZeroCellRule;
import io.aepool.testing.SharedSpark;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The synthetic sample is shaped after the published meta-analysis: 32 trials, 11,917 treated subjects,
 * serious infections 0.62% on JAK vs 0.51% on control, and yet a trial-stratified risk ratio below 1.
 */
@ExtendWith(SharedSpark.class)
class SampleDataGeneratorTest {

    private final List<SampleDataGenerator.PlannedArm> plan = SampleDataGenerator.plan(SampleTrials.all());

    @Test
    void thirtyTwoTrialsAndElevenThousandNineHundredSeventeenSubjects() {
        assertEquals(32, plan.stream().map(SampleDataGenerator.PlannedArm::studyId).distinct().count());
        assertEquals(11_917, plan.stream().mapToInt(SampleDataGenerator.PlannedArm::n).sum());
        assertEquals(6, SampleTrials.all().stream().map(TrialDesign::condition).distinct().count());
    }

    @Test
    void crudeProportionsAreThePublishedOnes() {
        assertEquals("0.62%", percent(total(true, true), total(true, false)));
        assertEquals("0.51%", percent(total(false, true), total(false, false)));
    }

    @Test
    void theTrialStratifiedRiskRatioIsBelowOneWhileCrudeProportionsFavourControl() {
        PooledEstimate mh = Poolers.create(EffectMeasure.RR, PoolingMethod.MH, CiMethod.WALD_Z, ZeroCellRule.DEFAULT)
                .pool(studies());
        double crudeRatio = (double) total(true, true) / total(true, false) / ((double) total(false, true) / total(false, false));
        assertTrue(crudeRatio > 1, "crude ratio " + crudeRatio);
        assertTrue(mh.estimate() < 1, "MH RR " + mh.estimate());
    }

    @Test
    void theCommittedSubjectLevelSampleAggregatesBackToThePlan(SparkSession spark) {
        List<TreatmentArm> treatments = new ArrayList<>();
        plan.stream().collect(Collectors.toMap(SampleDataGenerator.PlannedArm::treatment, a -> a, (a, b) -> a))
                .values().forEach(a -> treatments.add(new TreatmentArm(a.treatment(), a.role(), a.doseMg())));
        List<Row> arms = SubjectAggregator.aggregate(spark, spark.read().parquet("sample-data/adam/adsl.parquet"),
                spark.read().parquet("sample-data/adam/adae.parquet"), treatments,
                List.of(OutcomeDefinition.seriousInfection()), "sample").collectAsList();
        Map<String, long[]> actual = new HashMap<>();
        for (Row r : arms) {
            actual.put(r.getString(0) + "/" + r.getString(1), new long[]{r.getLong(r.fieldIndex("n")), r.getLong(r.fieldIndex("events"))});
        }
        assertEquals(plan.size(), actual.size());
        for (SampleDataGenerator.PlannedArm a : plan) {
            long[] got = actual.get(a.studyId() + "/" + a.treatment());
            assertEquals(a.n(), got[0], a + " subjects");
            assertEquals(a.seriousInfections(), got[1], a + " serious infections");
        }
    }

    private List<StudyCounts> studies() {
        Map<String, long[]> byStudy = new HashMap<>();
        for (SampleDataGenerator.PlannedArm a : plan) {
            long[] c = byStudy.computeIfAbsent(a.studyId(), k -> new long[4]);
            int off = a.role().equals("experimental") ? 0 : 2;
            c[off] += a.seriousInfections();
            c[off + 1] += a.n();
        }
        return byStudy.entrySet().stream().map(e -> StudyCounts.binary(e.getKey(), e.getValue()[0], e.getValue()[1],
                e.getValue()[2], e.getValue()[3])).toList();
    }

    private long total(boolean experimental, boolean events) {
        return plan.stream().filter(a -> a.role().equals(experimental ? "experimental" : "control"))
                .mapToLong(a -> events ? a.seriousInfections() : a.n()).sum();
    }

    private static String percent(long events, long n) {
        return String.format(java.util.Locale.ROOT, "%.2f%%", 100.0 * events / n);
    }
}
