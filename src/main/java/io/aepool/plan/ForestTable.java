package io.aepool.plan;

import io.aepool.stats.EffectSize;
import io.aepool.stats.EffectSizes;
import io.aepool.stats.PooledEstimate;
import io.aepool.stats.StudyCounts;
import io.aepool.stats.StudyWeights;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static io.aepool.plan.FamilyTable.num;

/**
 * Forest-plot rows of every whole-pool analysis (and of each subgroup of each subgroup variable, so the
 * report can draw subgroup blocks): per study its counts, its own effect with 95% Wald interval (the corrected
 * per-study effect, as metafor's forest() and RevMan show), and its weight in percent under the analysis's method.
 * Studies that do not contribute (double-zero under a ratio measure) are listed with weight empty.
 */
public record ForestTable(List<String> subgroupVariables) implements FamilyTable {

    private static final double Z = 1.959963984540054;

    public ForestTable {
        subgroupVariables = List.copyOf(subgroupVariables);
    }

    @Override
    public boolean showsDesignsApart() {
        return true;
    }

    @Override
    public String name() {
        return "forest";
    }

    @Override
    public List<ResultColumn> valueColumns() {
        return List.of(ResultColumn.text("block"), ResultColumn.text("comparison_id"), ResultColumn.text("label"),
                ResultColumn.integer("year"), ResultColumn.longs("events_exp"), ResultColumn.longs("n_exp"),
                ResultColumn.longs("events_ctl"), ResultColumn.longs("n_ctl"), ResultColumn.number("person_years_exp"),
                ResultColumn.number("person_years_ctl"), ResultColumn.number("estimate"), ResultColumn.number("ci_low"),
                ResultColumn.number("ci_high"), ResultColumn.number("weight_percent"), ResultColumn.text("contributes"));
    }

    @Override
    public List<AnalysisSpec> bases(List<AnalysisSpec> grid) {
        return FamilyTable.wholePool(grid);
    }

    @Override
    public List<Object[]> rows(AnalysisSpec base, Map<String, Pool> pools, List<StudyRecord> studies) {
        List<StudyRecord> inPool = AnalysisRunner.poolStudies(base, pools, studies);
        List<Object[]> rows = new ArrayList<>(block("all", base, pools, studies, inPool));
        for (String variable : subgroupVariables) {
            if (variable.equals(AnalysisGrid.DESIGN) && inPool.stream().map(s -> s.attribute(variable)).distinct().count() < 2) {
                continue; // design blocks only where a pool mixes designs (as the grid's subgroups)
            }
            for (String value : inPool.stream().map(s -> String.valueOf(s.attribute(variable))).distinct().sorted().toList()) {
                AnalysisSpec sub = base.withSubset(Subset.subgroup(variable, value));
                rows.addAll(block("subgroup:" + variable + "=" + value, sub, pools, studies, sub.subset().select(inPool)));
            }
        }
        return rows;
    }

    private static List<Object[]> block(String block, AnalysisSpec spec, Map<String, Pool> pools, List<StudyRecord> all,
                                        List<StudyRecord> chosen) {
        // the block's own tau² (each subgroup with its own, as the subgroup rows of analyses.csv)
        PooledEstimate pooled = AnalysisRunner.run(spec, pools, all).pooled();
        List<StudyCounts> counts = chosen.stream().map(StudyRecord::counts).toList();
        Map<String, Double> weights = StudyWeights.percent(counts, spec.measure(), spec.method(), spec.effectsZeroRule(),
                pooled.tau2());
        List<Object[]> rows = new ArrayList<>();
        for (StudyRecord s : chosen) {
            StudyCounts c = s.counts();
            Optional<EffectSize> e = spec.measure().isRate() && !c.hasPersonTime() ? Optional.empty()
                    : EffectSizes.of(c, spec.measure(), spec.effectsZeroRule()).filter(EffectSize::isUsable);
            Double weight = weights.get(s.comparisonId());
            String label = s.attribute("acronym") != null ? s.attribute("acronym") : s.comparisonId();
            rows.add(new Object[]{block, s.comparisonId(), label, s.year(), s.eventsExp(), s.knownNExp(), s.eventsCtl(),
                    s.knownNCtl(), s.personYearsExp(), s.personYearsCtl(),
                    e.map(x -> num(spec.measure().toNatural(x.yi()))).orElse(null),
                    e.map(x -> num(spec.measure().toNatural(x.yi() - Z * Math.sqrt(x.vi())))).orElse(null),
                    e.map(x -> num(spec.measure().toNatural(x.yi() + Z * Math.sqrt(x.vi())))).orElse(null),
                    weight == null ? null : num(weight), String.valueOf(weight != null)});
        }
        return rows;
    }
}
