package io.lorafleet.kernels.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The layering of kernels (the CUDA kernels, their host build and the device backend behind the
 * engine seam), checked: the direction between modules is written in docs/architecture.md and
 * CONTRIBUTING.md; a class that breaks it fails this test.
 */
class LayeringTest {
  private static final JavaClasses MAIN =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("io.lorafleet.kernels");

  @Test
  void kernelsImportOnlyTheEngineAndArtifacts() {
    noClasses()
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "io.lorafleet.api..",
            "io.lorafleet.bench..",
            "io.lorafleet.cli..",
            "io.lorafleet.operator..",
            "io.lorafleet.ports..",
            "io.lorafleet.router..",
            "io.lorafleet.server..",
            "io.lorafleet.serving..",
            "io.lorafleet.testcluster..",
            "io.lorafleet.trainer..")
        .because(
            "a backend implements the engine seam; applications reach it only through the engine")
        .check(MAIN);
  }

  @Test
  void kernelsUseNoApplicationFrameworkOrKubernetes() {
    noClasses()
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "io.quarkus..",
            "io.vertx..",
            "jakarta.enterprise..",
            "jakarta.inject..",
            "jakarta.ws..",
            "org.jboss..",
            "io.smallrye..",
            "io.fabric8..")
        .because("backends run inside any engine process")
        .check(MAIN);
  }
}
