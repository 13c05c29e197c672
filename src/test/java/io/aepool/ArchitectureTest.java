package io.aepool;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/** The rooms of docs/design: which package may import what. A stray import fails the build. */
class ArchitectureTest {

    private static JavaClasses main;

    @BeforeAll
    static void importMainClasses() {
        main = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.aepool");
    }

    @Test
    void statsUsesOnlyTheJdkAndCommonsMath() {
        classes().that().resideInAPackage("io.aepool.stats..")
                .should().onlyDependOnClassesThat().resideInAnyPackage("java..", "io.aepool.stats..", "org.apache.commons.math3..")
                .check(main);
    }

    @Test
    void planUsesOnlyTheJdkAndStats() {
        classes().that().resideInAPackage("io.aepool.plan..")
                .should().onlyDependOnClassesThat().resideInAnyPackage("java..", "io.aepool.plan..", "io.aepool.stats..")
                .check(main);
    }

    @Test
    void ingestAndAggregateDoNotReachIntoLaterStages() {
        noClasses().that().resideInAnyPackage("io.aepool.ingest..", "io.aepool.aggregate..")
                .should().dependOnClassesThat().resideInAnyPackage("io.aepool.plan..", "io.aepool.compute..",
                        "io.aepool.publish..", "io.aepool.cli..", "io.aepool.stats..")
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
    void onlyTheCliSeesEveryStage() {
        noClasses().that().resideOutsideOfPackages("io.aepool.cli..")
                .should().dependOnClassesThat().resideInAPackage("io.aepool.cli..")
                .check(main);
    }

    @Test
    void publishWritesResultsWithoutComputingThem() {
        noClasses().that().resideInAPackage("io.aepool.publish..")
                .should().dependOnClassesThat().resideInAnyPackage("io.aepool.stats..", "io.aepool.plan..",
                        "io.aepool.ingest..", "io.aepool.aggregate..")
                .check(main);
    }
}
