package io.aepool.sample;

import io.aepool.aggregate.OutcomeDefinition;
import io.aepool.aggregate.SubjectAggregator;
import io.aepool.aggregate.TreatmentArm;
import io.aepool.stats.CiMethod;
import io.aepool.stats.EffectMeasure;
import io.aepool.stats.EffectSize;
import io.aepool.stats.EffectSizes;
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
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The synthetic sample is shaped after the published meta-analysis: 32 trials, 11,917 treated subjects,
 * serious infections 0.62% on JAK vs 0.51% on control, and yet a trial-stratified risk ratio below 1. Its events
 * are binomial draws, so the trials differ from each other by chance, as real trials do: heterogeneity of the
 * size chance gives, not the near-zero Q of counts apportioned to their expectations.
 */
@ExtendWith(SharedSpark.class)
class SampleDataGeneratorTest {

    private final List<SampleDataGenerator.PlannedArm> plan =
            SampleDataGenerator.plan(SampleTrials.all(), SampleDataGenerator.DEFAULT_SEED);

    @Test
    void thirtyTwoTrialsAndElevenThousandNineHundredSeventeenSubjects() {
        assertEquals(32, plan.stream().map(SampleDataGenerator.PlannedArm::studyId).distinct().count());
        assertEquals(11_917, plan.stream().mapToInt(SampleDataGenerator.PlannedArm::n).sum());
        assertEquals(6, SampleTrials.all().stream().map(TrialDesign::condition).distinct().count());
    }

    @Test
    void highRiskTrialsRandomiseFourToOneAndSomeShareOneControlAmongSeveralDoses() {
        for (TrialDesign d : SampleTrials.all()) {
            List<SampleDataGenerator.PlannedArm> arms = plan.stream().filter(a -> a.studyId().equals(d.studyId())).toList();
            int control = arms.stream().filter(a -> a.role().equals("control")).mapToInt(SampleDataGenerator.PlannedArm::n).sum();
            int jak = arms.stream().filter(a -> a.role().equals("experimental")).mapToInt(SampleDataGenerator.PlannedArm::n).sum();
            assertEquals(d.dosesMg().size() + 1, arms.size(), d.studyId());
            boolean highRisk = d.risk() == TrialDesign.RiskLevel.HIGH || d.risk() == TrialDesign.RiskLevel.VERY_HIGH;
            int ratio = highRisk ? (d.dosesMg().size() <= 2 ? 4 : d.dosesMg().size()) : 1;
            assertEquals(ratio * control, jak, ratio + 1, d.studyId() + ": " + jak + " on JAK, " + control + " on control");
        }
        assertEquals(19, SampleTrials.all().stream().filter(d -> d.dosesMg().size() > 1).count(), "multi-dose trials");
    }

    @Test
    void crudeProportionsAreThePublishedOnes() {
        assertEquals("0.62%", percent(total(true, true), total(true, false)));
        assertEquals("0.51%", percent(total(false, true), total(false, false)));
        assertEquals(List.of(47L, 7_640L, 22L, 4_277L),
                List.of(total(true, true), total(true, false), total(false, true), total(false, false)));
    }

    @Test
    void thePlanIsAReproducibleDrawForItsSeed() {
        List<TrialDesign> trials = SampleTrials.all();
        assertEquals(plan, SampleDataGenerator.plan(trials, SampleDataGenerator.DEFAULT_SEED));
        List<SampleDataGenerator.PlannedArm> other = SampleDataGenerator.plan(trials, SampleDataGenerator.DEFAULT_SEED + 1);
        assertEquals(plan.stream().map(a -> a.studyId() + "/" + a.treatment() + "/" + a.n()).toList(),
                other.stream().map(a -> a.studyId() + "/" + a.treatment() + "/" + a.n()).toList(),
                "arms and their sizes do not depend on the seed");
        assertNotEquals(plan.stream().map(SampleDataGenerator.PlannedArm::seriousInfections).toList(),
                other.stream().map(SampleDataGenerator.PlannedArm::seriousInfections).toList(), "the events do");
    }

