package io.lorafleet.engine.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The layering of engine (model math shared by the server, the trainer, the CLI and the bench),
 * checked: the direction between modules is written in docs/architecture.md and CONTRIBUTING.md; a
 * class that breaks it fails this test.
 */
class LayeringTest {
  private static final JavaClasses MAIN =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("io.lorafleet.engine");

  @Test
  void engineImportsOnlyArtifacts() {
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
            "io.lorafleet.server..",
            "io.lorafleet.serving..",
            "io.lorafleet.testcluster..",
            "io.lorafleet.trainer..")
        .because(
            "the engine is below every application; backends (kernels) are found through the BackendProvider seam at run time, and the CRD types stay out (issue 20)")
        .check(MAIN);
  }

  @Test
  void engineUsesNoApplicationFrameworkOrKubernetes() {
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
        .because(
            "the engine runs in plain processes (trainer, CLI, bench) as well as in the server")
        .check(MAIN);
  }

  @Test
  void inferenceDoesNotDependOnTrainingMergingOrTestModels() {
    noClasses()
        .that()
        .resideInAnyPackage(
            "io.lorafleet.engine.backend..",
            "io.lorafleet.engine.model..",
            "io.lorafleet.engine.lora..",
            "io.lorafleet.engine.tokenizer..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "io.lorafleet.engine.train..",
            "io.lorafleet.engine.merge..",
            "io.lorafleet.engine.testmodels..")
        .because(
            "training and merging build on the serving model (issue 20): the server loads only the inference packages, and batch building lives once, in engine.model")
        .check(MAIN);
  }
}
