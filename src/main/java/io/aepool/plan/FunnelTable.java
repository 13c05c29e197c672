package io.aepool.plan;

import io.aepool.stats.EffectSize;
import io.aepool.stats.EffectSizes;
import io.aepool.stats.StudyCounts;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static io.aepool.plan.FamilyTable.num;

/**
 * Funnel data: each study's effect against its standard error (the corrected per-study effects that the
 * inverse-variance and random-effects models pool), per pool, outcome, measure and zero rule. Studies a
 * ratio measure drops (no events in either arm) are listed with the reason and no effect.
 */
public record FunnelTable() implements FamilyTable.OnFixedEffectInputs {

    @Override
    public String name() {
        return "funnel";
    }

    @Override
    public List<ResultColumn> valueColumns() {
        return List.of(ResultColumn.text("comparison_id"), ResultColumn.number("estimate"),
                ResultColumn.number("log_estimate"), ResultColumn.number("se"), ResultColumn.number("weight_iv"),
                ResultColumn.text("status"));
    }

    @Override
    public List<Object[]> rows(AnalysisSpec base, Map<String, Pool> pools, List<StudyRecord> studies) {
        List<Object[]> rows = new ArrayList<>();
        for (StudyCounts s : AnalysisRunner.counts(base, pools, studies)) {
            Optional<EffectSize> e = s.hasPersonTime() || !base.measure().isRate()
                    ? EffectSizes.of(s, base.measure(), base.effectsZeroRule()) : Optional.empty();
            if (e.isPresent() && e.get().isUsable()) {
                EffectSize es = e.get();
                rows.add(new Object[]{s.studyId(), num(base.measure().toNatural(es.yi())), num(es.yi()),
                        num(Math.sqrt(es.vi())), num(1 / es.vi()), "ok"});
            } else {
                rows.add(new Object[]{s.studyId(), null, null, null, null,
                        base.measure().isRate() && !s.hasPersonTime() ? "no person-time" : "dropped: no usable effect (e.g. no events in either arm)"});
            }
        }
        return rows;
    }
}
