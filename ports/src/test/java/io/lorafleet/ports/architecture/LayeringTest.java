package io.lorafleet.ports.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The layering of ports (loopback ports for child processes, used by tests, the CLI and the bench),
 * checked: the direction between modules is written in docs/architecture.md and CONTRIBUTING.md; a
 * class that breaks it fails this test.
 */
class LayeringTest {
  private static final JavaClasses MAIN =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("io.lorafleet.ports");

  @Test
  void portsDependsOnlyOnTheJdk() {
    classes()
        .should()
        .onlyDependOnClassesThat()
        .resideInAnyPackage("java..", "io.lorafleet.ports..")
        .because("any module, including testcluster and the CLI, uses it without new dependencies")
        .check(MAIN);
  }
}
