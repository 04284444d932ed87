package io.lorafleet.trainer.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The layering of trainer-image (the trainer and merge runner), checked: the direction between
 * modules is written in docs/architecture.md and CONTRIBUTING.md; a class that breaks it fails this
 * test.
 */
class LayeringTest {
  private static final JavaClasses MAIN =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("io.lorafleet.trainer");

  @Test
  void trainerImportsOnlyApiArtifactsAndTheEngine() {
    noClasses()
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "io.lorafleet.bench..",
            "io.lorafleet.cli..",
            "io.lorafleet.kernels..",
            "io.lorafleet.operator..",
            "io.lorafleet.ports..",
            "io.lorafleet.router..",
            "io.lorafleet.server..",
            "io.lorafleet.serving..",
            "io.lorafleet.testcluster..")
        .because(
            "the trainer reads the pod contracts (api jobs) and runs the engine; kernels are found at run time through the engine seam")
        .check(MAIN);
  }

  @Test
  void trainerUsesNoApplicationFrameworkOrKubernetesClient() {
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
            "io.fabric8.kubernetes.client..")
        .because("the trainer is a plain process in a Job pod; it never talks to the API server")
        .check(MAIN);
  }
}
