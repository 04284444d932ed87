package io.lorafleet.testcluster.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The layering of testcluster (a real control plane for tests), checked: the direction between
 * modules is written in docs/architecture.md and CONTRIBUTING.md; a class that breaks it fails this
 * test.
 */
class LayeringTest {
  private static final JavaClasses MAIN =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("io.lorafleet.testcluster");

  @Test
  void testclusterImportsOnlyPorts() {
    noClasses()
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "io.lorafleet.api..",
            "io.lorafleet.artifacts..",
            "io.lorafleet.bench..",
            "io.lorafleet.cli..",
            "io.lorafleet.engine..",
            "io.lorafleet.kernels..",
            "io.lorafleet.operator..",
            "io.lorafleet.router..",
            "io.lorafleet.server..",
            "io.lorafleet.serving..",
            "io.lorafleet.trainer..")
        .because("any module's tests use it; an import of the code under test would be a cycle")
        .check(MAIN);
  }
}
