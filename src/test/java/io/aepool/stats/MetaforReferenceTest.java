package io.aepool.stats;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.function.Executable;

/**
 * Agreement with R metafor 3.8-1 on published data sets ({@code src/test/resources/reference}): every field of every
 * checked key, to 1e-6 relative (1e-9 absolute where metafor's value is within 1e-9 of zero).
 * Key families are named without the measure prefix, e.g. {@code RR/DL/HKSJ} is family {@code DL/HKSJ}.
 */
class MetaforReferenceTest {

    static final List<String> DATASETS = List.of("bcg", "hine1989", "li2007", "nielweise2008");

    /** Key families compared field by field. */
    static final Set<String> CHECKED = Set.of(
            "MH", "IV", "PETO",
            "DL/Z", "DL/HKSJ", "REML/Z", "REML/HKSJ", "PM/Z", "PM/HKSJ",
            "MH/LOO", "DL/LOO", "MH/CUMULATIVE", "MH/SUBGROUPS", "DL/SUBGROUPS",
            "EGGER", "BEGG", "TRIMFILL/IV", "TRIMFILL/DL");

    static final double REL_TOL = 1e-6;
    static final double ABS_TOL_NEAR_ZERO = 1e-9;

    private static final ObjectMapper JSON = new ObjectMapper();

    @TestFactory
    Stream<DynamicNode> everyCheckedKeyAgreesWithMetafor() {
        return DATASETS.stream().map(name -> {
            ReferenceData data = ReferenceData.load(name);
            JsonNode expected = loadJson(name);
            List<DynamicNode> tests = new ArrayList<>();
            for (Iterator<String> it = expected.fieldNames(); it.hasNext(); ) {
                String key = it.next();
                if (CHECKED.contains(family(key))) {
                    tests.add(DynamicTest.dynamicTest(key, () -> check(data, key, expected.get(key))));
                }
            }
            return DynamicContainer.dynamicContainer(name, tests);
        });
    }

    @Test
    void everyReferenceKeyIsChecked() {
        Set<String> unknown = new TreeSet<>();
        for (String name : DATASETS) {
            loadJson(name).fieldNames().forEachRemaining(key -> {
                if (!CHECKED.contains(family(key))) {
                    unknown.add(name + ":" + key);
                }
            });
        }
        assertTrue(unknown.isEmpty(), "reference keys not checked: " + unknown);
    }

    @Test
    void everyCheckedFamilyOccursInTheReferenceFiles() {
        Set<String> seen = new TreeSet<>();
        for (String name : DATASETS) {
            loadJson(name).fieldNames().forEachRemaining(key -> seen.add(family(key)));
        }
        Set<String> missing = new TreeSet<>(CHECKED);
        missing.removeAll(seen);
        assertTrue(missing.isEmpty(), "checked families with no reference key (stale coverage list): " + missing);
    }

    // ---------------------------------------------------------------------------------------------------------

