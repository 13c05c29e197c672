package io.aepool.plan;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A results table computed once per analysis family (a whole-pool analysis) rather than per subset:
 * subgroup tests, small-study tests, trim and fill, influence, funnel data, meta-regression.
 * Written once and run the same way, as Spark tasks over its base specs.
 */
public interface FamilyTable extends Serializable {

    /** Key columns every family table starts with: the base analysis it belongs to. */
    List<ResultColumn> KEY_COLUMNS = List.of(ResultColumn.text("analysis_id"), ResultColumn.text("pool"),
            ResultColumn.text("outcome"), ResultColumn.text("measure"), ResultColumn.text("method"),
            ResultColumn.text("ci_method"), ResultColumn.text("prediction_interval"), ResultColumn.text("zero_rule"));

    /** File stem of the output, e.g. {@code subgroup_tests}. */
    String name();

    /** Columns after {@link #KEY_COLUMNS}. */
    List<ResultColumn> valueColumns();

    /** The analyses this table is computed for, from the whole grid. */
    List<AnalysisSpec> bases(List<AnalysisSpec> grid);

    /** Value rows (without the key) for one base analysis. Never throws for sparse data. */
    List<Object[]> rows(AnalysisSpec base, Map<String, Pool> pools, List<StudyRecord> studies);

    default List<ResultColumn> columns() {
        List<ResultColumn> all = new ArrayList<>(KEY_COLUMNS);
        all.addAll(valueColumns());
        return all;
    }

    /**
     * Whether the table is computed for a base whose studies mix designs in a pool that keeps designs apart: only
     * tables that show the designs apart (subgroup tests, forest plots) are; the others would pool across designs.
     */
    default boolean showsDesignsApart() {
        return false;
    }

    /** Full rows: the base's key, then each value row. */
    default List<Object[]> keyedRows(AnalysisSpec base, Map<String, Pool> pools, List<StudyRecord> studies) {
        if (!showsDesignsApart() && AnalysisRunner.designsKeptApart(base, pools, studies)) {
            return List.of();
        }
        // a binary measure over rate data without arm sizes: the analyses say why not; the family has nothing to add
        if (!showsDesignsApart() && AnalysisRunner.noParticipantCounts(base, pools, studies) != null) {
            return List.of();
        }
        Object[] key = {base.id(), base.pool(), base.outcome(), base.measure().name(), base.method().name(),
                base.ciMethod().label(), base.predictionInterval().label(), base.zeroRule().label()};
        List<Object[]> out = new ArrayList<>();
        for (Object[] values : rows(base, pools, studies)) {
            Object[] row = new Object[key.length + values.length];
            System.arraycopy(key, 0, row, 0, key.length);
            System.arraycopy(values, 0, row, key.length, values.length);
            out.add(row);
        }
        return out;
    }

    /** Whole-pool specs of the grid. */
    static List<AnalysisSpec> wholePool(List<AnalysisSpec> grid) {
        return grid.stream().filter(s -> s.subset().kind() == Subset.Kind.ALL).toList();
    }

    /**
     * Whole-pool analyses on per-study effects (inverse variance or random effects, not MH, Peto or CMEL) with the
     * Wald interval: what influence diagnostics and meta-regression refit.
     */
    static List<AnalysisSpec> effectSizeModelsWithWaldInterval(List<AnalysisSpec> grid) {
        return wholePool(grid).stream()
                .filter(s -> io.aepool.stats.TrimAndFill.supports(s.method()) && s.ciMethod() == io.aepool.stats.CiMethod.WALD_Z)
                .toList();
    }

    /** The subgroup factor of a subset's studies: comparison id to the text of {@code variable}. */
    static Map<String, String> levels(List<StudyRecord> studies, String variable) {
        Map<String, String> level = new LinkedHashMap<>();
        studies.forEach(s -> level.put(s.comparisonId(), String.valueOf(s.attribute(variable))));
        return level;
    }

    /**
     * One base per pool, outcome, measure, prediction interval and zero rule, on the inverse-variance
     * fixed-effect input: what funnel plots and regression tests read whatever the pooling method.
     */
    static List<AnalysisSpec> fixedEffectInputs(List<AnalysisSpec> grid) {
        Map<String, AnalysisSpec> unique = new LinkedHashMap<>();
        for (AnalysisSpec s : wholePool(grid)) {
            AnalysisSpec iv = s.withMethod(io.aepool.stats.PoolingMethod.IV, io.aepool.stats.CiMethod.WALD_Z);
            unique.putIfAbsent(iv.canonical(), iv);
        }
        return new ArrayList<>(unique.values());
    }

    /**
     * A family table read off the per-study effects a funnel shows (funnel data, small-study tests): its bases are
     * {@link #fixedEffectInputs}, declared here once instead of in each such table.
     */
    interface OnFixedEffectInputs extends FamilyTable {
        @Override
        default List<AnalysisSpec> bases(List<AnalysisSpec> grid) {
            return fixedEffectInputs(grid);
        }
    }

    /** NaN and infinities become null: results files never hold NaN. */
    static Double num(double d) {
        return Double.isFinite(d) ? d : null;
    }
}
