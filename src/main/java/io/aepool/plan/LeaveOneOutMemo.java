package io.aepool.plan;

import io.aepool.stats.LeaveOneOut;
import io.aepool.stats.PooledEstimate;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the leave-one-out specs of one pool share, kept for the specs that follow in one task: per spec without its
 * subset (pool, outcome, measure, method, interval, prediction interval, zero rule) the pool's studies, their totals
 * and designs, and the pooler's sufficient sums ({@link LeaveOneOut}). A {@code loo:<id>} spec then costs O(1) for its
 * row's totals and designs and, for MH, IV and DL with the Wald-z interval, for its estimate (DL: plus one O(k)
 * weighting pass, see docs/methods.md): running all leave-one-out specs of a pool is O(k) instead of O(k²).
 * Every value of the row is the refit's; the estimate to ~1e-13 relative (sums minus a study's terms, not
 * bit-identical), everything else exactly. Anything the memo cannot reproduce falls back to {@link AnalysisRunner#run}.
 *
 * <p>Not thread-safe: one per task. The grid lists a pool's subsets one after another, so a few entries suffice.
 */
public final class LeaveOneOutMemo {

    private static final int ENTRIES = 8;

    private final Map<AnalysisSpec, Entry> entries = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<AnalysisSpec, Entry> eldest) {
            return size() > ENTRIES;
        }
    };
    private List<StudyRecord> table;
    private long fromSums;
    private long refits;

    /** Leave-one-out estimates taken from the sums so far. */
    public long fromSums() {
        return fromSums;
    }

    /** Leave-one-out specs this memo ran by refitting so far (the memo could not give them). */
    public long refits() {
        return refits;
    }

    /** The row of a {@code loo:} spec, or null when the memo cannot give it (the caller runs the spec itself). */
    AnalysisResult run(AnalysisSpec spec, Map<String, Pool> pools, List<StudyRecord> studies) {
        if (spec.subset().kind() != Subset.Kind.LOO) {
            return null;
        }
        if (table != studies) {
            entries.clear();
            table = studies;
        }
        Entry entry = entries.computeIfAbsent(spec.withSubset(Subset.ALL), all -> new Entry(spec, pools, studies));
        AnalysisResult row = entry.row(spec, pools);
        if (row == null) {
            refits++;
        }
        return row;
    }

    /** One pool, outcome and analysis: its studies, their totals, designs and the pooler's sums. */
    private final class Entry {
        private final List<StudyRecord> inPool;
        private final Map<String, Integer> index = new HashMap<>();
        private final TreeMap<String, Integer> designs = new TreeMap<>();
        private final long eventsExp;
        private final long eventsCtl;
        private final long nExp;
        private final long nCtl;
        private final int withoutParticipantCounts;
        private final int withoutPersonYearsExp;
        private final int withoutPersonYearsCtl;
        private final double personYearsExp;
        private final double personYearsCtl;
        /** True when every person-year sum is exact in floating point (whole numbers below 2⁵³). */
        private final boolean personYearsExact;
        /** Null when the pool as a whole fails a check of {@link AnalysisRunner} (its subsets are run in full). */
        private final LeaveOneOut loo;

        /** The entry of {@code loo}'s pool and analysis (any of its leave-one-out specs). */
        Entry(AnalysisSpec loo, Map<String, Pool> pools, List<StudyRecord> studies) {
            inPool = AnalysisRunner.poolStudies(loo, pools, studies);
            long ee = 0;
            long ec = 0;
            long ne = 0;
            long nc = 0;
            int noCounts = 0;
            int noPyExp = 0;
            int noPyCtl = 0;
            double pye = 0;
            double pyc = 0;
            boolean exact = true;
            for (int i = 0; i < inPool.size(); i++) {
                StudyRecord s = inPool.get(i);
                index.merge(s.comparisonId(), i, (a, b) -> -1); // an id twice: its leave-one-out is run in full
                designs.merge(String.valueOf(s.attribute(AnalysisGrid.DESIGN)), 1, Integer::sum);
                ee += s.eventsExp();
                ec += s.eventsCtl();
                ne += s.nExp();
                nc += s.nCtl();
                noCounts += s.participantCounts() ? 0 : 1;
                noPyExp += s.personYearsExp() == null ? 1 : 0;
                noPyCtl += s.personYearsCtl() == null ? 1 : 0;
                pye += s.personYearsExp() == null ? 0 : s.personYearsExp();
                pyc += s.personYearsCtl() == null ? 0 : s.personYearsCtl();
                exact &= isWhole(s.personYearsExp()) && isWhole(s.personYearsCtl());
            }
            eventsExp = ee;
            eventsCtl = ec;
            nExp = ne;
            nCtl = nc;
            withoutParticipantCounts = noCounts;
            withoutPersonYearsExp = noPyExp;
            withoutPersonYearsCtl = noPyCtl;
            personYearsExp = pye;
            personYearsCtl = pyc;
            personYearsExact = exact && pye < 0x1p53 && pyc < 0x1p53;
            // what AnalysisRunner checks before pooling: when the whole pool passes, every subset of it passes
            boolean poolable = !inPool.isEmpty() && AnalysisRunner.noParticipantCounts(loo, inPool) == null
                    && (!loo.measure().isRate() || inPool.stream().allMatch(StudyRecord::hasPersonTime));
            this.loo = poolable ? LeaveOneOut.of(AnalysisRunner.pooler(loo),
                    inPool.stream().map(StudyRecord::counts).toList()) : null;
        }

        private static boolean isWhole(Double personYears) {
            return personYears == null || personYears == Math.rint(personYears) && personYears >= 0;
        }

        AnalysisResult row(AnalysisSpec spec, Map<String, Pool> pools) {
            Integer at = index.get(spec.subset().value());
            if (loo == null || at == null || at < 0 || inPool.size() < 2 || !personYearsExact) {
                return null;
            }
            StudyRecord s = inPool.get(at);
            String mixed = mixedDesigns(String.valueOf(s.attribute(AnalysisGrid.DESIGN)));
            PooledEstimate pooled;
            if (AnalysisRunner.keptApart(pools.get(spec.pool()), mixed)) {
                pooled = AnalysisRunner.withheld(spec, mixed);
            } else {
                LeaveOneOut.Step step = loo.without(at);
                if (!step.fromSums()) {
                    return null;
                }
                fromSums++;
                pooled = step.estimate();
            }
            boolean counts = withoutParticipantCounts - (s.participantCounts() ? 0 : 1) == 0;
            boolean pyExp = withoutPersonYearsExp - (s.personYearsExp() == null ? 1 : 0) == 0;
            boolean pyCtl = withoutPersonYearsCtl - (s.personYearsCtl() == null ? 1 : 0) == 0;
            return new AnalysisResult(spec, inPool.size() - 1, eventsExp - s.eventsExp(),
                    counts ? nExp - s.nExp() : null, eventsCtl - s.eventsCtl(), counts ? nCtl - s.nCtl() : null,
                    pyExp ? personYearsExp - (s.personYearsExp() == null ? 0 : s.personYearsExp()) : null,
                    pyCtl ? personYearsCtl - (s.personYearsCtl() == null ? 0 : s.personYearsCtl()) : null,
                    pooled, mixed, null, null, null);
        }

        /** {@link AnalysisRunner#mixedDesigns} of the pool without one study of design {@code left}. */
        private String mixedDesigns(String left) {
            List<String> present = designs.entrySet().stream()
                    .filter(e -> e.getValue() - (e.getKey().equals(left) ? 1 : 0) > 0).map(Map.Entry::getKey).toList();
            return present.size() > 1 ? String.join("+", present) : null;
        }
    }
}
