package io.aepool;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The rooms of docs/design, as a whole matrix: which room may import which. A stray import fails the build, not a
 * review. Data flows one way (ingest, aggregate, plan, compute, publish, report); only {@code cli} sees every room.
 */
class ArchitectureTest {

    /** Per room, the rooms it may import (besides itself). */
    static final Map<String, Set<String>> MAY_IMPORT = new LinkedHashMap<>();

    static {
        MAY_IMPORT.put("stats", Set.of());
        MAY_IMPORT.put("plan", Set.of("stats"));
        MAY_IMPORT.put("ingest", Set.of());
        MAY_IMPORT.put("aggregate", Set.of("ingest"));
        MAY_IMPORT.put("compute", Set.of("plan", "stats"));
        MAY_IMPORT.put("publish", Set.of());
        MAY_IMPORT.put("report", Set.of());
        // the sample generator writes the bundled inputs from its own trial designs: it reads nothing of the job
        MAY_IMPORT.put("sample", Set.of());
        MAY_IMPORT.put("cli", Set.of("stats", "plan", "ingest", "aggregate", "compute", "publish", "report"));
    }

    private static JavaClasses main;

    @BeforeAll
    static void importMainClasses() {
        main = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.aepool");
    }

    @Test
    void everyPackageIsARoomOfTheMatrix() {
        Set<String> rooms = new java.util.TreeSet<>();
        main.forEach(c -> rooms.add(c.getPackageName().replaceFirst("^io\\.aepool\\.?", "").split("\\.")[0]));
        assertEquals(new java.util.TreeSet<>(MAY_IMPORT.keySet()), rooms, "a new package needs its row in MAY_IMPORT");
    }

    static List<String> rooms() {
        return List.copyOf(MAY_IMPORT.keySet());
    }

    @ParameterizedTest(name = "{0} imports only the rooms it may")
    @MethodSource("rooms")
    void roomImportsOnlyWhatTheMatrixAllows(String room) {
        String[] forbidden = MAY_IMPORT.keySet().stream()
                .filter(other -> !other.equals(room) && !MAY_IMPORT.get(room).contains(other))
                .map(other -> "io.aepool." + other + "..").toArray(String[]::new);
        if (forbidden.length > 0) {
            noClasses().that().resideInAPackage("io.aepool." + room + "..")
                    .should().dependOnClassesThat().resideInAnyPackage(forbidden)
                    .check(main);
        }
    }

    @Test
    void noCyclesBetweenRooms() {
        slices().matching("io.aepool.(*)..").should().beFreeOfCycles().check(main);
    }

    @Test
    void statsUsesOnlyTheJdkAndCommonsMathAndNumbers() {
        classes().that().resideInAPackage("io.aepool.stats..")
                .should().onlyDependOnClassesThat().resideInAnyPackage("java..", "io.aepool.stats..", "org.apache.commons.math3..",
                        "org.apache.commons.numbers..")
                .check(main);
    }

    @Test
    void planUsesOnlyTheJdkAndStats() {
        classes().that().resideInAPackage("io.aepool.plan..")
                .should().onlyDependOnClassesThat().resideInAnyPackage("java..", "io.aepool.plan..", "io.aepool.stats..")
                .check(main);
    }

    @Test
    void theReportReadsResultsTablesAndComputesNoStatistics() {
        classes().that().resideInAPackage("io.aepool.report..")
                .should().onlyDependOnClassesThat().resideInAnyPackage("java..", "javax..", "io.aepool.report..",
                        "org.jfree.svg..", "com.github.mustachejava..", "org.apache.commons.csv..", "com.fasterxml.jackson..")
                .check(main);
    }

    @Test
    void onlyTheCliHoldsTheEntryPointAndConf() {
        noClasses().that().resideOutsideOfPackages("io.aepool.cli..")
                .should().dependOnClassesThat().resideInAPackage("io.aepool.cli..")
                .check(main);
    }
}
