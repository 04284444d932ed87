package io.lorafleet.server.hardening;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lorafleet.server.residency.ArtifactResolver;
import io.lorafleet.server.testing.Fixture;
import io.lorafleet.server.testing.ServerTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What an admin load may read and how loads of one name interleave: one load at a time per name;
 * local paths only under the configured adapter roots (the test root here), no symlink out of the
 * adapter directory, a directory without manifest only when small, a NUL a clean 400; object-store
 * paths only under the configured adapter S3 roots, without dot segments or encoded characters.
 */
@QuarkusTest
@WithTestResource(ServerTestResource.class)
class AdapterLoadSafetyTest {
  @TestHTTPResource("/")
  URI url;

  Fixture f;

  @BeforeEach
  void ready() throws Exception {
    f = new Fixture(url);
    f.awaitReady();
  }

  @Test
  void concurrentLoadsOfOneNameLoadOneVersion() throws Exception {
    List<Path> dirs = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      dirs.add(f.adapterDir("race", 8, 100 + i, Fixture.ALL_MODULES));
    }
    List<CompletableFuture<HttpResponse<String>>> loads = new ArrayList<>();
    ExecutorService pool = Executors.newFixedThreadPool(dirs.size()); // all four at once
    for (Path d : dirs) {
      loads.add(
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return f.load("race", d.toString(), false);
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              },
              pool));
    }
    pool.shutdown();
    int loaded = 0;
    for (var l : loads) {
      HttpResponse<String> r = l.join();
      if (r.statusCode() == 200) {
        loaded++;
      } else {
        assertThat(code(r)).as(r.body()).isEqualTo("AdapterNameInUse");
      }
    }
    assertThat(loaded).isEqualTo(1);
    f.unload("race");
  }

  @Test
  void aNulInThePathIsACleanRefusal() throws Exception {
    HttpResponse<String> r = f.load("nul", f.root + "/a\u0000b", false);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
    assertThat(code(r)).isEqualTo("InvalidRequest");
    assertThat(r.body()).doesNotContain("Exception");
  }

  @Test
  void aLocalPathOutsideTheAdapterRootsIsRefused() throws Exception {
    HttpResponse<String> r = f.load("outside", "/etc", false);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
    assertThat(code(r)).as(r.body()).isEqualTo("PathNotAllowed");
  }

  @Test
  void aSymlinkOutOfTheAdapterDirectoryIsRefused() throws Exception {
    Path dir = f.adapterDir("linked", 8, 7, Fixture.ALL_MODULES);
    Path outside = Files.createTempFile("outside-root", ".safetensors");
    Path weights = dir.resolve("adapter_model.safetensors");
    Files.copy(weights, outside, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    Files.delete(weights);
    Files.createSymbolicLink(weights, outside);
    HttpResponse<String> r = f.load("linked", dir.toString(), false);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
    assertThat(code(r)).as(r.body()).isEqualTo("PathNotAllowed");
  }

  @Test
  void aLargeDirectoryWithoutManifestIsRefusedBeforeHashing() throws Exception {
    Path dir = f.adapterDir("crowded", 8, 9, Fixture.ALL_MODULES);
    for (int i = 0; i < 300; i++) {
      Files.writeString(dir.resolve("junk-" + i + ".txt"), "x");
    }
    HttpResponse<String> r = f.load("crowded", dir.toString(), false);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
    assertThat(code(r)).as(r.body()).isEqualTo("InvalidArtifact");
    assertThat(r.body()).contains("manifest");
  }

  @Test
  void anObjectStorePathOutsideTheAdapterS3RootIsRefusedBeforeAnyFetch() throws Exception {
    // The test server's root is s3://lorafleet/test/adapters; the base model's published version
    // lies in the same bucket, readable with the pod's credentials, but outside that prefix.
    String model = ConfigProvider.getConfig().getValue("lorafleet.server.model", String.class);
    String digest = ArtifactResolver.namedDigest(model).orElseThrow();
    String zeros = "0".repeat(64);
    Map<String, String> refused = new LinkedHashMap<>();
    refused.put(model, "PathNotAllowed");
    refused.put("s3://other-bucket/test/adapters/x/sha256-" + zeros + "/", "PathNotAllowed");
    refused.put("s3://lorafleet/test/adapters-other/x/sha256-" + zeros + "/", "PathNotAllowed");
    refused.put(
        "s3://lorafleet/test/adapters/../models/tiny-llama/sha256-" + digest + "/",
        "InvalidRequest");
    refused.put(
        "s3://lorafleet/test/adapters/%2e%2e/models/tiny-llama/sha256-" + digest + "/",
        "InvalidRequest");
    refused.put("s3://lorafleet/test/adapters/./x/sha256-" + zeros + "/", "InvalidRequest");
    refused.put("s3://lorafleet/test/adapters//x/sha256-" + zeros + "/", "InvalidRequest");
    refused.put("s3://lorafleet/test/adapters/x\\..\\y/sha256-" + zeros + "/", "InvalidRequest");
    refused.put(
        "s3://lorafleet/test/adapters/x/sha256-" + zeros + "/?versionId=1", "InvalidRequest");
    refused.put("s3://lorafleet/test/adapters/x/sha256-" + zeros + "/\n", "InvalidRequest");
    for (var e : refused.entrySet()) {
      HttpResponse<String> r = f.load("s3-outside", e.getKey(), false);
      assertThat(r.statusCode()).as(e.getKey() + ": " + r.body()).isEqualTo(400);
      assertThat(code(r)).as(e.getKey() + ": " + r.body()).isEqualTo(e.getValue());
      var error = Fixture.JSON.readTree(r.body()).path("error");
      assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
      assertThat(error.path("message").asText()).isNotBlank();
    }
    // Refused before any fetch: the model's version was never copied into the adapter cache.
    Path cache =
        Path.of(ConfigProvider.getConfig().getValue("lorafleet.server.cache-dir", String.class));
    assertThat(cache.resolve("adapters").resolve("sha256-" + digest)).doesNotExist();
    // Inside the root a published version loads.
    String inside = f.publishAdapter("s3-inside", 4, 77);
    HttpResponse<String> ok = f.load("s3-inside", inside, false);
    assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
    // A path outside naming the loaded digest is refused too, not answered already_loaded.
    String loaded = ArtifactResolver.namedDigest(inside).orElseThrow();
    HttpResponse<String> same =
        f.load("s3-inside", "s3://lorafleet/test/elsewhere/sha256-" + loaded + "/", false);
    assertThat(same.statusCode()).as(same.body()).isEqualTo(400);
    assertThat(code(same)).as(same.body()).isEqualTo("PathNotAllowed");
    f.unload("s3-inside");
  }

  private static String code(HttpResponse<String> r) throws Exception {
    ObjectNode body = (ObjectNode) Fixture.JSON.readTree(r.body());
    return body.path("error").path("code").asText();
  }
}
