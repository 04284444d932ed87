package io.lorafleet.router.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The layering of router (the adapter-aware router in front of a pool), checked: the direction
 * between modules is written in docs/architecture.md and CONTRIBUTING.md; a class that breaks it
 * fails this test.
 */
class LayeringTest {
  private static final JavaClasses MAIN =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("io.lorafleet.router");

  @Test
  void routerImportsOnlyServingHttpAndTheApiTypes() {
    noClasses()
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "io.lorafleet.artifacts..",
            "io.lorafleet.bench..",
            "io.lorafleet.cli..",
            "io.lorafleet.engine..",
            "io.lorafleet.kernels..",
            "io.lorafleet.operator..",
            "io.lorafleet.ports..",
            "io.lorafleet.server..",
            "io.lorafleet.testcluster..",
            "io.lorafleet.trainer..")
        .because(
            "the router talks to pods over HTTP with the serving-http types and reads LoraAdapters with the api types; it links no engine, server or operator code")
        .check(MAIN);
  }
}