    @Test
    void eachArmsEventsAreABinomialDrawFromItsTrueRisk() {
        // over many seeds, JAK's total has the binomial mean sum(n p) and variance sum(n p (1 - p))
        double mean = 0;
        double variance = 0;
        for (SampleDataGenerator.PlannedArm a : plan) {
            if (a.role().equals("experimental")) {
                double p = trueRisk(a);
                mean += a.n() * p;
                variance += a.n() * p * (1 - p);
            }
        }
        int seeds = 400;
        double[] totals = new double[seeds];
        for (int s = 0; s < seeds; s++) {
            totals[s] = SampleDataGenerator.plan(SampleTrials.all(), s).stream()
                    .filter(a -> a.role().equals("experimental")).mapToInt(SampleDataGenerator.PlannedArm::seriousInfections).sum();
        }
        double m = java.util.Arrays.stream(totals).average().orElseThrow();
        double v = java.util.Arrays.stream(totals).map(x -> (x - m) * (x - m)).sum() / (seeds - 1);
        assertEquals(mean, m, 4 * Math.sqrt(variance / seeds), "mean of the JAK total");
        assertEquals(1, v / variance, 0.3, "variance of the JAK total / binomial variance");
    }

    @Test
    void theDrawsAreNotTheirExpectations() {
        // apportioned counts sit within one event of their (scaled) expectation and give every trial an RR below 1;
        // drawn ones stray further, and a trial with a true RR of 0.7 can show an RR above 1
        assertTrue(plan.stream().anyMatch(a -> Math.abs(a.seriousInfections() - a.n() * trueRisk(a)) >= 2), "an arm 2+ events off");
        List<String> above = EffectSizes.all(studies(), EffectMeasure.RR, ZeroCellRule.DEFAULT).stream()
                .filter(e -> e.yi() > 0).map(EffectSize::studyId).sorted().toList();
        assertEquals(List.of("SYN-AD-03", "SYN-AD-05", "SYN-AD-06", "SYN-AD-07", "SYN-AD-09", "SYN-HS-01", "SYN-PSO-01",
                "SYN-PSO-02"), above, "trials whose own RR is above 1");
    }

    @Test
    void heterogeneityIsOfTheSizeChanceGives() {
        PooledEstimate mh = Poolers.create(EffectMeasure.RR, PoolingMethod.MH, CiMethod.WALD_Z, ZeroCellRule.DEFAULT)
                .pool(studies());
        assertEquals(19, mh.k(), "13 double-zero trials drop out");
        assertEquals(18, mh.qDf());
        double below = 1 - mh.qP();
        // with counts apportioned to their expectations Q was 1.45 on 18 df: P(chi2 <= Q) = 8e-8
        assertTrue(below > 0.01 && below < 0.99, "P(chi2 <= Q) = " + below + ", Q = " + mh.q());
        assertEquals(16.89, mh.q(), 0.005);
        assertTrue(mh.i2() < 0.25, "I2 " + mh.i2());
    }

    @Test
    void zeroCellsMatter() {
        List<StudyCounts> studies = studies();
        assertEquals(13, studies.stream().filter(c -> c.eventsExp() == 0 && c.eventsCtl() == 0).count(), "double-zero trials");
        assertTrue(studies.stream().anyMatch(c -> c.eventsExp() == 0 && c.eventsCtl() > 0), "a JAK arm without events");
        assertTrue(studies.stream().anyMatch(c -> c.eventsExp() > 0 && c.eventsCtl() == 0), "a control arm without events");
    }

    @Test
    void theTrialStratifiedRiskRatioIsBelowOneWhileCrudeProportionsFavourControl() {
        PooledEstimate mh = Poolers.create(EffectMeasure.RR, PoolingMethod.MH, CiMethod.WALD_Z, ZeroCellRule.DEFAULT)
                .pool(studies());
        double crudeRatio = (double) total(true, true) / total(true, false) / ((double) total(false, true) / total(false, false));
        assertTrue(crudeRatio > 1, "crude ratio " + crudeRatio);
        assertTrue(mh.estimate() < 1, "MH RR " + mh.estimate());
        assertEquals(0.680, mh.estimate(), 0.0005);
        assertEquals(0.407, mh.ciLowNatural(), 0.0005);
        assertEquals(1.134, mh.ciHighNatural(), 0.0005);
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

    private static double trueRisk(SampleDataGenerator.PlannedArm a) {
        TrialDesign d = SampleTrials.all().stream().filter(t -> t.studyId().equals(a.studyId())).findFirst().orElseThrow();
        return d.risk().controlRisk * (a.role().equals("experimental") ? SampleTrials.TRUE_RR : 1);
    }

    private long total(boolean experimental, boolean events) {
        return plan.stream().filter(a -> a.role().equals(experimental ? "experimental" : "control"))
                .mapToLong(a -> events ? a.seriousInfections() : a.n()).sum();
    }

    private static String percent(long events, long n) {
        return String.format(java.util.Locale.ROOT, "%.2f%%", 100.0 * events / n);
    }
}
