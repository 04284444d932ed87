package io.lorafleet.operator.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The operator's layering, checked: see CONTRIBUTING.md. */
class LayeringTest {
  private static final JavaClasses OPERATOR =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("io.lorafleet.operator");

  @Test
  void theOperatorNeverLinksTheEngineOrTheServer() {
    noClasses()
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "io.lorafleet.engine..",
            "io.lorafleet.kernels..",
            "io.lorafleet.server..",
            "io.lorafleet.trainer..",
            "io.lorafleet.cli..")
        .because("the operator reads artifacts and talks to pods over HTTP (architecture.md)")
        .check(OPERATOR);
  }

  @Test
  void desiredStateIsComputedWithoutTheKubernetesClient() {
    noClasses()
        .that()
        .haveSimpleNameEndingWith("Workload")
        .or()
        .haveSimpleNameEndingWith("Config")
        .and()
        .resideOutsideOfPackage("io.lorafleet.operator.config")
        .should()
        .dependOnClassesThat()
        .haveFullyQualifiedName("io.fabric8.kubernetes.client.KubernetesClient")
        .because("desired() is a pure function of the spec, unit-testable without a cluster")
        .check(OPERATOR);
  }
}
