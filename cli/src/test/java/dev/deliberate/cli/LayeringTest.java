package dev.deliberate.cli;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The layering of DESIGN.md, checked on the compiled product classes (tests aside): the engine knows nothing of
 * safety, no package of {@code align} or {@code engine} takes part in a dependency cycle, and {@code cli} is the
 * outermost layer, which nothing else depends on.
 */
class LayeringTest {
    static JavaClasses product;

    @BeforeAll
    static void importProduct() {
        product = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.deliberate");
        // the import must have seen every module, or the rules below would pass on nothing
        for (String p : new String[] {"dev.deliberate.engine.model", "dev.deliberate.align.llm", "dev.deliberate.bench", "dev.deliberate.cli"})
            assertTrue(product.containPackage(p), "classes of " + p + " were not imported");
    }

    @Test
    void theEngineKnowsNothingOfAlignBenchOrCli() {
        noClasses().that().resideInAPackage("dev.deliberate.engine..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.deliberate.align..", "dev.deliberate.bench..", "dev.deliberate.cli..")
                .check(product);
    }

    @Test
    void cliDependsInwardOnly() {
        noClasses().that().resideInAnyPackage("dev.deliberate.engine..", "dev.deliberate.align..", "dev.deliberate.bench..")
                .should().dependOnClassesThat().resideInAPackage("dev.deliberate.cli..")
                .check(product);
        noClasses().that().resideInAnyPackage("dev.deliberate.engine..", "dev.deliberate.align..")
                .should().dependOnClassesThat().resideInAPackage("dev.deliberate.bench..")
                .check(product);
    }

    @Test
    void alignHasNoPackageCycles() {
        slices().matching("dev.deliberate.align.(**)").should().beFreeOfCycles().check(product);
    }

    @Test
    void engineHasNoPackageCycles() {
        slices().matching("dev.deliberate.engine.(**)").should().beFreeOfCycles().check(product);
    }
}
