package io.aepool.stats;

import static io.aepool.stats.MetaforReferenceTest.assertClose;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.function.Executable;

/**
 * Agreement with the R oracle values in {@code src/test/resources/oracle} (made by {@code make-oracle.R} with R 4.2
 * and metafor 3.8-1; see the README there): influence diagnostics and Baujat coordinates, meta-regression, trim and
 * fill with the R0 estimator, Peters' test and the exact conditional logistic odds ratio. Every field to 1e-6
 * relative (1e-9 absolute near zero), except where the README documents a looser metafor precision.
 */
class MetaforOracleTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ZeroCellRule RULE = ZeroCellRule.DEFAULT;
    /**
     * metafor's rma.glmm CM.EL estimate comes from nlminb (rel.tol 1e-10) on a likelihood evaluated by BiasedUrn to
     * precision 1e-7, so it is only accurate to about 2e-6 relative (README); the exact score root is held to 1e-6.
     */
    private static final double METAFOR_GLMM_REL_TOL = 5e-6;

    @TestFactory
    Stream<DynamicNode> influenceDiagnosticsAndBaujatAgreeWithMetafor() {
        JsonNode all = load("influence.json");
        List<DynamicNode> tests = new ArrayList<>();
        all.properties().forEach(e -> tests.add(DynamicTest.dynamicTest(e.getKey(), () -> {
            String[] key = e.getKey().split("/");
            ReferenceData data = ReferenceData.load(key[0]);
            PoolingMethod method = key[2].equals("FE") ? PoolingMethod.IV : PoolingMethod.parse(key[2]);
            InfluenceDiagnostics d = Influence.of(data.studies(), EffectMeasure.parse(key[1]), method, RULE);
            assertTrue(d.isOk(), d.status());
            JsonNode exp = e.getValue();
            List<Executable> checks = new ArrayList<>();
            List<String> ids = new ArrayList<>();
            exp.get("study").forEach(n -> ids.add(n.asText()));
            checks.add(() -> assertEquals(ids, d.studies().stream().map(StudyInfluence::studyId).toList(), "studies"));
            compareColumn(checks, e.getKey(), exp, "rstudent", d.studies(), StudyInfluence::rstudent);
            compareColumn(checks, e.getKey(), exp, "dffits", d.studies(), StudyInfluence::dffits);
            compareColumn(checks, e.getKey(), exp, "cook_d", d.studies(), StudyInfluence::cooksDistance);
            compareColumn(checks, e.getKey(), exp, "cov_r", d.studies(), StudyInfluence::covRatio);
            compareColumn(checks, e.getKey(), exp, "tau2_del", d.studies(), StudyInfluence::tau2Deleted);
            compareColumn(checks, e.getKey(), exp, "qe_del", d.studies(), StudyInfluence::qDeleted);
            compareColumn(checks, e.getKey(), exp, "hat", d.studies(), StudyInfluence::hat);
            compareColumn(checks, e.getKey(), exp, "weight", d.studies(), StudyInfluence::weight);
            compareColumn(checks, e.getKey(), exp, "dfbs", d.studies(), StudyInfluence::dfbetas);
            compareColumn(checks, e.getKey(), exp, "baujat_x", d.baujat(), BaujatPoint::contributionToQ);
            compareColumn(checks, e.getKey(), exp, "baujat_y", d.baujat(), BaujatPoint::influence);
            for (int i = 0; i < ids.size(); i++) {
                int row = i;
                checks.add(() -> assertEquals(exp.get("inf").get(row).asBoolean(), d.studies().get(row).influential(),
                        e.getKey() + " inf of " + ids.get(row)));
            }
            assertAll(e.getKey(), checks);
        })));
        return tests.stream();
    }

    @TestFactory
    Stream<DynamicNode> metaRegressionAgreesWithMetafor() {
        JsonNode all = load("metareg.json");
        List<DynamicNode> tests = new ArrayList<>();
        all.properties().forEach(e -> tests.add(DynamicTest.dynamicTest(e.getKey(), () -> {
            String[] key = e.getKey().split("/");
            ReferenceData data = ReferenceData.load(key[0]);
            EffectMeasure measure = EffectMeasure.parse(key[1]);
            PoolingMethod method = key[3].equals("FE") ? PoolingMethod.IV : PoolingMethod.parse(key[3]);
            MetaRegressionResult r = key[2].equals("year")
                    ? MetaRegression.numeric(data.studies(), data::yearOf, "year", measure, method, RULE)
                    : MetaRegression.categorical(data.studies(), data::groupOf, "group", measure, method, RULE);
            assertTrue(r.isOk(), r.status());
            JsonNode exp = e.getValue();
            String w = e.getKey();
            List<Executable> checks = new ArrayList<>();
            checks.add(() -> assertEquals(exp.get("k").asInt(), r.k(), w + " k"));
            checks.add(() -> assertEquals(exp.get("coef").size(), r.coefficients().size(), w + " coefficients"));
            List<MetaRegressionCoefficient> c = r.coefficients();
            compareColumn(checks, w, exp, "coef", c, MetaRegressionCoefficient::estimate);
            compareColumn(checks, w, exp, "se", c, MetaRegressionCoefficient::se);
            compareColumn(checks, w, exp, "zval", c, MetaRegressionCoefficient::z);
            compareColumn(checks, w, exp, "pval", c, MetaRegressionCoefficient::pValue);
            compareColumn(checks, w, exp, "ci_lb", c, MetaRegressionCoefficient::ciLow);
            compareColumn(checks, w, exp, "ci_ub", c, MetaRegressionCoefficient::ciHigh);
            checks.add(() -> assertClose(w, "tau2", exp.get("tau2"), r.tau2()));
            if (method == PoolingMethod.IV) {
                // deliberate convention (docs/methods.md §7): no tau², so residual I² = 0 and R² (share of tau²
                // explained) is NaN. metafor instead reports I² = (QE − (k − p))/QE and the adjusted R² of the
                // weighted least-squares fit, 1 − (QE/(k − p))/(Q/(k − 1)); both follow from our QE and Q.
                int p = r.coefficients().size();
                double q = Poolers.create(measure, PoolingMethod.IV, CiMethod.WALD_Z, RULE).pool(data.studies()).q();
                checks.add(() -> assertEquals(0, r.i2(), w + " I² of a fixed-effect regression"));
                checks.add(() -> assertTrue(Double.isNaN(r.r2()), w + " R² of a fixed-effect regression"));
                checks.add(() -> assertClose(w, "I2 from QE", exp.get("I2"),
                        100 * Math.max(0, (r.qe() - (r.k() - p)) / r.qe())));
                checks.add(() -> assertClose(w, "R2 from QE and Q", exp.get("R2"),
                        100 * Math.max(0, 1 - (r.qe() / (r.k() - p)) / (q / (r.k() - 1)))));
            } else {
                // metafor reports I² and R² in percent
                checks.add(() -> assertClose(w, "I2", exp.get("I2"), 100 * r.i2()));
                checks.add(() -> assertClose(w, "R2", exp.get("R2"), 100 * r.r2()));
            }
            checks.add(() -> assertClose(w, "QE", exp.get("QE"), r.qe()));
            checks.add(() -> assertClose(w, "QEp", exp.get("QEp"), r.qeP()));
            checks.add(() -> assertClose(w, "QM", exp.get("QM"), r.qm()));
            checks.add(() -> assertClose(w, "QMp", exp.get("QMp"), r.qmP()));
            assertAll(w, checks);
        })));
        return tests.stream();
    }

    @TestFactory
    Stream<DynamicNode> trimAndFillR0AgreesWithMetafor() {
        JsonNode all = load("trimfill-r0.json");
        List<DynamicNode> tests = new ArrayList<>();
        all.properties().forEach(e -> tests.add(DynamicTest.dynamicTest(e.getKey(), () -> {
            String[] key = e.getKey().split("/");
            ReferenceData data = ReferenceData.load(key[0]);
            PoolingMethod method = key[2].equals("FE") ? PoolingMethod.IV : PoolingMethod.parse(key[2]);
            TrimAndFillResult r = TrimAndFill.of(data.studies(), EffectMeasure.parse(key[1]), method, CiMethod.WALD_Z,
                    RULE, null, TrimAndFill.Estimator.R0);
            assertTrue(r.isOk(), r.status());
            JsonNode exp = e.getValue();
            String w = e.getKey();
            PooledEstimate a = r.adjusted();
            assertAll(w,
                    () -> assertEquals(exp.get("k0").asInt(), r.k0(), w + " k0"),
                    () -> assertClose(w, "se_k0", exp.get("se_k0"), r.k0Se()),
                    () -> assertEquals(exp.get("side").asText(), r.side().label(), w + " side"),
                    () -> assertEquals(exp.get("k").asInt(), a.k(), w + " k"),
                    () -> assertEquals(r.k0(), r.filled().size(), w + " filled"),
                    () -> assertClose(w, "log_estimate", exp.get("log_estimate"), a.theta()),
                    () -> assertClose(w, "se", exp.get("se"), a.se()),
                    () -> assertClose(w, "ci_lb", exp.get("ci_lb"), a.ciLow()),
                    () -> assertClose(w, "ci_ub", exp.get("ci_ub"), a.ciHigh()),
                    () -> assertClose(w, "pval", exp.get("pval"), a.pValue()),
                    () -> assertClose(w, "tau2", exp.get("tau2"), a.tau2()),
                    () -> assertClose(w, "QE", exp.get("QE"), a.q()));
        })));
        return tests.stream();
    }

    @TestFactory
    Stream<DynamicNode> petersTestAgreesWithMetaforRegtest() {
        JsonNode all = load("peters.json");
        List<DynamicNode> tests = new ArrayList<>();
        all.properties().forEach(e -> tests.add(DynamicTest.dynamicTest(e.getKey(), () -> {
            String[] key = e.getKey().split("/");
            ReferenceData data = ReferenceData.load(key[0]);
            PetersTest r = SmallStudyTests.peters(data.studies(), EffectMeasure.parse(key[1]), RULE);
            assertTrue(r.isOk(), r.status());
            JsonNode exp = e.getValue();
            String w = e.getKey();
            assertAll(w,
                    () -> assertEquals(exp.get("k").asInt(), r.k(), w + " k"),
                    () -> assertEquals(exp.get("df").asInt(), r.df(), w + " df"),
                    () -> assertClose(w, "t", exp.get("t"), r.t()),
                    () -> assertClose(w, "pval", exp.get("pval"), r.pValue()),
                    () -> assertClose(w, "limit_estimate", exp.get("limit_estimate"), r.limitEstimate()),
                    () -> assertClose(w, "slope", exp.get("slope"), r.slope()),
                    () -> assertEquals(r.k() < 10, r.fewerThanTenStudies(), w + " flag"));
        })));
        return tests.stream();
    }

    @TestFactory
    Stream<DynamicNode> conditionalLogisticAgreesWithTheExactScoreRootAndWithRmaGlmm() {
        JsonNode all = load("conditional-logistic.json");
        List<DynamicNode> tests = new ArrayList<>();
        all.properties().forEach(e -> tests.add(DynamicTest.dynamicTest(e.getKey(), () -> {
            ReferenceData data = e.getKey().equals("sparse10")
                    ? ReferenceData.load("oracle", "sparse10") : ReferenceData.load(e.getKey());
            PooledEstimate r = Poolers.conditionalLogistic().pool(data.studies());
            assertTrue(r.isOk(), r.status());
            JsonNode exp = e.getValue();
            String w = e.getKey();
            assertAll(w,
                    () -> assertEquals(exp.get("k").asInt(), r.k(), w + " k (informative studies)"),
                    () -> assertClose(w, "exact_log_estimate", exp.get("exact_log_estimate"), r.theta()),
                    () -> assertClose(w, "exact_se", exp.get("exact_se"), r.se()),
                    () -> assertRelative(w + " log_estimate (rma.glmm)", exp.get("log_estimate").asDouble(), r.theta(),
                            METAFOR_GLMM_REL_TOL),
                    () -> assertEquals(Math.exp(r.theta()), r.estimate(), 1e-15 * r.estimate()),
                    () -> assertClose(w, "p", JSON.getNodeFactory().numberNode(Dist.twoSidedNormalP(r.theta() / r.se())),
                            r.pValue()));
        })));
        return tests.stream();
    }

    // ---------------------------------------------------------------------------------------------------------

    private static <T> void compareColumn(List<Executable> checks, String where, JsonNode exp, String field,
                                          List<T> rows, ToDoubleFunction<T> value) {
        JsonNode col = exp.get(field);
        checks.add(() -> assertEquals(col.size(), rows.size(), where + " rows of " + field));
        for (int i = 0; i < Math.min(col.size(), rows.size()); i++) {
            int row = i;
            checks.add(() -> assertClose(where + " row " + (row + 1), field, col.get(row), value.applyAsDouble(rows.get(row))));
        }
    }

    private static void assertRelative(String where, double expected, double actual, double relTol) {
        if (!(Math.abs(actual - expected) <= relTol * Math.abs(expected))) {
            fail(String.format("%s: expected %.15g but was %.15g", where, expected, actual));
        }
    }

    static JsonNode load(String file) {
        String resource = "/oracle/" + file;
        try (InputStream in = MetaforOracleTest.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + resource);
            }
            return JSON.readTree(in);
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }
}
