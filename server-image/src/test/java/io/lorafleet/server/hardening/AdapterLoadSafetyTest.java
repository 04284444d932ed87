package io.lorafleet.server.hardening;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
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
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What an admin load may read and how loads of one name interleave: one load at a time per name;
 * local paths only under the configured adapter roots (the test root here), no symlink out of the
 * adapter directory, a directory without manifest only when small, a NUL a clean 400.
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

  private static String code(HttpResponse<String> r) throws Exception {
    ObjectNode body = (ObjectNode) Fixture.JSON.readTree(r.body());
    return body.path("error").path("code").asText();
  }
}
