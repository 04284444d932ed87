package io.lorafleet.server.pool;

import io.lorafleet.server.admin.AdminAuth;
import io.lorafleet.server.api.ApiException;
import io.lorafleet.server.api.InferenceAuth;
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
  private final InferenceAuth inference;
  private final AdminAuth admin;

  PodStateResource(PodStateTracker tracker, InferenceAuth inference, AdminAuth admin) {
    this.tracker = tracker;
    this.inference = inference;
    this.admin = admin;
  }

  @GET
  @Produces(MediaType.APPLICATION_JSON)
  public CompletionStage<PodState> state(
      @HeaderParam("Authorization") String authorization,
      @QueryParam("since") Long since,
      @QueryParam("wait") Double waitSeconds) {
    if (!inference.admits(authorization) && !admin.accepts(authorization)) {
      throw InferenceAuth.refusal();
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
