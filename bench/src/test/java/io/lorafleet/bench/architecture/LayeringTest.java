package io.lorafleet.bench.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The layering of bench (the benchmarks), checked: the direction between modules is written in
 * docs/architecture.md and CONTRIBUTING.md; a class that breaks it fails this test.
 */
class LayeringTest {
  private static final JavaClasses MAIN =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("io.lorafleet.bench");

  @Test
  void benchImportsNoClusterSideModule() {
    noClasses()
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "io.lorafleet.api..",
            "io.lorafleet.operator..",
            "io.lorafleet.router..",
            "io.lorafleet.testcluster..",
            "io.lorafleet.trainer..",
            "io.lorafleet.cli..")
        .because("the benchmarks measure the engine and the server in-process")
        .check(MAIN);
  }

  @Test
  void benchUsesNoKubernetesClient() {
    noClasses()
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("io.fabric8..")
        .because("the benchmarks run without a cluster")
        .check(MAIN);
  }
}
