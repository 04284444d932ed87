package io.lorafleet.router.hardening;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.lorafleet.router.testing.Client;
import io.lorafleet.router.testing.LogCapture;
import io.lorafleet.router.testing.RawHttp;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.logging.Level;
import org.junit.jupiter.api.Test;

/**
 * Malformed requests get a specific 4xx in the OpenAI error shape and leave no stack trace in the
 * log: no Host (HTTP/1.1), a body that is not JSON, no or a non-string {@code model}, a body over
 * the limit. (The router here has no pods: validation comes first.)
 */
@QuarkusTest
class RequestShapeTest {
  @TestHTTPResource("/")
  URI url;

  private JsonNode error(String response) throws Exception {
    return Client.JSON.readTree(RawHttp.body(response)).path("error");
  }

  private String post(String body) throws Exception {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    return RawHttp.exchange(
        url.getPort(),
        "POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            + "Content-Length: "
            + b.length
            + "\r\n\r\n"
            + body);
  }

  @Test
  void anHttp11RequestWithoutHostIsACleanBadRequest() throws Exception {
    try (LogCapture log = new LogCapture()) {
      for (String request :
          List.of(
              "GET /v1/models HTTP/1.1\r\n\r\n",
              "POST /v1/completions HTTP/1.1\r\nContent-Type: application/json\r\n"
                  + "Content-Length: 2\r\n\r\n{}",
              "GET /health/ready HTTP/1.1\r\n\r\n")) {
        String response = RawHttp.exchange(url.getPort(), request);
        assertThat(response).as(request).startsWith("HTTP/1.1 400");
        JsonNode error = error(response);
        assertThat(error.path("code").asText()).as(response).isEqualTo("missing_host");
        assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
      }
      assertThat(RawHttp.exchange(url.getPort(), "GET /v1/models HTTP/1.0\r\n\r\n"))
          .startsWith("HTTP/1.0 200");
      Thread.sleep(200); // an error handler logs after the response is written
      assertThat(log.records)
          .noneMatch(r -> r.getLevel().intValue() >= Level.WARNING.intValue())
          .noneMatch(r -> r.getThrown() != null);
    }
  }

  @Test
  void invalidBodiesAreOpenAiErrors() throws Exception {
    for (String body : List.of("{not json", "[1]", "{}", "{\"model\":7}", "{\"model\":\" \"}")) {
      String response = post(body);
      assertThat(response).as(body).startsWith("HTTP/1.1 400");
      JsonNode error = error(response);
      assertThat(error.path("type").asText()).as(body).isEqualTo("invalid_request_error");
      assertThat(error.path("code").asText()).as(body).isEqualTo("invalid_parameter");
      assertThat(error.path("message").asText()).as(body).isNotBlank();
    }
  }

  @Test
  void anOversizeBodyIsA413OpenAiError() throws Exception {
    // announced over the 16 MiB limit: refused before the body is read
    String announced =
        RawHttp.exchange(
            url.getPort(),
            "POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Content-Length: 16777217\r\n\r\n{");
    assertThat(announced).startsWith("HTTP/1.1 413");
    assertThat(error(announced).path("code").asText()).isEqualTo("request_too_large");
    // chunked, no length announced: refused once the limit is passed
    StringBuilder chunked =
        new StringBuilder(
            "POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n");
    String chunk = "x".repeat(1 << 20);
    for (int i = 0; i < 17; i++) {
      chunked
          .append(Integer.toHexString(chunk.length()))
          .append("\r\n")
          .append(chunk)
          .append("\r\n");
    }
    chunked.append("0\r\n\r\n");
    String streamed = RawHttp.exchange(url.getPort(), chunked.toString());
    assertThat(streamed).startsWith("HTTP/1.1 413");
    assertThat(error(streamed).path("code").asText()).isEqualTo("request_too_large");
  }
}
