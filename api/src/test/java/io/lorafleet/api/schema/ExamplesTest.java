package io.lorafleet.api.schema;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.lorafleet.api.v1alpha1.CrdConstants;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every manifest under examples/ is what a newcomer applies first: it must parse into the Java
 * types with no unknown field, pass the committed CRD schema with every CEL rule, and survive a
 * YAML -> Java -> YAML round trip unchanged.
 */
class ExamplesTest {
  /** Rejects fields the types do not know, which the API server would silently prune. */
  private static final ObjectMapper STRICT =
      Serialization.jsonMapper().copy().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  /** 300 read as an int and written back from a Long are the same manifest. */
  private static final Comparator<JsonNode> NUMBERS_BY_VALUE =
      (a, b) ->
          a.isNumber() && b.isNumber()
              ? a.decimalValue().compareTo(b.decimalValue())
              : a.equals(b) ? 0 : 1;

  static Stream<Path> exampleFiles() throws IOException {
    try (Stream<Path> files = Files.walk(RepositoryFiles.examples())) {
      return files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList().stream();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("exampleFiles")
  void parsesValidatesAndRoundTrips(Path file) throws IOException {
    List<JsonNode> documents = Manifests.readAll(file);
    assertThat(documents).as("documents in %s", file).isNotEmpty();
    for (JsonNode document : documents) {
      String kind = document.path("kind").asText();
      if (document.path("apiVersion").asText().equals(CrdConstants.API_VERSION)) {
        Kinds lorafleetKind = Kinds.ofKind(kind);
        Object parsed = STRICT.treeToValue(document, lorafleetKind.type());
        assertThat(CrdSchema.of(lorafleetKind).validateCreate(document))
            .as("schema violations of %s %s", kind, file)
            .isEmpty();
        JsonNode roundTripped = STRICT.valueToTree(parsed);
        assertThat(roundTripped.equals(NUMBERS_BY_VALUE, document))
            .as("round trip of %s:%n%s%n%s", file, document, roundTripped)
            .isTrue();
      } else {
        assertThat(kind).as("only Secrets accompany the examples").isEqualTo("Secret");
        STRICT.treeToValue(document, Secret.class);
      }
    }
  }

  @Test
  void everyKindHasAnExampleAndTheWalkThroughIsComplete() throws IOException {
    Set<Kinds> top = EnumSet.noneOf(Kinds.class);
    Set<Kinds> walkthrough = EnumSet.noneOf(Kinds.class);
    for (Path file : exampleFiles().toList()) {
      for (JsonNode document : Manifests.readAll(file)) {
        if (document.path("apiVersion").asText().equals(CrdConstants.API_VERSION)) {
          Kinds kind = Kinds.ofKind(document.path("kind").asText());
          (file.getParent().getFileName().toString().equals("walkthrough") ? walkthrough : top)
              .add(kind);
        }
      }
    }
    assertThat(top).containsExactlyInAnyOrder(Kinds.values());
    assertThat(walkthrough).containsExactlyInAnyOrder(Kinds.values());
  }
}
