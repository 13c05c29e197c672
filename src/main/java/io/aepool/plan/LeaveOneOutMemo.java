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
 * row's counts, totals and designs and, for MH, IV and DL with the Wald-z interval, for its estimate: running all
 * leave-one-out specs of a pool is O(k) instead of O(k²). Two O(k) passes remain, both plain loops over stored
 * numbers: DL's random-effects weighting Σ1/(v + tau²) (see docs/methods.md), and the person-year totals when they
 * are not whole numbers (a difference of floating-point sums is not the plain run's sum, so they are summed again).
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
        /** Totals over the pool: events and arm sizes (exp, ctl); whole numbers, so a total without a study is exact. */
        private final long[] events = new long[2];
        private final long[] arms = new long[2];
        /** Studies without arm sizes, without experimental person-years, without control person-years. */
        private final int[] lacking = new int[3];
        private final double[] personYears = new double[2];
        /**
         * True when every person-year sum is exact in floating point (whole numbers below 2⁵³), so a total without a
         * study is the plain run's sum; else that sum is taken again in the plain run's order (O(k), no refit).
         */
        private final boolean personYearsExact;
        /** Null when the pool as a whole fails a check of {@link AnalysisRunner} (its subsets are run in full). */
        private final LeaveOneOut loo;

        /** The entry of {@code loo}'s pool and analysis (any of its leave-one-out specs). */
        Entry(AnalysisSpec loo, Map<String, Pool> pools, List<StudyRecord> studies) {
            inPool = AnalysisRunner.poolStudies(loo, pools, studies);
            boolean exact = true;
            for (int i = 0; i < inPool.size(); i++) {
                StudyRecord s = inPool.get(i);
                index.merge(s.comparisonId(), i, (a, b) -> -1); // an id twice: its leave-one-out is run in full
                designs.merge(String.valueOf(s.attribute(AnalysisGrid.DESIGN)), 1, Integer::sum);
                events[0] += s.eventsExp();
                events[1] += s.eventsCtl();
                arms[0] += s.nExp();
                arms[1] += s.nCtl();
                lacking[0] += s.participantCounts() ? 0 : 1;
                lacking[1] += s.personYearsExp() == null ? 1 : 0;
                lacking[2] += s.personYearsCtl() == null ? 1 : 0;
                personYears[0] += orZero(s.personYearsExp());
                personYears[1] += orZero(s.personYearsCtl());
                exact &= isWhole(s.personYearsExp()) && isWhole(s.personYearsCtl());
            }
            personYearsExact = exact && personYears[0] < 0x1p53 && personYears[1] < 0x1p53;
            // what AnalysisRunner checks before pooling: when the whole pool passes, every subset of it passes
            boolean poolable = !inPool.isEmpty() && AnalysisRunner.noParticipantCounts(loo, inPool) == null
                    && (!loo.measure().isRate() || inPool.stream().allMatch(StudyRecord::hasPersonTime));
            this.loo = poolable ? LeaveOneOut.of(AnalysisRunner.pooler(loo),
                    inPool.stream().map(StudyRecord::counts).toList()) : null;
        }

        private static double orZero(Double personYears) {
            return personYears == null ? 0 : personYears;
        }

        private static boolean isWhole(Double personYears) {
            return personYears == null || personYears == Math.rint(personYears) && personYears >= 0;
        }

        AnalysisResult row(AnalysisSpec spec, Map<String, Pool> pools) {
            Integer at = index.get(spec.subset().value());
            if (loo == null || at == null || at < 0 || inPool.size() < 2) {
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
            boolean counts = lacking[0] - (s.participantCounts() ? 0 : 1) == 0;
            boolean pyExp = lacking[1] - (s.personYearsExp() == null ? 1 : 0) == 0;
            boolean pyCtl = lacking[2] - (s.personYearsCtl() == null ? 1 : 0) == 0;
            return new AnalysisResult(spec, inPool.size() - 1, events[0] - s.eventsExp(),
                    counts ? arms[0] - s.nExp() : null, events[1] - s.eventsCtl(), counts ? arms[1] - s.nCtl() : null,
                    pyExp ? personYearsWithout(at, 0) : null, pyCtl ? personYearsWithout(at, 1) : null,
                    pooled, mixed, null, null, null);
        }

        /** The experimental (arm 0) or control (arm 1) person-years of the pool without study {@code at}. */
        private double personYearsWithout(int at, int arm) {
            if (personYearsExact) {
                return personYears[arm] - orZero(arm == 0 ? inPool.get(at).personYearsExp() : inPool.get(at).personYearsCtl());
            }
            double sum = 0;
            for (int i = 0; i < inPool.size(); i++) {
                if (i != at) {
                    sum += arm == 0 ? inPool.get(i).personYearsExp() : inPool.get(i).personYearsCtl();
                }
            }
            return sum;
        }

        /** {@link AnalysisRunner#mixedDesigns} of the pool without one study of design {@code left}. */
        private String mixedDesigns(String left) {
            List<String> present = designs.entrySet().stream()
                    .filter(e -> e.getValue() - (e.getKey().equals(left) ? 1 : 0) > 0).map(Map.Entry::getKey).toList();
            return present.size() > 1 ? String.join("+", present) : null;
        }
    }
}
