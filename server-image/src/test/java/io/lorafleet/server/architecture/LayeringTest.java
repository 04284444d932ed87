package io.lorafleet.server.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The layering of server-image (the multi-LoRA server), checked: the direction between modules is
 * written in docs/architecture.md and CONTRIBUTING.md; a class that breaks it fails this test.
 */
class LayeringTest {
  private static final JavaClasses MAIN =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("io.lorafleet.server");

  @Test
  void serverImportsOnlyTheEngineArtifactsAndServingHttp() {
    noClasses()
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "io.lorafleet.api..",
            "io.lorafleet.bench..",
            "io.lorafleet.cli..",
            "io.lorafleet.kernels..",
            "io.lorafleet.operator..",
            "io.lorafleet.ports..",
            "io.lorafleet.router..",
            "io.lorafleet.testcluster..",
            "io.lorafleet.trainer..")
        .because(
            "the server reaches backends through the engine seam (kernels at run time only) and knows nothing of the operator, router or CRDs")
        .check(MAIN);
  }

  @Test
  void serverUsesNoKubernetesClient() {
    noClasses()
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("io.fabric8..")
        .because("a serving pod is driven over its admin API; it never talks to the API server")
        .check(MAIN);
  }

  @Test
  void theServersCoreDoesNotDependOnItsHttpEdge() {
    noClasses()
        .that()
        .resideInAnyPackage(
            "io.lorafleet.server.scheduling..",
            "io.lorafleet.server.residency..",
            "io.lorafleet.server.model..",
            "io.lorafleet.server.state..",
            "io.lorafleet.server.probe..",
            "io.lorafleet.server.metrics..",
            "io.lorafleet.server.config..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "jakarta.ws..", "io.lorafleet.server.api..", "io.lorafleet.server.http..")
        .because("the HTTP resources call the scheduler and the residency, never the reverse")
        .check(MAIN);
  }

  @Test
  void theServerNeitherTrainsNorUsesTestModels() {
    noClasses()
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("io.lorafleet.engine.train..", "io.lorafleet.engine.testmodels..")
        .because("a serving pod serves; training runs in the trainer image")
        .check(MAIN);
  }
}
