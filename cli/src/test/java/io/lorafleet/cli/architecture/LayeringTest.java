package io.lorafleet.cli.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The layering of cli (./lorafleet), checked: the direction between modules is written in
 * docs/architecture.md and CONTRIBUTING.md; a class that breaks it fails this test.
 */
class LayeringTest {
  private static final JavaClasses MAIN =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("io.lorafleet.cli");

  @Test
  void cliImportsNoOperatorRouterKernelsOrTestCode() {
    noClasses()
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "io.lorafleet.operator..",
            "io.lorafleet.router..",
            "io.lorafleet.kernels..",
            "io.lorafleet.testcluster..",
            "io.lorafleet.bench..")
        .because(
            "the CLI runs the engine, trainer and server code paths on a laptop; the cluster side is the operator's")
        .check(MAIN);
  }

  @Test
  void cliUsesNoKubernetesClient() {
    noClasses()
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("io.fabric8.kubernetes.client..")
        .because("the CLI works without a cluster")
        .check(MAIN);
  }
}
