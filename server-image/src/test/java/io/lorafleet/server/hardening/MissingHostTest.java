package io.lorafleet.server.hardening;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.lorafleet.server.testing.Fixture;
import io.lorafleet.server.testing.ServerTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An HTTP/1.1 request without {@code Host} (which HTTP/1.1 requires) is a client error: 400 in the
 * OpenAI error shape, and nothing logged as a server error with an exception (Vert.x's refusal
 * reached Quarkus' error handler, which logged it at ERROR with the exception, and answered with
 * its own body). HTTP/1.0 needs no Host and is served.
 */
@QuarkusTest
@WithTestResource(ServerTestResource.class)
class MissingHostTest {
  @TestHTTPResource("/")
  URI url;

  @BeforeEach
  void ready() throws Exception {
    new Fixture(url).awaitReady();
  }

  @Test
  void anHttp11RequestWithoutHostIsACleanBadRequest() throws Exception {
    List<LogRecord> logged = new CopyOnWriteArrayList<>();
    Handler capture =
        new Handler() {
          @Override
          public void publish(LogRecord r) {
            logged.add(r);
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        };
    Logger root = Logger.getLogger("");
    root.addHandler(capture);
    try {
      for (String request :
          List.of(
              "GET /v1/models HTTP/1.1\r\n\r\n",
              "POST /v1/completions HTTP/1.1\r\nContent-Type: application/json\r\n"
                  + "Content-Length: 2\r\n\r\n{}",
              "GET /health/ready HTTP/1.1\r\nConnection: close\r\n\r\n")) {
        String response = exchange(request);
        assertThat(response).as(request).startsWith("HTTP/1.1 400");
        JsonNode error =
            Fixture.JSON.readTree(response.substring(response.indexOf("\r\n\r\n") + 4));
        assertThat(error.path("error").path("code").asText())
            .as(response)
            .isEqualTo("missing_host");
        assertThat(error.path("error").path("type").asText()).isEqualTo("invalid_request_error");
        assertThat(error.path("error").path("message").asText()).contains("Host");
      }
      assertThat(exchange("GET /v1/models HTTP/1.0\r\n\r\n")).startsWith("HTTP/1.0 200");
      Thread.sleep(200); // an error handler logs after the response is written
    } finally {
      root.removeHandler(capture);
    }
    assertThat(logged)
        .as("nothing logged at WARN or above with an exception")
        .noneMatch(
            r -> r.getLevel().intValue() >= Level.WARNING.intValue() && r.getThrown() != null)
        .noneMatch(r -> String.valueOf(r.getMessage()).contains("Host' header is required"));
  }

  /** Sends {@code request} on a fresh socket and reads until the server closes it. */
  private String exchange(String request) throws IOException {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", url.getPort()), 5000);
      s.setSoTimeout(5000);
      s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
      s.getOutputStream().flush();
      InputStream in = s.getInputStream();
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      byte[] buf = new byte[4096];
      try {
        for (int n; (n = in.read(buf)) >= 0; ) {
          out.write(buf, 0, n);
          String text = out.toString(StandardCharsets.UTF_8);
          int head = text.indexOf("\r\n\r\n");
          if (head >= 0 && complete(text, head)) {
            break;
          }
        }
      } catch (java.net.SocketTimeoutException e) {
        // whatever arrived is the answer
      }
      return out.toString(StandardCharsets.UTF_8);
    }
  }

  private static boolean complete(String text, int head) {
    for (String line : text.substring(0, head).split("\r\n")) {
      if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
        int length = Integer.parseInt(line.substring(15).trim());
        return text.getBytes(StandardCharsets.UTF_8).length >= head + 4 + length;
      }
    }
    return false;
  }
}
