package io.lorafleet.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lorafleet.engine.model.SamplingParams;
import io.lorafleet.server.config.ServerConfig;
import io.lorafleet.server.http.HangUp;
import io.lorafleet.serving.pod.CanaryName;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.UUID;

/** POST /v1/completions: raw prompt (text or token ids), whole or streamed. */
@Path("/v1/completions")
@Consumes(MediaType.APPLICATION_JSON)
public class CompletionsResource {
  private final InferenceService inference;
  private final ServerConfig config;
  private final ObjectMapper json;
  private final WorkerAdmission admission;

  CompletionsResource(
      InferenceService inference,
      ServerConfig config,
      ObjectMapper json,
      WorkerAdmission admission) {
    this.admission = admission;
    this.inference = inference;
    this.config = config;
    this.json = json;
  }

  @POST
  @Produces({MediaType.APPLICATION_JSON, "text/event-stream"})
  public Response create(
      CompletionRequest req,
      @HeaderParam("X-Lorafleet-Deadline-Ms") String deadline,
      @Context HttpServerRequest connection) {
    return admission.admit(ticket -> respond(req, deadline, connection, ticket));
  }

  private Response respond(
      CompletionRequest req,
      String deadline,
      HttpServerRequest connection,
      WorkerAdmission.Ticket ticket) {
    if (req == null) {
      throw ApiException.invalid(null, "a JSON body is required");
    }
    SamplingOptions.onlyOne(req.n());
    if (req.bestOf() != null && req.bestOf() != 1) {
      throw ApiException.invalid("best_of", "only best_of=1 is supported");
    }
    if (req.logprobs() != null && !req.logprobs().isNull()) {
      throw ApiException.invalid("logprobs", "logprobs are not supported");
    }
    if (Boolean.TRUE.equals(req.echo())) {
      throw ApiException.invalid("echo", "echo is not supported");
    }
    InferenceService.Target target = inference.resolve(req.model());
    int[] prompt = prompt(req.prompt(), target);
    SamplingParams params =
        SamplingOptions.of(
            req.temperature(),
            req.topP(),
            req.topK(),
            req.seed(),
            req.maxTokens(),
            "max_tokens",
            config.defaultMaxTokens(),
            target.base().eosTokens());
    List<String> stops = StopStrings.parse(req.stop());
    long due = InferenceService.deadline(deadline);
    String id = "cmpl-" + UUID.randomUUID().toString().replace("-", "");
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
              return chunk("", null);
            }

            @Override
            public Object text(String delta) {
              return chunk(delta, null);
            }

            @Override
            public Object finish(String reason) {
              return chunk("", reason);
            }

            @Override
            public Object usage(Usage u) {
              return new CompletionResponse(
                  id, "text_completion", created, model, List.of(), u, null);
            }

            private CompletionResponse chunk(String text, String reason) {
              return new CompletionResponse(
                  id,
                  "text_completion",
                  created,
                  model,
                  List.of(new CompletionResponse.Choice(text, 0, null, reason)),
                  null,
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
            new CompletionResponse(
                id,
                "text_completion",
                created,
                model,
                List.of(new CompletionResponse.Choice(w.text(), 0, null, w.finishReason())),
                w.usage(),
                null))
        .type(MediaType.APPLICATION_JSON)
        .build();
  }

  /** A string, a one-element list of strings, or a list of token ids. */
  private static int[] prompt(JsonNode p, InferenceService.Target target) {
    if (p == null || p.isNull()) {
      throw ApiException.invalid("prompt", "prompt is required");
    }
    if (p.isArray() && p.size() == 1 && p.get(0).isTextual()) {
      p = p.get(0);
    }
    if (p.isTextual()) {
      PromptLimits.checkText(target.base(), p.textValue().length(), "prompt");
      int[] ids = target.base().tokenizer().encode(p.textValue(), true);
      PromptLimits.checkTokens(target.base(), ids.length, "prompt");
      return ids;
    }
    if (p.isArray() && !p.isEmpty() && p.get(0).isIntegralNumber()) {
      PromptLimits.checkTokens(target.base(), p.size(), "prompt");
      int[] ids = new int[p.size()];
      for (int i = 0; i < ids.length; i++) {
        JsonNode id = p.get(i);
        if (!id.isIntegralNumber()) {
          throw ApiException.invalid("prompt", "a token prompt holds integers only");
        }
        if (!id.canConvertToInt()) { // intValue() would wrap 2^32 + 1 to 1
          throw ApiException.invalid(
              "prompt", "token id " + id.asText() + " is outside the vocabulary");
        }
        ids[i] = id.intValue();
      }
      return ids;
    }
    throw ApiException.invalid(
        "prompt", "prompt must be a string, one string in a list, or a list of token ids (n=1)");
  }
}
