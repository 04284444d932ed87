package io.lorafleet.operator.testing;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.Objects;

/**
 * Stands in for the Deployment controller and kubelet, which the mock API server does not run:
 * every Deployment becomes ready with all its replicas.
 */
public final class FakeDeploymentController implements AutoCloseable {
  private final SharedIndexInformer<Deployment> informer;

  public FakeDeploymentController(KubernetesClient client) {
    this.informer =
        client
            .apps()
            .deployments()
            .inAnyNamespace()
            .inform(
                new ResourceEventHandler<>() {
                  @Override
                  public void onAdd(Deployment deployment) {
                    makeReady(client, deployment);
                  }

                  @Override
                  public void onUpdate(Deployment before, Deployment after) {
                    makeReady(client, after);
                  }

                  @Override
                  public void onDelete(Deployment deployment, boolean unknown) {}
                });
  }

  private static void makeReady(KubernetesClient client, Deployment deployment) {
    Integer wanted = deployment.getSpec().getReplicas();
    if (deployment.getStatus() != null
        && Objects.equals(deployment.getStatus().getReadyReplicas(), wanted)) {
      return;
    }
    deployment.setStatus(
        new DeploymentStatusBuilder()
            .withReplicas(wanted)
            .withReadyReplicas(wanted)
            .withAvailableReplicas(wanted)
            .withObservedGeneration(deployment.getMetadata().getGeneration())
            .build());
    client.apps().deployments().resource(deployment).updateStatus();
  }

  @Override
  public void close() {
    informer.close();
  }
}
