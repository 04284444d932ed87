package io.lorafleet.api.schema;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.crdv2.generator.CRDGenerator;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Generates the CRD YAML of every kind from the Java types, as committed under crds/. */
public final class CrdRenderer {
  static final String HEADER =
      "# Generated from the Java types in api/ by CrdDriftTest; do not edit.\n"
          + "# Regenerate: ./mvnw -pl api test -Dtest=CrdDriftTest -Dlorafleet.update=true\n";

  private CrdRenderer() {}

  /** File name under crds/ to content. */
  public static Map<String, String> render() {
    try {
      Path out = Files.createTempDirectory("crds");
      new CRDGenerator()
          .inOutputDir(out.toFile())
          .forCRDVersions("v1")
          .customResourceClasses(Kinds.types().toArray(Class[]::new))
          .generate();
      Map<String, String> files = new LinkedHashMap<>();
      for (Kinds kind : Kinds.values()) {
        Path generated = out.resolve(kind.crdName() + "-v1.yml");
        CustomResourceDefinition crd =
            Serialization.unmarshal(Files.readString(generated), CustomResourceDefinition.class);
        orderColumnsAsDeclared(crd, kind);
        conditionsAsListMap(crd);
        files.put(kind.fileName(), HEADER + Serialization.asYaml(crd));
      }
      return files;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * status.conditions is a list keyed by type (as metav1.Condition lists are upstream); the
   * generator has no annotation for list types.
   */
  private static void conditionsAsListMap(CustomResourceDefinition crd) {
    for (var version : crd.getSpec().getVersions()) {
      var status = version.getSchema().getOpenAPIV3Schema().getProperties().get("status");
      var conditions = status == null ? null : status.getProperties().get("conditions");
      if (conditions != null) {
        conditions.setXKubernetesListType("map");
        conditions.setXKubernetesListMapKeys(List.of("type"));
      }
    }
  }

  /**
   * The generator sorts printer columns by JSONPath; kubectl shows them in list order, and an
   * on-call reader wants Ready or Phase first and Age last, as declared on the class.
   */
  private static void orderColumnsAsDeclared(CustomResourceDefinition crd, Kinds kind) {
    List<String> declared =
        Arrays.stream(kind.type().getAnnotationsByType(AdditionalPrinterColumn.class))
            .map(AdditionalPrinterColumn::name)
            .toList();
    for (var version : crd.getSpec().getVersions()) {
      List<CustomResourceColumnDefinition> columns =
          version.getAdditionalPrinterColumns().stream()
              .sorted(Comparator.comparingInt(c -> declared.indexOf(c.getName())))
              .toList();
      version.setAdditionalPrinterColumns(columns);
    }
  }
}
