package io.aepool.plan;

import io.aepool.stats.MetaRegression;
import io.aepool.stats.MetaRegressionCoefficient;
import io.aepool.stats.MetaRegressionResult;
import io.aepool.stats.StudyCounts;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.aepool.plan.FamilyTable.num;

/**
 * Mixed-effects meta-regression on one study-level covariate at a time, for every whole-pool
 * inverse-variance or random-effects analysis: numeric when every study's value is a number, otherwise
 * categorical (dummy coded against the first level). One row per coefficient, with the QM test.
 */
public record MetaRegressionTable(List<String> covariates) implements FamilyTable {

    public MetaRegressionTable {
        covariates = List.copyOf(covariates);
    }

    @Override
    public String name() {
        return "meta_regression";
    }

    @Override
    public List<ResultColumn> valueColumns() {
        return List.of(ResultColumn.text("covariate"), ResultColumn.text("kind"), ResultColumn.integer("k"),
                ResultColumn.text("term"), ResultColumn.number("coefficient"), ResultColumn.number("se"),
                ResultColumn.number("z"), ResultColumn.number("p_value"), ResultColumn.number("ci_low"),
                ResultColumn.number("ci_high"), ResultColumn.number("qm"), ResultColumn.integer("qm_df"),
                ResultColumn.number("qm_p"), ResultColumn.number("tau2"), ResultColumn.number("r2"),
                ResultColumn.text("few_studies"), ResultColumn.text("status"));
    }

    @Override
    public List<AnalysisSpec> bases(List<AnalysisSpec> grid) {
        return covariates.isEmpty() ? List.of() : FamilyTable.effectSizeModelsWithWaldInterval(grid);
    }

    @Override
    public List<Object[]> rows(AnalysisSpec base, Map<String, Pool> pools, List<StudyRecord> studies) {
        List<StudyRecord> chosen = base.subset().select(AnalysisRunner.poolStudies(base, pools, studies));
        List<StudyCounts> counts = chosen.stream().map(StudyRecord::counts).toList();
        List<Object[]> rows = new ArrayList<>();
        for (String covariate : covariates) {
            Map<String, String> value = new HashMap<>();
            chosen.forEach(s -> value.put(s.comparisonId(), s.attribute(covariate)));
            boolean numeric = value.values().stream().allMatch(v -> v != null && isNumber(v));
            MetaRegressionResult r = numeric
                    ? MetaRegression.numeric(counts, id -> Double.valueOf(value.get(id)), covariate, base.measure(),
                    base.method(), base.effectsZeroRule())
                    : MetaRegression.categorical(counts, value::get, covariate, base.measure(), base.method(), base.effectsZeroRule());
            String kind = numeric ? "numeric" : "categorical";
            if (r.coefficients().isEmpty()) {
                rows.add(new Object[]{covariate, kind, r.k(), null, null, null, null, null, null, null, null, null, null,
                        null, null, String.valueOf(r.fewerThanTenStudies()), r.status()});
            }
            for (MetaRegressionCoefficient c : r.coefficients()) {
                rows.add(new Object[]{covariate, kind, r.k(), c.name(), num(c.estimate()), num(c.se()), num(c.z()),
                        num(c.pValue()), num(c.ciLow()), num(c.ciHigh()), num(r.qm()), r.qmDf(), num(r.qmP()),
                        num(r.tau2()), num(r.r2()), String.valueOf(r.fewerThanTenStudies()), r.status()});
            }
        }
        return rows;
    }

    private static boolean isNumber(String v) {
        try {
            Double.parseDouble(v);
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
