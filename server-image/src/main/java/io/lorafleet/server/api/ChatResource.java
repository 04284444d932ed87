package io.lorafleet.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lorafleet.engine.model.SamplingParams;
import io.lorafleet.engine.tokenizer.ChatMessage;
import io.lorafleet.engine.tokenizer.ChatTemplateException;
import io.lorafleet.server.config.ServerConfig;
import io.lorafleet.server.http.HangUp;
import io.lorafleet.serving.pod.CanaryName;
import io.smallrye.common.annotation.Blocking;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** POST /v1/chat/completions: the model's chat template, then generation; whole or streamed. */
@Path("/v1/chat/completions")
@Consumes(MediaType.APPLICATION_JSON)
public class ChatResource {
  private final InferenceService inference;
  private final ServerConfig config;
  private final ObjectMapper json;
  private final WorkerAdmission admission;

  ChatResource(
      InferenceService inference,
      ServerConfig config,
      ObjectMapper json,
      WorkerAdmission admission) {
    this.admission = admission;
    this.inference = inference;
    this.config = config;
    this.json = json;
  }

  /** Non-streaming requests (no {@code stream} or false) return JSON. */
  @POST
  @Blocking
  @Produces({MediaType.APPLICATION_JSON, "text/event-stream"})
  public Response create(
      ChatCompletionRequest req,
      @HeaderParam("X-Lorafleet-Deadline-Ms") String deadline,
      @Context HttpServerRequest connection) {
    return admission.admit(ticket -> respond(req, deadline, connection, ticket));
  }

  private Response respond(
      ChatCompletionRequest req,
      String deadline,
      HttpServerRequest connection,
      WorkerAdmission.Ticket ticket) {
    if (req == null) {
      throw ApiException.invalid(null, "a JSON body is required");
    }
    SamplingOptions.onlyOne(req.n());
    if (Boolean.TRUE.equals(req.logprobs())) {
      throw ApiException.invalid("logprobs", "logprobs are not supported");
    }
    if (req.tools() != null && !req.tools().isNull() && !req.tools().isEmpty()) {
      throw ApiException.invalid("tools", "tools are not supported");
    }
    InferenceService.Target target = inference.resolve(req.model());
    if (target.base().chatTemplate() == null) {
      throw ApiException.invalid("messages", "the model has no chat template; use /v1/completions");
    }
    List<ChatMessage> messages = messages(req.messages());
    PromptLimits.checkText(
        target.base(), messages.stream().mapToLong(m -> m.content().length()).sum(), "messages");
    String rendered;
    try {
      rendered = target.base().chatTemplate().render(messages, true);
    } catch (ChatTemplateException e) {
      throw ApiException.invalid("messages", e.getMessage());
    }
    PromptLimits.checkText(target.base(), rendered.length(), "messages");
    int[] prompt = target.base().tokenizer().encode(rendered, false);
    PromptLimits.checkTokens(target.base(), prompt.length, "messages");
    boolean completionTokens = req.maxCompletionTokens() != null;
    SamplingParams params =
        SamplingOptions.of(
            req.temperature(),
            req.topP(),
            req.topK(),
            req.seed(),
            completionTokens ? req.maxCompletionTokens() : req.maxTokens(),
            completionTokens ? "max_completion_tokens" : "max_tokens",
            config.defaultMaxTokens(),
            target.base().eosTokens());
    List<String> stops = StopStrings.parse(req.stop());
    long due = InferenceService.deadline(deadline);
    String id = "chatcmpl-" + UUID.randomUUID().toString().replace("-", "");
    long created = System.currentTimeMillis() / 1000;
    // a canary version answers under its served name: clients never see the suffix (issue 19)
    String model = CanaryName.servedName(target.name());
    if (Boolean.TRUE.equals(req.stream())) {
      boolean usage =
          req.streamOptions() != null && Boolean.TRUE.equals(req.streamOptions().includeUsage());
      return Outputs.stream(
          l -> inference.submit(target, prompt, params, stops, due, l),
          new Outputs.ChunkFormat() {
            @Override
            public Object first() {
              return chunk(new ChatCompletionChunk.Delta("assistant", ""), null, null);
            }

            @Override
            public Object text(String delta) {
              return chunk(new ChatCompletionChunk.Delta(null, delta), null, null);
            }

            @Override
            public Object finish(String reason) {
              return chunk(new ChatCompletionChunk.Delta(null, null), reason, null);
            }

            @Override
            public Object usage(Usage u) {
              return new ChatCompletionChunk(
                  id, "chat.completion.chunk", created, model, List.of(), u, null);
            }

            private ChatCompletionChunk chunk(
                ChatCompletionChunk.Delta delta, String reason, Usage u) {
              return new ChatCompletionChunk(
                  id,
                  "chat.completion.chunk",
                  created,
                  model,
                  List.of(new ChatCompletionChunk.Choice(0, delta, null, reason)),
                  u,
                  null);
            }
          },
          usage,
          json,
          seq -> HangUp.cancelOnClose(connection, seq),
          ticket);
    }
    Outputs.Whole w =
        Outputs.whole(
            l -> inference.submit(target, prompt, params, stops, due, l),
            seq -> HangUp.cancelOnClose(connection, seq));
    return Response.ok(
            new ChatCompletionResponse(
                id,
                "chat.completion",
                created,
                model,
                List.of(
                    new ChatCompletionResponse.Choice(
                        0,
                        new ChatCompletionResponse.Message("assistant", w.text(), null),
                        null,
                        w.finishReason())),
                w.usage(),
                null))
        .type(MediaType.APPLICATION_JSON)
        .build();
  }

  private static List<ChatMessage> messages(List<ChatCompletionRequest.Message> in) {
    if (in == null || in.isEmpty()) {
      throw ApiException.invalid("messages", "messages must not be empty");
    }
    List<ChatMessage> out = new ArrayList<>();
    for (ChatCompletionRequest.Message m : in) {
      if (m == null || m.role() == null) {
        throw ApiException.invalid("messages", "every message needs a role");
      }
      out.add(new ChatMessage(m.role(), text(m.content())));
    }
    return out;
  }

  private static String text(JsonNode content) {
    if (content == null || content.isNull()) {
      return "";
    }
    if (content.isTextual()) {
      return content.textValue();
    }
    if (content.isArray()) {
      StringBuilder b = new StringBuilder();
      for (JsonNode part : content) {
        if (!"text".equals(part.path("type").asText())) {
          throw ApiException.invalid("messages", "only text content parts are supported");
        }
        b.append(part.path("text").asText());
      }
      return b.toString();
    }
    throw ApiException.invalid("messages", "content must be a string or a list of text parts");
  }
}
