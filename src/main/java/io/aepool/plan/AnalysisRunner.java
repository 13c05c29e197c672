package io.aepool.plan;

import io.aepool.stats.EffectSizes;
import io.aepool.stats.PooledEstimate;
import io.aepool.stats.Pooler;
import io.aepool.stats.Poolers;
import io.aepool.stats.StudyCounts;

import java.util.List;
import java.util.Map;

/**
 * Runs one spec over the study table: selects the pool's studies of the outcome in the subset, totals
 * them, and pools them with the spec's method. Pure (no Spark): the compute stage calls it inside tasks.
 * Never throws for a spec that cannot be estimated; the row's status says why.
 */
public final class AnalysisRunner {

    private AnalysisRunner() {
    }

    /** The studies of the spec's pool and outcome, whatever its subset. */
    public static List<StudyRecord> poolStudies(AnalysisSpec spec, Map<String, Pool> pools, List<StudyRecord> studies) {
        Pool pool = pools.get(spec.pool());
        if (pool == null) {
            throw new IllegalArgumentException("spec " + spec.canonical() + " names an unknown pool");
        }
        return studies.stream().filter(s -> s.outcome().equals(spec.outcome()) && pool.contains(s)).toList();
    }

    /** The engine's view of the studies of a spec (pool, outcome and subset). */
    public static List<StudyCounts> counts(AnalysisSpec spec, Map<String, Pool> pools, List<StudyRecord> studies) {
        return spec.subset().select(poolStudies(spec, pools, studies)).stream().map(StudyRecord::counts).toList();
    }

    /**
     * The designs of {@code chosen} when they are more than one (e.g. {@code "rct+registry"}), else null. Placebo-
     * controlled trial rates and registry rates against another drug answer different questions: such a set is
     * pooled only in a pool that says {@code combine_designs: true} (Cochrane Handbook ch. 24; CIOMS X).
     */
    public static String mixedDesigns(List<StudyRecord> chosen) {
        java.util.TreeSet<String> designs = new java.util.TreeSet<>();
        chosen.forEach(s -> designs.add(String.valueOf(s.attribute(AnalysisGrid.DESIGN))));
        return designs.size() > 1 ? String.join("+", designs) : null;
    }

    /** True when the spec's studies mix designs in a pool that keeps designs apart: no estimate is pooled. */
    public static boolean designsKeptApart(AnalysisSpec spec, Map<String, Pool> pools, List<StudyRecord> studies) {
        Pool pool = pools.get(spec.pool());
        return pool != null && keptApart(pool, mixedDesigns(spec.subset().select(poolStudies(spec, pools, studies))));
    }

    static boolean keptApart(Pool pool, String mixedDesigns) {
        return mixedDesigns != null && !pool.combineDesigns();
    }

    /**
     * Why a binary measure (RR, OR, RD) cannot be estimated on {@code chosen}: rate data without arm sizes (events and
     * person-years only) enter rate measures only, and an analysis including such a study says so rather than pooling
     * the others silently. Null when the measure is a rate or every study has arm sizes.
     */
    public static String noParticipantCounts(AnalysisSpec spec, List<StudyRecord> chosen) {
        if (spec.measure().isRate()) {
            return null;
        }
        List<String> missing = chosen.stream().filter(s -> !s.participantCounts()).map(StudyRecord::comparisonId).toList();
        return missing.isEmpty() ? null : "no participant counts (" + (missing.size() == 1 ? "study " : "studies ")
                + String.join(", ", missing) + ")";
    }

    /** As {@link #noParticipantCounts(AnalysisSpec, List)} for the studies of the spec's pool, outcome and subset. */
    public static String noParticipantCounts(AnalysisSpec spec, Map<String, Pool> pools, List<StudyRecord> studies) {
        return noParticipantCounts(spec, spec.subset().select(poolStudies(spec, pools, studies)));
    }

    public static AnalysisResult run(AnalysisSpec spec, Map<String, Pool> pools, List<StudyRecord> studies) {
        return run(spec, pools, studies, null);
    }

