package io.lorafleet.api.schema;

import static org.assertj.core.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** docs/api.md is generated from crds/ and must not drift from it. */
class ApiReferenceTest {
  @Test
  void docsMatchTheCrds() throws Exception {
    String rendered = ApiReference.render();
    Path docs = RepositoryFiles.root().resolve("docs/api.md");
    if (RepositoryFiles.updateRequested()) {
      Files.createDirectories(docs.getParent());
      Files.writeString(docs, rendered);
    }
    String drift =
        Files.exists(docs) ? Diff.firstDifference(Files.readString(docs), rendered) : "missing";
    if (drift != null) {
      fail(
          "docs/api.md drifted from crds/: %s%nRegenerate: ./mvnw -pl api test"
              + " -Dtest=ApiReferenceTest -Dlorafleet.update=true",
          drift);
    }
  }
}
