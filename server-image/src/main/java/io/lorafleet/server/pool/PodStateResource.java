package io.lorafleet.server.pool;

import io.lorafleet.server.api.ApiException;
import io.lorafleet.server.config.ServerConfig;
import io.lorafleet.server.config.TokenFile;
import io.lorafleet.serving.pod.PodState;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.concurrent.CompletionStage;

/**
 * {@code GET /v1/pod/state}: this pod's state for a router. Without {@code since} it answers at
 * once; with {@code since=<version>} it waits until the version moves, at most {@code wait} seconds
 * (default 10, at most 30), then answers the state either way. It is guarded like the inference API
 * ({@code --inference-token-file}, open without one): a router holds that token already, and the
 * state tells no more than {@code /v1/models} does (adapter names and digests), so a router needs
 * no admin token, which could load and unload adapters. The admin token is accepted too: the
 * operator follows the pods' state with the token it holds anyway, and never reads the pool's
 * inference token.
 */
@Path("/v1/pod/state")
public class PodStateResource {
  static final int MAX_WAIT_SECONDS = 30;

  private final PodStateTracker tracker;
  private final TokenFile token;
  private final TokenFile adminToken;

  PodStateResource(PodStateTracker tracker, ServerConfig config) {
    this.tracker = tracker;
    this.token = new TokenFile("--inference-token-file", config.inferenceTokenFile());
    this.adminToken = new TokenFile("--admin-token-file", config.adminTokenFile());
  }

  @GET
  @Produces(MediaType.APPLICATION_JSON)
  public CompletionStage<PodState> state(
      @HeaderParam("Authorization") String authorization,
      @QueryParam("since") Long since,
      @QueryParam("wait") Double waitSeconds) {
    if (token.configured()
        && !token.accepts(authorization)
        && !(adminToken.configured() && adminToken.accepts(authorization))) {
      throw new ApiException(
          401,
          "invalid_request_error",
          "invalid_api_key",
          null,
          "Incorrect or missing API key: send Authorization: Bearer <token>",
          0);
    }
    double wait = waitSeconds == null ? 10 : waitSeconds;
    if (wait < 0 || wait > MAX_WAIT_SECONDS || Double.isNaN(wait)) {
      throw ApiException.invalid("wait", "wait must be between 0 and 30 seconds");
    }
    if (since == null) {
      return java.util.concurrent.CompletableFuture.completedFuture(tracker.current());
    }
    return tracker.after(since, Math.round(wait * 1000));
  }
}
