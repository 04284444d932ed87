package io.lorafleet.api.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The committed crds/*.yaml are exactly what the Java types generate. */
class CrdDriftTest {

  @Test
  void committedCrdsMatchTheJavaTypes() throws IOException {
    Map<String, String> generated = CrdRenderer.render();
    Path dir = RepositoryFiles.crds();
    if (RepositoryFiles.updateRequested()) {
      for (var file : generated.entrySet()) {
        Files.writeString(dir.resolve(file.getKey()), file.getValue());
        // The Helm chart installs the same files from its own crds/ folder.
        Files.writeString(RepositoryFiles.chartCrds().resolve(file.getKey()), file.getValue());
      }
    }
    for (var file : generated.entrySet()) {
      Path committed = dir.resolve(file.getKey());
      if (!Files.exists(committed)) {
        fail("crds/%s is missing; regenerate it (see its header)", file.getKey());
      }
      String drift = Diff.firstDifference(Files.readString(committed), file.getValue());
      if (drift != null) {
        fail(
            "crds/%s drifted from the Java types:%n%s%nRegenerate: ./mvnw -pl api test"
                + " -Dtest=CrdDriftTest -Dlorafleet.update=true",
            file.getKey(), drift);
      }
    }
    try (var files = Files.list(dir)) {
      List<String> committed = files.map(p -> p.getFileName().toString()).sorted().toList();
      assertThat(committed)
          .as("files in crds/")
          .containsExactlyInAnyOrderElementsOf(generated.keySet());
    }
  }
}
