package io.lorafleet.router.health;

import io.lorafleet.router.pool.Pod;
import io.lorafleet.router.pool.Pool;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready while at least one pod of the pool answers and is ready. */
@Readiness
@ApplicationScoped
public class PoolReadiness implements HealthCheck {
  private final Pool pool;

  PoolReadiness(Pool pool) {
    this.pool = pool;
  }

  @Override
  public HealthCheckResponse call() {
    long routable = pool.pods().stream().filter(Pod::routable).count();
    return HealthCheckResponse.named("pool")
        .status(routable > 0)
        .withData("routablePods", routable)
        .withData("knownPods", pool.pods().size())
        .build();
  }
}
