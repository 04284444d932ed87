package io.lorafleet.operator.testing;

import io.lorafleet.operator.config.OperatorConfig;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** The operator's configuration defaults, for unit tests of the pure desired() functions. */
public final class TestOperatorConfig implements OperatorConfig {
  @Override
  public String serverImage() {
    return "ghcr.io/lorafleet/server:0.1.0";
  }

  @Override
  public String routerImage() {
    return "ghcr.io/lorafleet/router:0.1.0";
  }

  @Override
  public String vllmImage() {
    return "vllm/vllm-openai:v0.11.0";
  }

  @Override
  public String trainerImage() {
    return "ghcr.io/lorafleet/trainer:0.1.0";
  }

  @Override
  public int servingPort() {
    return 8000;
  }

  @Override
  public Optional<String> defaultS3Endpoint() {
    return Optional.empty();
  }

  @Override
  public Optional<java.util.List<String>> allowedS3Endpoints() {
    return Optional.empty();
  }

  @Override
  public String defaultS3Region() {
    return "us-east-1";
  }

  @Override
  public Duration sourceRecheckInterval() {
    return Duration.ofMinutes(10);
  }

  @Override
  public Duration checkpointCleanupTimeout() {
    return Duration.ofMinutes(10);
  }

  @Override
  public Duration adapterUnloadTimeout() {
    return Duration.ofMinutes(5);
  }

  @Override
  public boolean servingJsonLogs() {
    return false;
  }

  @Override
  public Optional<List<String>> adapterS3Roots() {
    return Optional.empty();
  }

  @Override
  public String leaseName() {
    return "lorafleet-operator";
  }
}