    private static void check(ReferenceData data, String key, JsonNode expected) {
        String where = data.name() + " " + key;
        EffectMeasure measure = EffectMeasure.parse(key.substring(0, key.indexOf('/')));
        String family = family(key);
        String[] parts = family.split("/");
        switch (parts[0]) {
            case "EGGER" -> {
                assertEgger(where, expected, SmallStudyTests.egger(data.studies(), measure, ZeroCellRule.DEFAULT));
                return;
            }
            case "BEGG" -> {
                assertBegg(where, expected, SmallStudyTests.begg(data.studies(), measure, ZeroCellRule.DEFAULT));
                return;
            }
            case "TRIMFILL" -> {
                PoolingMethod tfMethod = PoolingMethod.parse(parts[1]);
                assertTrimAndFill(where, expected,
                        TrimAndFill.of(data.studies(), measure, tfMethod, ZeroCellRule.DEFAULT));
                return;
            }
            default -> { }
        }
        PoolingMethod method = PoolingMethod.parse(parts[0]);
        CiMethod ci = parts.length > 1 && parts[1].equals("HKSJ") ? CiMethod.HKSJ : CiMethod.WALD_Z;
        Pooler pooler = Poolers.create(measure, method, ci, ZeroCellRule.DEFAULT);
        String analysis = parts.length > 1 ? parts[1] : "";
        switch (analysis) {
            case "", "Z", "HKSJ" -> assertPooled(where, expected, pooler.pool(data.studies()));
            case "LOO" -> {
                LinkedHashMap<String, PooledEstimate> loo = Sensitivity.leaveOneOut(pooler, data.studies());
                List<Executable> checks = new ArrayList<>();
                checks.add(() -> assertEquals(names(expected), new ArrayList<>(loo.keySet()), where + ": left-out studies"));
                expected.properties().forEach(e -> checks.add(() ->
                        assertPooled(where + " without '" + e.getKey() + "'", e.getValue(), loo.get(e.getKey()))));
                assertAll(where, checks);
            }
            case "CUMULATIVE" -> {
                List<StudyCounts> ordered = data.studiesByYear();
                List<PooledEstimate> cum = Sensitivity.cumulative(pooler, ordered);
                assertEquals(expected.size(), cum.size(), where + ": number of cumulative steps");
                List<Executable> checks = new ArrayList<>();
                for (int i = 0; i < cum.size(); i++) {
                    int step = i;
                    JsonNode exp = expected.get(i);
                    String at = where + " step " + (i + 1);
                    checks.add(() -> assertEquals(exp.get("added").asText(), ordered.get(step).studyId(), at + ": added study"));
                    checks.add(() -> assertPooled(at, exp, cum.get(step)));
                }
                assertAll(where, checks);
            }
            case "SUBGROUPS" -> {
                SubgroupAnalysis sub = Sensitivity.subgroups(pooler, data.studies(), data::groupOf);
                List<Executable> checks = new ArrayList<>();
                JsonNode groups = expected.get("groups");
                checks.add(() -> assertEquals(names(groups), new ArrayList<>(sub.groups().keySet()), where + ": groups"));
                groups.properties().forEach(e -> checks.add(() ->
                        assertPooled(where + " group '" + e.getKey() + "'", e.getValue(), sub.groups().get(e.getKey()))));
                expected.properties().forEach(e -> {
                    switch (e.getKey()) {
                        case "groups" -> { }
                        case "q_between" -> checks.add(() -> assertClose(where, "q_between", e.getValue(), sub.test().qBetween()));
                        case "p_value" -> checks.add(() -> assertClose(where, "p_value", e.getValue(), sub.test().pValue()));
                        case "df" -> checks.add(() -> assertEquals(e.getValue().asInt(), sub.test().df(), where + " field df"));
                        default -> checks.add(() -> fail(where + ": field '" + e.getKey() + "' is not compared"));
                    }
                });
                checks.add(() -> assertEquals(PooledEstimate.OK, sub.test().status(), where + ": subgroup test status"));
                assertAll(where, checks);
            }
            default -> fail(where + ": no comparison for analysis '" + analysis + "'");
        }
    }

    private static void assertEgger(String where, JsonNode expected, EggerTest actual) {
        List<Executable> checks = new ArrayList<>();
        checks.add(() -> assertEquals(PooledEstimate.OK, actual.status(), where + ": status"));
        expected.properties().forEach(e -> {
            JsonNode exp = e.getValue();
            checks.add(switch (e.getKey()) {
                case "k" -> () -> assertEquals(exp.asInt(), actual.k(), where + " field k");
                case "t" -> () -> assertClose(where, "t", exp, actual.t());
                case "p_value" -> () -> assertClose(where, "p_value", exp, actual.pValue());
                case "df" -> () -> assertEquals(exp.asInt(), actual.df(), where + " field df");
                default -> () -> fail(where + ": field '" + e.getKey() + "' is not compared");
            });
        });
        assertAll(where, checks);
    }

    private static void assertBegg(String where, JsonNode expected, BeggTest actual) {
        List<Executable> checks = new ArrayList<>();
        checks.add(() -> assertEquals(PooledEstimate.OK, actual.status(), where + ": status"));
        expected.properties().forEach(e -> {
            JsonNode exp = e.getValue();
            checks.add(switch (e.getKey()) {
                case "k" -> () -> assertEquals(exp.asInt(), actual.k(), where + " field k");
                case "kendall_tau" -> () -> assertClose(where, "kendall_tau", exp, actual.kendallTau());
                case "p_value" -> () -> assertClose(where, "p_value", exp, actual.pValue());
                default -> () -> fail(where + ": field '" + e.getKey() + "' is not compared");
            });
        });
        assertAll(where, checks);
    }

