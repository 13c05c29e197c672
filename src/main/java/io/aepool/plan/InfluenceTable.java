package io.aepool.plan;

import io.aepool.stats.BaujatPoint;
import io.aepool.stats.Influence;
import io.aepool.stats.InfluenceDiagnostics;
import io.aepool.stats.StudyInfluence;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.aepool.plan.FamilyTable.num;

/**
 * Influence diagnostics of each study (Viechtbauer & Cheung 2010, as metafor's influence()) with its
 * Baujat coordinates (Baujat et al. 2002), for every whole-pool inverse-variance or random-effects analysis.
 */
public record InfluenceTable() implements FamilyTable {

    @Override
    public String name() {
        return "influence";
    }

    @Override
    public List<ResultColumn> valueColumns() {
        return List.of(ResultColumn.text("comparison_id"), ResultColumn.number("rstudent"), ResultColumn.number("dffits"),
                ResultColumn.number("cooks_distance"), ResultColumn.number("cov_ratio"), ResultColumn.number("tau2_deleted"),
                ResultColumn.number("q_deleted"), ResultColumn.number("hat"), ResultColumn.number("weight"),
                ResultColumn.number("dfbetas"), ResultColumn.text("influential"), ResultColumn.number("baujat_x"),
                ResultColumn.number("baujat_y"), ResultColumn.text("status"));
    }

    @Override
    public List<AnalysisSpec> bases(List<AnalysisSpec> grid) {
        return FamilyTable.effectSizeModelsWithWaldInterval(grid);
    }

    @Override
    public List<Object[]> rows(AnalysisSpec base, Map<String, Pool> pools, List<StudyRecord> studies) {
        InfluenceDiagnostics d = Influence.of(AnalysisRunner.counts(base, pools, studies), base.measure(), base.method(),
                base.effectsZeroRule());
        if (d.studies().isEmpty()) {
            return List.<Object[]>of(new Object[]{null, null, null, null, null, null, null, null, null, null, null, null,
                    null, d.status()});
        }
        Map<String, BaujatPoint> baujat = new HashMap<>();
        d.baujat().forEach(b -> baujat.put(b.studyId(), b));
        List<Object[]> rows = new ArrayList<>();
        for (StudyInfluence s : d.studies()) {
            BaujatPoint b = baujat.get(s.studyId());
            rows.add(new Object[]{s.studyId(), num(s.rstudent()), num(s.dffits()), num(s.cooksDistance()), num(s.covRatio()),
                    num(s.tau2Deleted()), num(s.qDeleted()), num(s.hat()), num(s.weight()), num(s.dfbetas()),
                    String.valueOf(s.influential()), b == null ? null : num(b.contributionToQ()),
                    b == null ? null : num(b.influence()), d.status()});
        }
        return rows;
    }
}
