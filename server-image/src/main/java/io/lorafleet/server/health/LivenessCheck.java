package io.lorafleet.server.health;

import io.lorafleet.server.model.ModelService;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

/** Alive unless the base model failed to load (a restart may help: fetch errors, OOM). */
@Liveness
@ApplicationScoped
public class LivenessCheck implements HealthCheck {
  private final ModelService models;

  LivenessCheck(ModelService models) {
    this.models = models;
  }

  @Override
  public HealthCheckResponse call() {
    boolean failed = models.future().isCompletedExceptionally();
    return HealthCheckResponse.named("lorafleet-server").status(!failed).build();
  }
}
