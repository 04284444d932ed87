package io.lorafleet.operator.loraadapter;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.lorafleet.api.v1alpha1.basemodel.BaseModel;
import io.lorafleet.api.v1alpha1.loraadapter.OnlineAnalysisSpec;
import io.lorafleet.api.v1alpha1.loraadapter.RolloutStatus;
import io.lorafleet.operator.basemodel.RouterResources;
import io.lorafleet.operator.loraadapter.rollout.AnalysisVerdict;
import io.lorafleet.operator.loraadapter.rollout.OnlineAnalysis;
import io.lorafleet.operator.loraadapter.rollout.RouterRollouts;
import io.lorafleet.operator.serving.ServingPod;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.URI;
import java.util.Map;
import java.util.Optional;

/**
 * The online analysis of a pool's canary step: the ready router pods of the pool (the router
 * Deployment's labels, their http port), their counts of the step's window merged, the verdict.
 */
@ApplicationScoped
public class PoolAnalysis {
  private final KubernetesClient client;
  private final RouterRollouts routers = new RouterRollouts();

  public PoolAnalysis(KubernetesClient client) {
    this.client = client;
  }

  /** The routers' merged counts of this step's window, judged against the spec's thresholds. */
  AnalysisVerdict analyze(
      BaseModel base, String servedName, RolloutStatus rollout, OnlineAnalysisSpec spec) {
    Map<String, URI> endpoints = new java.util.TreeMap<>();
    client
        .pods()
        .inNamespace(base.getMetadata().getNamespace())
        .withLabels(RouterResources.selector(base))
        .list()
        .getItems()
        .stream()
        .map(ServingPod::of)
        .flatMap(Optional::stream)
        .forEach(pod -> endpoints.put(pod.name(), pod.endpoint()));
    if (endpoints.isEmpty()) {
      return AnalysisVerdict.waiting(
          "online analysis waits for a ready router pod of the pool", rollout.checks());
    }
    RouterRollouts.Reading reading;
    try {
      reading = routers.read(endpoints, servedName, rollout.canaryDigest(), rollout.step());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return AnalysisVerdict.waiting("interrupted", rollout.checks());
    }
    if (!reading.unanswered().isEmpty()) {
      // Judging on part of the traffic could pass a canary that fails elsewhere: wait.
      return AnalysisVerdict.waiting(
          "online analysis waits for router pods: " + String.join(", ", reading.unanswered()),
          rollout.checks());
    }
    return OnlineAnalysis.judge(spec, reading.traffic());
  }
}