    /** The trim-and-fill fields k0 and side; every other field is the adjusted (filled) model's. */
    private static void assertTrimAndFill(String where, JsonNode expected, TrimAndFillResult actual) {
        List<Executable> checks = new ArrayList<>();
        checks.add(() -> assertEquals(PooledEstimate.OK, actual.status(), where + ": trim-and-fill status"));
        checks.add(() -> assertEquals(actual.observed().k() + actual.k0(), actual.adjusted().k(), where + ": k = observed + k0"));
        checks.add(() -> assertEquals(actual.k0(), actual.filled().size(), where + ": one filled study per missing study"));
        ObjectNode pooledFields = expected.deepCopy();
        pooledFields.remove("k0");
        pooledFields.remove("side");
        checks.add(() -> assertEquals(expected.get("k0").asInt(), actual.k0(), where + " field k0"));
        checks.add(() -> assertEquals(expected.get("side").asText(), actual.side().label(), where + " field side"));
        checks.add(() -> assertPooled(where + " adjusted", pooledFields, actual.adjusted()));
        assertAll(where, checks);
    }

    /** Compares every field metafor reports; a field without a mapping fails rather than being skipped. */
    private static void assertPooled(String where, JsonNode expected, PooledEstimate actual) {
        if (actual == null) {
            fail(where + ": no result");
        }
        List<Executable> checks = new ArrayList<>();
        checks.add(() -> assertEquals(PooledEstimate.OK, actual.status(), where + ": status"));
        expected.properties().forEach(e -> {
            String field = e.getKey();
            JsonNode exp = e.getValue();
            Executable check = switch (field) {
                case "added" -> () -> { };
                case "k" -> () -> assertEquals(exp.asInt(), actual.k(), where + " field k");
                case "estimate" -> () -> assertClose(where, field, exp, actual.estimate());
                case "ci_low" -> () -> assertClose(where, field, exp, actual.ciLowNatural());
                case "ci_high" -> () -> assertClose(where, field, exp, actual.ciHighNatural());
                case "log_estimate" -> () -> assertClose(where, field, exp, actual.theta());
                case "se" -> () -> assertClose(where, field, exp, actual.se());
                case "p_value" -> () -> assertClose(where, field, exp, actual.pValue());
                case "q" -> () -> assertClose(where, field, exp, actual.q());
                case "q_p" -> () -> assertClose(where, field, exp, actual.qP());
                case "i2" -> () -> assertClose(where, field, exp, actual.i2());
                case "tau2" -> () -> assertClose(where, field, exp, actual.tau2());
                case "pi_low" -> () -> assertClose(where, field, exp, actual.piLowNatural());
                case "pi_high" -> () -> assertClose(where, field, exp, actual.piHighNatural());
                case "tau2_ci_low" -> () -> assertClose(where, field, exp, actual.tau2CiLow());
                case "tau2_ci_high" -> () -> assertClose(where, field, exp, actual.tau2CiHigh());
                case "i2_ci_low" -> () -> assertClose(where, field, exp, actual.i2CiLow());
                case "i2_ci_high" -> () -> assertClose(where, field, exp, actual.i2CiHigh());
                default -> () -> fail(where + ": field '" + field + "' is not compared");
            };
            checks.add(check);
        });
        assertAll(where, checks);
    }

    static void assertClose(String where, String field, JsonNode expectedNode, double actual) {
        double expected = expectedNode.isNull() ? Double.NaN : expectedNode.asDouble();
        if (Double.isNaN(expected) && Double.isNaN(actual)) {
            return;
        }
        double diff = Math.abs(actual - expected);
        boolean ok = diff <= REL_TOL * Math.abs(expected)
                || (Math.abs(expected) <= ABS_TOL_NEAR_ZERO && diff <= ABS_TOL_NEAR_ZERO);
        if (!ok) {
            fail(String.format("%s field %s: expected %.15g but was %.15g (relative difference %.3g)",
                    where, field, expected, actual, diff / Math.abs(expected)));
        }
    }

    static String family(String key) {
        return key.substring(key.indexOf('/') + 1);
    }

    private static List<String> names(JsonNode object) {
        List<String> out = new ArrayList<>();
        object.fieldNames().forEachRemaining(out::add);
        return out;
    }

    private static final Map<String, JsonNode> CACHE = new LinkedHashMap<>();

    static synchronized JsonNode loadJson(String name) {
        return CACHE.computeIfAbsent(name, n -> {
            String resource = "/reference/" + n + ".metafor.json";
            try (InputStream in = MetaforReferenceTest.class.getResourceAsStream(resource)) {
                if (in == null) {
                    throw new IllegalStateException("missing test resource " + resource);
                }
                return JSON.readTree(in);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }
}