    /**
     * As {@link #run(AnalysisSpec, Map, List)}; a {@code loo:} spec takes what it shares with the other leave-one-out
     * specs of its pool and analysis from {@code memo} (one per task; null for none): O(1) instead of O(k) for MH, IV
     * and DL (see {@link LeaveOneOutMemo}).
     */
    public static AnalysisResult run(AnalysisSpec spec, Map<String, Pool> pools, List<StudyRecord> studies,
                                     LeaveOneOutMemo memo) {
        AnalysisResult memoized = memo == null ? null : memo.run(spec, pools, studies);
        if (memoized != null) {
            return memoized;
        }
        List<StudyRecord> inPool = poolStudies(spec, pools, studies);
        List<StudyRecord> chosen = spec.subset().select(inPool);
        String designs = mixedDesigns(chosen);
        long eventsExp = 0;
        Long nExp = 0L;
        long eventsCtl = 0;
        Long nCtl = 0L;
        Double pyExp = 0.0;
        Double pyCtl = 0.0;
        for (StudyRecord s : chosen) {
            eventsExp += s.eventsExp();
            // arm sizes are known only when every study gave them (rate data may come without)
            nExp = nExp == null || !s.participantCounts() ? null : nExp + s.nExp();
            eventsCtl += s.eventsCtl();
            nCtl = nCtl == null || !s.participantCounts() ? null : nCtl + s.nCtl();
            pyExp = pyExp == null || s.personYearsExp() == null ? null : pyExp + s.personYearsExp();
            pyCtl = pyCtl == null || s.personYearsCtl() == null ? null : pyCtl + s.personYearsCtl();
        }
        if (chosen.isEmpty()) {
            pyExp = null;
            pyCtl = null;
        }
        PooledEstimate pooled = keptApart(pools.get(spec.pool()), designs) ? withheld(spec, designs) : pool(spec, chosen);
        // the studies the estimate is made of: a ratio measure drops double-zero studies, and so does the median;
        // whole-pool and subgroup rows only (what a summary of findings reads): a sort per leave-one-out step of a
        // 10,000-study pool costs more than its pooling
        boolean medians = spec.subset().kind() == Subset.Kind.ALL || spec.subset().kind() == Subset.Kind.SUBGROUP;
        List<StudyRecord> contributing = !medians ? List.of() : chosen.stream()
                .filter(s -> !spec.measure().isRate() || s.hasPersonTime())
                .filter(s -> spec.measure().isRate() || s.participantCounts())
                .filter(s -> !EffectSizes.isDropped(s.counts(), spec.measure(), spec.effectsZeroRule())).toList();
        return new AnalysisResult(spec, chosen.size(), eventsExp, nExp, eventsCtl, nCtl, pyExp, pyCtl, pooled, designs,
                median(contributing.stream().filter(s -> s.participantCounts() && s.nCtl() > 0)
                        .mapToDouble(s -> (double) s.eventsCtl() / s.nCtl())),
                median(contributing.stream().filter(s -> s.personYearsCtl() != null && s.personYearsCtl() > 0)
                        .mapToDouble(s -> 100.0 * s.eventsCtl() / s.personYearsCtl())),
                spec.subset().kind() == Subset.Kind.CUMULATIVE ? Subset.cumulativeOrder(inPool) : null);
    }

    /**
     * The median of the control risks (or rates) of the studies that contribute to the estimate: GRADE's assumed
     * control risk for a summary of findings (GRADE handbook §5.2.1; Cochrane Handbook §14.1.6.3), not the crude
     * pooled risk, which a Simpson's paradox across trials of different length and risk makes misleading. Double-zero
     * studies, which a ratio measure drops, are left out of it too: with rare events most trials can have no control
     * event, and a median over them would assume no risk at all. Null when no study has one.
     */
    static Double median(java.util.stream.DoubleStream values) {
        double[] v = values.sorted().toArray();
        if (v.length == 0) {
            return null;
        }
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    /** The estimate of a spec whose studies mix designs in a pool that keeps them apart. */
    static PooledEstimate withheld(AnalysisSpec spec, String designs) {
        return PooledEstimate.withheld(spec.measure(), spec.method(), spec.ciMethod(), spec.zeroRule().label(),
                "studies of more than one design (" + designs + ") answer different questions: see each design's "
                        + "pool and the test between designs (combine_designs: true pools them)");
    }

    /** The spec's pooler; Q-profile intervals of tau² and I² only where a reader looks for them: whole pools and subgroups. */
    static Pooler pooler(AnalysisSpec spec) {
        boolean intervals = spec.subset().kind() == Subset.Kind.ALL || spec.subset().kind() == Subset.Kind.SUBGROUP;
        return Poolers.create(spec.measure(), spec.method(), spec.ciMethod(), spec.effectsZeroRule(), spec.predictionInterval(),
                intervals, spec.priorOrDefault());
    }

    private static PooledEstimate pool(AnalysisSpec spec, List<StudyRecord> chosen) {
        String zero = spec.zeroRule().label();
        if (chosen.isEmpty()) {
            return PooledEstimate.notEstimable(spec.measure(), spec.method(), spec.ciMethod(), zero, 0, "no studies");
        }
        String noCounts = noParticipantCounts(spec, chosen);
        if (noCounts != null) {
            return PooledEstimate.notEstimable(spec.measure(), spec.method(), spec.ciMethod(), zero, 0, noCounts);
        }
        if (spec.measure().isRate()) {
            List<String> missing = chosen.stream().filter(s -> !s.hasPersonTime()).map(StudyRecord::comparisonId).toList();
            if (!missing.isEmpty()) {
                return PooledEstimate.notEstimable(spec.measure(), spec.method(), spec.ciMethod(), zero, 0,
                        "person-time missing for " + String.join(", ", missing));
            }
        }
        return pooler(spec).pool(chosen.stream().map(StudyRecord::counts).toList());
    }
}
