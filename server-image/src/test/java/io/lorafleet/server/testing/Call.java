package io.lorafleet.server.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

/**
 * One greedy request as a client sends it: a plain completion, or a streamed chat completion whose
 * chunks are put back together. An HTTP error status is reported as such; a stream that started
 * with 200 and then carried an error, or ended without {@code [DONE]}, is reported as {@link
 * #STREAM_ERROR} or {@link #STREAM_INCOMPLETE}, never as the HTTP status of the error inside it.
 */
public record Call(String model, String prompt, boolean streamChat, int maxTokens) {
  /** Status of a 200 stream that carried an error event. */
  public static final int STREAM_ERROR = 598;

  /** Status of a 200 stream that ended without {@code data: [DONE]}. */
  public static final int STREAM_INCOMPLETE = 599;

  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  /**
   * What came back: HTTP status (or {@link #STREAM_ERROR}, {@link #STREAM_INCOMPLETE}), text,
   * finish reason and usage (or the error body).
   */
  public record Result(int status, String text, String finishReason, int completionTokens) {}

  public Result run(Fixture f) throws Exception {
    ObjectNode body;
    if (streamChat) {
      body = Fixture.JSON.createObjectNode().put("model", model).put("max_tokens", maxTokens);
      body.put("temperature", 0).put("stream", true);
      body.putArray("messages").addObject().put("role", "user").put("content", prompt);
      body.putObject("stream_options").put("include_usage", true);
    } else {
      body = Fixture.completion(model, prompt, maxTokens);
    }
    HttpRequest request =
        HttpRequest.newBuilder(
                f.base.resolve(streamChat ? "/v1/chat/completions" : "/v1/completions"))
            .timeout(Duration.ofSeconds(120))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
            .build();
    if (!streamChat) {
      HttpResponse<String> r = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        return new Result(r.statusCode(), r.body(), null, 0);
      }
      JsonNode j = Fixture.JSON.readTree(r.body());
      JsonNode choice = j.path("choices").get(0);
      return new Result(
          200,
          choice.path("text").asText(),
          choice.path("finish_reason").asText(),
          j.path("usage").path("completion_tokens").asInt());
    }
    HttpResponse<java.util.stream.Stream<String>> r =
        HTTP.send(request, HttpResponse.BodyHandlers.ofLines());
    if (r.statusCode() != 200) {
      return new Result(r.statusCode(), String.join("\n", r.body().toList()), null, 0);
    }
    StringBuilder text = new StringBuilder();
    String finish = null;
    int tokens = -1;
    boolean done = false;
    List<String> lines = r.body().toList();
    for (String line : lines) {
      if (!line.startsWith("data: ")) {
        continue;
      }
      String data = line.substring(6);
      if (data.equals("[DONE]")) {
        done = true;
        continue;
      }
      JsonNode chunk = Fixture.JSON.readTree(data);
      if (chunk.has("error")) {
        return new Result(STREAM_ERROR, data, null, 0);
      }
      if (chunk.path("usage").isObject()) {
        tokens = chunk.path("usage").path("completion_tokens").asInt();
      }
      for (JsonNode c : chunk.path("choices")) {
        text.append(c.path("delta").path("content").asText(""));
        if (c.hasNonNull("finish_reason")) {
          finish = c.path("finish_reason").asText();
        }
      }
    }
    if (!done) {
      return new Result(STREAM_INCOMPLETE, "stream ended without [DONE]: " + lines, null, 0);
    }
    return new Result(200, text.toString(), finish, tokens);
  }
}
