package io.lorafleet.server.admin;

import io.lorafleet.server.api.ApiException;
import io.lorafleet.server.residency.AdapterLoadException;
import io.lorafleet.server.residency.AdapterRegistry;
import io.lorafleet.server.residency.AdapterVersion;
import io.lorafleet.serving.admin.AdapterList;
import io.lorafleet.serving.admin.AdapterNameRequest;
import io.lorafleet.serving.admin.LoadAdapterRequest;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import java.util.Map;

/**
 * The adapter admin API (vLLM-compatible load/unload, plus GET /v1/adapters), bearer-token
 * protected. Refusals are 400 with {@code {"error": {"code": "<Reason>", "message"}}}.
 */
@Path("/v1")
@Produces(MediaType.APPLICATION_JSON)
public class AdminResource {
  private final AdminAuth auth;
  private final AdapterService adapters;
  private final AdapterRegistry registry;

  AdminResource(AdminAuth auth, AdapterService adapters, AdapterRegistry registry) {
    this.auth = auth;
    this.adapters = adapters;
    this.registry = registry;
  }

  @POST
  @Path("/load_lora_adapter")
  @Consumes(MediaType.APPLICATION_JSON)
  public Map<String, Object> load(
      LoadAdapterRequest req, @HeaderParam("Authorization") String authorization) {
    auth.check(authorization);
    if (req == null) {
      throw refusal("InvalidRequest", "a JSON body is required", 400);
    }
    try {
      AdapterService.LoadResult r =
          adapters.load(
              req.loraName(),
              req.loraPath(),
              Boolean.TRUE.equals(req.loadInplace()),
              Boolean.TRUE.equals(req.pinned()));
      return Map.of(
          "status",
          r.alreadyLoaded() ? "already_loaded" : "loaded",
          "lora_name",
          r.version().name(),
          "digest",
          "sha256:" + r.version().digest(),
          "probe",
          AdapterRows.probe(r.version().probe()));
    } catch (AdapterLoadException e) {
      throw refusal(e.code(), e.getMessage(), e.status());
    }
  }

  @POST
  @Path("/unload_lora_adapter")
  @Consumes(MediaType.APPLICATION_JSON)
  public Map<String, Object> unload(
      AdapterNameRequest req, @HeaderParam("Authorization") String authorization) {
    auth.check(authorization);
    if (req == null || req.loraName() == null) {
      throw refusal("InvalidRequest", "lora_name is required", 400);
    }
    AdapterVersion old = adapters.unload(req.loraName());
    if (old == null) {
      throw refusal("AdapterNotFound", "adapter " + req.loraName() + " is not loaded", 404);
    }
    return Map.of(
        "status", "unloaded", "lora_name", old.name(), "digest", "sha256:" + old.digest());
  }

  /**
   * Every registered adapter, or with {@code ?name=} only that one (an empty list when it is not
   * registered): a caller verifying one load must not pay for a listing of thousands.
   */
  @GET
  @Path("/adapters")
  public AdapterList list(
      @HeaderParam("Authorization") String authorization, @QueryParam("name") String name) {
    auth.check(authorization);
    if (name != null) {
      AdapterVersion version = registry.get(name);
      return new AdapterList(version == null ? List.of() : List.of(AdapterRows.of(version)));
    }
    return new AdapterList(registry.all().stream().map(AdapterRows::of).toList());
  }

  private static ApiException refusal(String code, String message, int status) {
    String type = status >= 500 ? "server_error" : "invalid_request_error";
    return new ApiException(status, type, code, null, message, status == 503 ? 5 : 0);
  }
}
