package io.lorafleet.server.health;

import io.lorafleet.server.config.ServerConfig;
import io.lorafleet.server.model.ModelService;
import io.lorafleet.server.residency.AdapterRegistry;
import io.lorafleet.server.residency.AdapterVersion;
import io.lorafleet.server.scheduling.EngineService;
import io.lorafleet.server.scheduling.Scheduler;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready when the base model is loaded, the engine runs, the start-up adapters were processed, every
 * required adapter is resident (its current version is in the device or host tier, so a request for
 * it needs no disk or object-store read), and the server is not draining.
 */
@Readiness
@ApplicationScoped
public class ReadinessCheck implements HealthCheck {
  private final ModelService models;
  private final EngineService engine;
  private final AdapterRegistry registry;
  private final ServerConfig config;

  ReadinessCheck(
      ModelService models, EngineService engine, AdapterRegistry registry, ServerConfig config) {
    this.models = models;
    this.engine = engine;
    this.registry = registry;
    this.config = config;
  }

  @Override
  public HealthCheckResponse call() {
    Scheduler s = engine.scheduler();
    List<String> missing =
        config.requiredAdapters().orElse(List.of()).stream()
            .filter(a -> !resident(registry.get(a)))
            .toList();
    boolean up =
        models.current() != null
            && s != null
            && !s.draining()
            && engine.startupAdaptersLoaded()
            && missing.isEmpty();
    return HealthCheckResponse.named("lorafleet-server")
        .status(up)
        .withData("baseModelLoaded", models.current() != null)
        .withData("draining", s != null && s.draining())
        .withData("adapters", registry.size())
        .withData("missingRequiredAdapters", String.join(",", missing))
        .build();
  }

  private static boolean resident(AdapterVersion v) {
    return v != null && !v.tier().equals("disk");
  }
}
