package io.lorafleet.serving.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The layering of serving-http (the HTTP types both the server and the router import), checked: the
 * direction between modules is written in docs/architecture.md and CONTRIBUTING.md; a class that
 * breaks it fails this test.
 */
class LayeringTest {
  private static final JavaClasses MAIN =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("io.lorafleet.serving");

  @Test
  void servingHttpImportsNoOtherLorafleetModule() {
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
            "io.lorafleet.ports..",
            "io.lorafleet.router..",
            "io.lorafleet.server..",
            "io.lorafleet.testcluster..",
            "io.lorafleet.trainer..")
        .because("the server and the router both import it; it must not pull either in")
        .check(MAIN);
  }

  @Test
  void servingHttpUsesNoQuarkusOrKubernetes() {
    noClasses()
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("io.quarkus..", "io.fabric8..")
        .because(
            "shared wire types over Vert.x only, so the router does not inherit the server's stack")
        .check(MAIN);
  }
}
