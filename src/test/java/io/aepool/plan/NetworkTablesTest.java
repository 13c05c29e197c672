package io.aepool.plan;

import io.aepool.stats.EffectMeasure;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each pool's trials become a network per outcome, node kind and measure; every row fits its table's columns. */
class NetworkTablesTest {

    private static StudyRecord trial(String id, String design) {
        return new StudyRecord("si", id, 1, 100, 1, 100, null, null, 2020,
                Map.of("study_id", id, "design", design, "evidence", "x"));
    }

    private static NetworkTables.ArmRow arm(String study, String treatment, Double dose, long events, long n) {
        return new NetworkTables.ArmRow(study, "si", treatment, dose, events, n);
    }

    @Test
    void nodesAreLowerCaseDrugsWithoutTheirDoseOrDrugDoses() {
        assertEquals("abrocitinib", NetworkTables.NodeKind.DRUG.node("Abrocitinib 100 mg", 100.0));
        assertEquals("abrocitinib 100 mg", NetworkTables.NodeKind.DRUG_DOSE.node("Abrocitinib 100 mg", 100.0));
        assertEquals("upadacitinib 7.5 mg", NetworkTables.NodeKind.DRUG_DOSE.node("upadacitinib", 7.5));
        assertEquals("placebo", NetworkTables.NodeKind.DRUG_DOSE.node("Placebo", null));
        assertEquals("dupilumab (active control)", NetworkTables.NodeKind.DRUG.node("dupilumab (active control)", null));
    }

    @Test
    void aPoolsTrialsMakeOneNetworkWithAThreeArmTrialWholeAndRegistriesLeftOut() {
        List<StudyRecord> records = List.of(trial("T1", "rct"), trial("T2", "rct"), trial("T3", "rct"), trial("R1", "registry"));
        List<NetworkTables.ArmRow> arms = List.of(
                arm("T1", "Placebo", null, 3, 100), arm("T1", "Upadacitinib 15 mg", 15.0, 6, 100),
                arm("T1", "Upadacitinib 30 mg", 30.0, 8, 100),
                arm("T2", "placebo", null, 2, 90), arm("T2", "baricitinib", 4.0, 5, 95),
                arm("T3", "baricitinib", 4.0, 4, 80), arm("T3", "upadacitinib", 15.0, 6, 85),
                arm("R1", "jak", null, 40, 1000), arm("R1", "biologic", null, 30, 1000));
        NetworkTables.Settings settings = new NetworkTables.Settings(
                List.of(NetworkTables.NodeKind.DRUG, NetworkTables.NodeKind.DRUG_DOSE), "Placebo", List.of(EffectMeasure.OR));
        Map<String, List<Object[]>> rows = NetworkTables.rows(List.of(Pool.everything()), records, arms, settings);
        rows.forEach((table, values) -> values.forEach(r ->
                assertEquals(NetworkTables.COLUMNS.get(table).size(), r.length, table + " row width")));
        List<Object[]> effects = rows.get(NetworkTables.EFFECTS);
        // drug: placebo, baricitinib, upadacitinib; drug-dose: placebo, baricitinib 4 mg, upadacitinib 15 mg, 30 mg;
        // each node once per model (common, random)
        assertEquals(2 * (3 + 4), effects.size());
        assertTrue(effects.stream().allMatch(r -> "placebo".equals(r[7])), "placebo is every row's reference");
        assertTrue(effects.stream().noneMatch(r -> String.valueOf(r[6]).contains("jak")), "registries are not trials");
        // the three-arm trial enters whole: drug-dose edges placebo-upa15, placebo-upa30 and upa15-upa30 from T1 alone
        Set<String> edges = new java.util.TreeSet<>();
        rows.get(NetworkTables.EDGES).stream().filter(r -> r[3].equals("drug-dose")).forEach(r -> edges.add(r[5] + "|" + r[6] + "|" + r[7]));
        assertEquals(Set.of("placebo|upadacitinib 15 mg|1", "placebo|upadacitinib 30 mg|1", "upadacitinib 15 mg|upadacitinib 30 mg|1",
                "placebo|baricitinib 4 mg|1", "baricitinib 4 mg|upadacitinib 15 mg|1"), edges);
        assertTrue(edges.contains("upadacitinib 15 mg|upadacitinib 30 mg|1"), edges.toString());
        assertEquals(1, rows.get(NetworkTables.CONSISTENCY).stream().filter(r -> r[3].equals("drug")
                && "design-by-treatment".equals(r[6])).count());
    }

    @Test
    void settingsRefuseMeasuresTheNetworkDoesNotTake() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new NetworkTables.Settings(
                List.of(NetworkTables.NodeKind.DRUG), "placebo", List.of(EffectMeasure.RD)));
        assertTrue(e.getMessage().contains("OR or RR"), e.getMessage());
    }
}
