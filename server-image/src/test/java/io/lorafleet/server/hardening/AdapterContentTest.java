package io.lorafleet.server.hardening;

import static org.assertj.core.api.Assertions.assertThat;

import io.lorafleet.server.testing.Fixture;
import io.lorafleet.server.testing.ServerTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What an adapter must be to be served: finite weights, a name that cannot forge log lines. */
@QuarkusTest
@WithTestResource(ServerTestResource.class)
class AdapterContentTest {
  @TestHTTPResource("/")
  URI url;

  Fixture f;

  @BeforeEach
  void ready() throws Exception {
    f = new Fixture(url);
    f.awaitReady();
  }

  @Test
  void anAdapterWithANanWeightIsRefused() throws Exception {
    Path dir = f.adapterDir("nan", 4, 5, Fixture.ALL_MODULES);
    try (FileChannel ch =
        FileChannel.open(
            dir.resolve("adapter_model.safetensors"),
            StandardOpenOption.READ,
            StandardOpenOption.WRITE)) {
      ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
      ch.read(len, 0);
      long dataStart = 8 + len.flip().getLong();
      // 0x7FC00000 little-endian: a NaN as F32; as BF16 the second half is a NaN.
      ch.write(ByteBuffer.wrap(new byte[] {0, 0, (byte) 0xC0, 0x7F}), dataStart);
    }
    HttpResponse<String> r = f.load("nan", dir.toString(), false);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
    assertThat(Fixture.JSON.readTree(r.body()).path("error").path("code").asText())
        .isEqualTo("NonFiniteWeights");
  }

  @Test
  void aNameWithAControlCharacterIsRefused() throws Exception {
    Path dir = f.adapterDir("newline", 4, 6, Fixture.ALL_MODULES);
    HttpResponse<String> r =
        f.load("evil\n2026-01-01T00:00:00Z level=ERROR forged", dir.toString(), false);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
    assertThat(Fixture.JSON.readTree(r.body()).path("error").path("code").asText())
        .isEqualTo("InvalidRequest");
  }
}
