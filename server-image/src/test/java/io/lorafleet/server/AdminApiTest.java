package io.lorafleet.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.lorafleet.artifacts.hf.ModelConfig;
import io.lorafleet.artifacts.store.ArtifactStore;
import io.lorafleet.artifacts.store.S3Uri;
import io.lorafleet.engine.model.ModelLoader;
import io.lorafleet.engine.testmodels.TestAdapterGenerator;
import io.lorafleet.engine.testmodels.TestModelGenerator;
import io.lorafleet.engine.testmodels.TestModelSpec;
import io.lorafleet.server.testing.Fixture;
import io.lorafleet.server.testing.ServerTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The admin API as the operator's AdminClient speaks it, and refusals with typed reasons. */
@QuarkusTest
@WithTestResource(ServerTestResource.class)
class AdminApiTest {
  @TestHTTPResource("/")
  URI url;

  Fixture fixture;

  @BeforeEach
  void setUp() throws Exception {
    fixture = new Fixture(url);
    fixture.awaitReady();
  }

  @Test
  void adminCallsNeedTheBearerToken() throws Exception {
    var body = Fixture.JSON.createObjectNode().put("lora_name", "x").put("lora_path", "/nowhere");
    for (String token : new String[] {null, "wrong", ServerTestResource.TOKEN + "x"}) {
      HttpResponse<String> r = fixture.post("/v1/load_lora_adapter", body, token);
      assertThat(r.statusCode()).isEqualTo(401);
      assertThat(error(r).path("code").asText()).isEqualTo("Unauthorized");
      assertThat(r.body()).doesNotContain(ServerTestResource.TOKEN);
    }
    assertThat(fixture.get("/v1/adapters").statusCode()).isEqualTo(401);
  }

  @Test
  void loadIsIdempotentUpdatesNeedLoadInplaceAndUnloadReports404() throws Exception {
    String v1 = fixture.publishAdapter("life", 4, 101);
    String v2 = fixture.publishAdapter("life", 4, 102);
    assertThat(fixture.load("life", v1, false).statusCode()).isEqualTo(200);
    assertThat(digestOf("life")).isEqualTo("sha256:" + ArtifactStoreDigest.of(v1));
    // ?name= answers for that adapter alone (what the operator verifies a load with).
    JsonNode one = fixture.adapters("?name=life").path("data");
    assertThat(one).hasSize(1);
    assertThat(one.get(0).path("digest").asText())
        .isEqualTo("sha256:" + ArtifactStoreDigest.of(v1));
    assertThat(fixture.adapters("?name=nothing-here").path("data")).isEmpty();
    HttpResponse<String> again = fixture.load("life", v1, true);
    assertThat(again.statusCode()).isEqualTo(200);
    assertThat(Fixture.JSON.readTree(again.body()).path("status").asText())
        .isEqualTo("already_loaded");

    HttpResponse<String> clash = fixture.load("life", v2, false);
    assertThat(clash.statusCode()).isEqualTo(400);
    assertThat(error(clash).path("code").asText()).isEqualTo("AdapterNameInUse");
    assertThat(digestOf("life")).isEqualTo("sha256:" + ArtifactStoreDigest.of(v1));

    assertThat(fixture.load("life", v2, true).statusCode()).isEqualTo(200);
    assertThat(digestOf("life")).isEqualTo("sha256:" + ArtifactStoreDigest.of(v2));

    assertThat(fixture.unload("life").statusCode()).isEqualTo(200);
    assertThat(fixture.unload("life").statusCode()).isEqualTo(404);
    assertThat(
            fixture.post("/v1/completions", Fixture.completion("life", "hi", 2), null).statusCode())
        .isEqualTo(404);
  }

