package io.lorafleet.artifacts.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The layering of artifacts (formats and the object store: the bottom of the stack, used by every
 * other module), checked: the direction between modules is written in docs/architecture.md and
 * CONTRIBUTING.md; a class that breaks it fails this test.
 */
class LayeringTest {
  private static final JavaClasses MAIN =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("io.lorafleet.artifacts");

  @Test
  void artifactsImportsNoOtherLorafleetModule() {
    noClasses()
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "io.lorafleet.api..",
            "io.lorafleet.bench..",
            "io.lorafleet.cli..",
            "io.lorafleet.engine..",
            "io.lorafleet.kernels..",
            "io.lorafleet.operator..",
            "io.lorafleet.ports..",
            "io.lorafleet.router..",
            "io.lorafleet.server..",
            "io.lorafleet.serving..",
            "io.lorafleet.testcluster..",
            "io.lorafleet.trainer..")
        .because("every module reads artifacts; an import back would be a cycle")
        .check(MAIN);
  }

  @Test
  void artifactsUsesNoApplicationFrameworkOrKubernetes() {
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
        .because("artifacts runs in plain processes (trainer, CLI) as well as in the Quarkus ones")
        .check(MAIN);
  }
}
