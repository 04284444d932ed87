package io.lorafleet.router.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.Consumer;

/** An OpenAI-style client for the tests: whole answers and streams, read as text. */
public final class Client {
  public static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  /**
   * What came back: status, the pod that served it (router header), the text, whether a stream
   * ended with [DONE] and whether it carried an error event, and the body of a whole answer.
   */
  public record Result(
      int status, String pod, String text, boolean done, String streamError, String body) {
    public boolean ok() {
      return status == 200 && streamError == null && (done || body != null);
    }
  }

  private final URI base;
  private final String token;

  public Client(URI base, String token) {
    this.base = base;
    this.token = token;
  }

  public static ObjectNode completion(String model, String prompt, int maxTokens, boolean stream) {
    ObjectNode b =
        JSON.createObjectNode()
            .put("model", model)
            .put("prompt", prompt)
            .put("max_tokens", maxTokens)
            .put("temperature", 0);
    if (stream) {
      b.put("stream", true);
    }
    return b;
  }

  /** A greedy chat request with one user message. */
  public static ObjectNode chat(String model, String content, int maxTokens, boolean stream) {
    ObjectNode b =
        JSON.createObjectNode()
            .put("model", model)
            .put("max_tokens", maxTokens)
            .put("temperature", 0);
    b.putArray("messages").addObject().put("role", "user").put("content", content);
    if (stream) {
      b.put("stream", true);
    }
    return b;
  }

  public Result call(ObjectNode body) throws Exception {
    return call("/v1/completions", body, line -> {});
  }

  /** Sends {@code body}; {@code onEvent} sees each SSE data line as it arrives. */
  public Result call(String path, ObjectNode body, Consumer<String> onEvent) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(base.resolve(path))
            .timeout(Duration.ofSeconds(60))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    HttpResponse<InputStream> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
    String pod = r.headers().firstValue("X-Lorafleet-Pod").orElse(null);
    boolean streamed =
        r.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream");
    if (!streamed) {
      String whole = new String(r.body().readAllBytes(), StandardCharsets.UTF_8);
      String text = null;
      if (r.statusCode() == 200) {
        JsonNode choice = JSON.readTree(whole).path("choices").path(0);
        text = choice.path("text").asText(choice.path("message").path("content").asText());
      }
      return new Result(r.statusCode(), pod, text, false, null, whole);
    }
    StringBuilder text = new StringBuilder();
    boolean done = false;
    String error = null;
    try (BufferedReader in =
        new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
      for (String line; (line = in.readLine()) != null; ) {
        if (!line.startsWith("data: ")) {
          continue;
        }
        onEvent.accept(line);
        String data = line.substring(6);
        if (data.equals("[DONE]")) {
          done = true;
          continue;
        }
        JsonNode n = JSON.readTree(data);
        if (n.has("error")) {
          error = n.path("error").path("code").asText();
          continue;
        }
        JsonNode choice = n.path("choices").path(0);
        text.append(choice.path("text").asText(choice.path("delta").path("content").asText("")));
      }
    }
    return new Result(r.statusCode(), pod, text.toString(), done, error, null);
  }

  public JsonNode get(String path) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return JSON.readTree(HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString()).body());
  }

  public String getText(String path) throws Exception {
    return HTTP.send(
            HttpRequest.newBuilder(base.resolve(path)).build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }
}