  @Test
  void badAdaptersAreRefusedWithTheirTypedReasonAndTheServerKeepsServing() throws Exception {
    // Wrong shapes: an adapter made for a model with another MLP width.
    Path other =
        TestModelGenerator.write(
            TestModelSpec.qwen2TiedBias(), fixture.root.resolve("other-model"));
    ModelConfig otherConfig = ModelLoader.config(other);
    Path wrongShape = Files.createDirectories(fixture.root.resolve("wrong-shape"));
    TestAdapterGenerator.write(
        TestAdapterGenerator.Spec.simple(4, 8, List.of("gate_proj"), 5), otherConfig, wrongShape);
    expectRefused("shapes", push("shapes", wrongShape), "ShapeMismatch");

    // Rank above the server's --max-rank (16).
    expectRefused("big", fixture.publishAdapter("big", 32, 6), "RankTooLarge");

    // A corrupt weights file in object storage: the manifest's sha256 catches it.
    String good = fixture.publishAdapter("corrupt", 4, 7);
    S3Uri version = S3Uri.parse(good);
    fixture.objects.putBytes(
        version.bucket(), version.prefix() + "adapter_model.safetensors", new byte[] {1, 2, 3, 4});
    expectRefused("corrupt", good, "DigestMismatch");

    // A corrupt local directory without a manifest: the safetensors header does not parse.
    Path broken = fixture.adapterDir("broken", 4, 8, Fixture.ALL_MODULES);
    Files.write(
        broken.resolve("adapter_model.safetensors"), new byte[] {9, 9, 9, 9, 9, 9, 9, 9, 9});
    expectRefused("broken", broken.toString(), "InvalidArtifact");

    // A path naming a digest its manifest does not have.
    String real = fixture.publishAdapter("renamed", 4, 9);
    Path local = fixture.root.resolve("pulled");
    fixture.store.pull(S3Uri.parse(real), local);
    Path lying = fixture.root.resolve("sha256-" + "0".repeat(64));
    Files.move(local, lying);
    expectRefused("renamed", lying.toString(), "DigestMismatch");

    // Nothing published there.
    expectRefused(
        "missing",
        "s3://lorafleet/test/adapters/missing/sha256-" + "1".repeat(64) + "/",
        "ArtifactNotFound");

    HttpResponse<String> served =
        fixture.post("/v1/completions", Fixture.completion("tiny-llama", "still here", 4), null);
    assertThat(served.statusCode()).isEqualTo(200);
    assertThat(fixture.adapters().path("data").findValuesAsText("name"))
        .doesNotContain("shapes", "big", "corrupt", "broken", "renamed", "missing");
  }

  @Test
  void invalidParametersAnswerInTheOpenAiErrorShape() throws Exception {
    var n2 = Fixture.completion("tiny-llama", "hi", 2).put("n", 2);
    HttpResponse<String> r = fixture.post("/v1/completions", n2, null);
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(error(r).path("param").asText()).isEqualTo("n");
    assertThat(error(r).path("type").asText()).isEqualTo("invalid_request_error");

    var hot = Fixture.completion("tiny-llama", "hi", 2).put("temperature", 5);
    assertThat(error(fixture.post("/v1/completions", hot, null)).path("param").asText())
        .isEqualTo("temperature");

    var chat = Fixture.JSON.createObjectNode().put("model", "tiny-llama").put("max_tokens", 2);
    chat.putArray("messages");
    assertThat(fixture.post("/v1/chat/completions", chat, null).statusCode()).isEqualTo(400);

    HttpResponse<String> unknown =
        fixture.post("/v1/completions", Fixture.completion("nope", "hi", 2), null);
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(error(unknown).path("code").asText()).isEqualTo("model_not_found");
    assertThat(error(unknown).has("message")).isTrue();
  }

  private void expectRefused(String name, String path, String code) throws Exception {
    HttpResponse<String> r = fixture.load(name, path, true);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
    assertThat(error(r).path("code").asText()).as(r.body()).isEqualTo(code);
    assertThat(error(r).path("message").asText()).isNotBlank();
  }

  private String push(String name, Path dir) throws Exception {
    return fixture
        .store
        .push(dir, S3Uri.parse("s3://lorafleet/test/adapters/" + name), Map.of())
        .uri()
        .toString();
  }

  private String digestOf(String name) throws Exception {
    for (JsonNode a : fixture.adapters().path("data")) {
      if (a.path("name").asText().equals(name)) {
        return a.path("digest").asText();
      }
    }
    return null;
  }

  private static JsonNode error(HttpResponse<String> r) throws Exception {
    return Fixture.JSON.readTree(r.body()).path("error");
  }

  /** The digest a version URI names. */
  static final class ArtifactStoreDigest {
    static String of(String uri) {
      String last = S3Uri.parse(uri).lastSegment();
      return last.substring(ArtifactStore.VERSION_PREFIX.length()).replace("/", "");
    }
  }
}
