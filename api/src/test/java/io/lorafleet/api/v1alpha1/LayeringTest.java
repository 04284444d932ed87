package io.lorafleet.api.v1alpha1;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.core.domain.properties.HasName.Predicates.name;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The API module is types only: no operator, engine, server or storage code, no clients. */
class LayeringTest {
  private static final JavaClasses API =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("io.lorafleet.api");

  @Test
  void apiImportsNoOtherLorafleetModule() {
    noClasses()
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "io.lorafleet.operator..",
            "io.lorafleet.engine..",
            "io.lorafleet.server..",
            "io.lorafleet.trainer..",
            "io.lorafleet.artifacts..",
            "io.lorafleet.cli..")
        .check(API);
  }

  @Test
  void apiDependsOnlyOnTheJdkJacksonAndTheFabric8Model() {
    classes()
        .should()
        .onlyDependOnClassesThat(
            resideInAnyPackage(
                    "java.lang..",
                    "java.util..",
                    "java.time..",
                    "io.lorafleet.api..",
                    "com.fasterxml.jackson.annotation..",
                    "io.fabric8.kubernetes.api.model..",
                    "io.fabric8.kubernetes.model.annotation..",
                    "io.fabric8.generator.annotation..",
                    "io.fabric8.crd.generator.annotation..")
                // The base class of every custom resource; nothing else of the client.
                .or(name("io.fabric8.kubernetes.client.CustomResource")))
        .because("api holds CRD types only; clients, I/O and logic live in other modules")
        .check(API);
  }
}
