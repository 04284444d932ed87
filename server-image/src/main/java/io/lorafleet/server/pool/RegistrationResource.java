package io.lorafleet.server.pool;

import io.lorafleet.server.admin.AdapterService;
import io.lorafleet.server.admin.AdminAuth;
import io.lorafleet.server.api.ApiException;
import io.lorafleet.server.residency.AdapterLoadException;
import io.lorafleet.server.residency.AdapterVersion;
import io.lorafleet.serving.admin.AdapterNameRequest;
import io.lorafleet.serving.admin.RegisterAdapterRequest;
import io.lorafleet.serving.admin.RegisteredAdapters;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.Map;

/**
 * Admin API for registered adapters (admin bearer token): register a name with its version URI and
 * digest (no weights are read), unregister it, list registrations. A registered adapter is loaded
 * on its first request ({@link LazyLoads}).
 */
@Path("/v1")
@Produces(MediaType.APPLICATION_JSON)
public class RegistrationResource {
  private final AdminAuth auth;
  private final Registrations registrations;
  private final AdapterService adapters;

  RegistrationResource(AdminAuth auth, Registrations registrations, AdapterService adapters) {
    this.auth = auth;
    this.registrations = registrations;
    this.adapters = adapters;
  }

  @POST
  @Path("/register_lora_adapter")
  @Consumes(MediaType.APPLICATION_JSON)
  public Map<String, Object> register(
      RegisterAdapterRequest req, @HeaderParam("Authorization") String authorization) {
    auth.check(authorization);
    if (req == null) {
      throw refusal("InvalidRequest", "a JSON body is required", 400);
    }
    try {
      Registration r = registrations.register(req.loraName(), req.loraPath(), req.digest());
      return Map.of(
          "status", "registered", "lora_name", r.name(), "digest", "sha256:" + r.digest());
    } catch (AdapterLoadException e) {
      throw refusal(e.code(), e.getMessage(), e.status());
    }
  }

  /** Forgets the registration and unloads the adapter if it is loaded. */
  @POST
  @Path("/unregister_lora_adapter")
  @Consumes(MediaType.APPLICATION_JSON)
  public Map<String, Object> unregister(
      AdapterNameRequest req, @HeaderParam("Authorization") String authorization) {
    auth.check(authorization);
    if (req == null || req.loraName() == null) {
      throw refusal("InvalidRequest", "lora_name is required", 400);
    }
    Registration r = registrations.unregister(req.loraName());
    AdapterVersion unloaded = adapters.unload(req.loraName());
    if (r == null && unloaded == null) {
      throw refusal(
          "AdapterNotFound", "adapter " + req.loraName() + " is not registered or loaded", 404);
    }
    return Map.of("status", "unregistered", "lora_name", req.loraName());
  }

  @GET
  @Path("/registered_adapters")
  public RegisteredAdapters list(@HeaderParam("Authorization") String authorization) {
    auth.check(authorization);
    return new RegisteredAdapters(
        registrations.all().stream()
            .map(r -> new RegisteredAdapters.Registered(r.name(), r.path(), "sha256:" + r.digest()))
            .toList());
  }

  private static ApiException refusal(String code, String message, int status) {
    return new ApiException(
        status, status >= 500 ? "server_error" : "invalid_request_error", code, null, message, 0);
  }
}
