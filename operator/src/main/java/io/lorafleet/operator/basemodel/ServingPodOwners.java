package io.lorafleet.operator.basemodel;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.lorafleet.api.v1alpha1.basemodel.BaseModel;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Whether a pod is one of a BaseModel's serving pods: its controller is a ReplicaSet whose
 * controller is the Deployment {@code serving-<name>}, which the BaseModel owns (review T6). Labels
 * alone are not enough: any pod in the namespace can carry them, and a serving pod is sent the
 * pool's admin token and the adapters' loads.
 *
 * <p>The ReplicaSet and Deployment are read by name (a GET each, no list or watch); a verified link
 * is remembered by UID, which the API server never reuses, so a steady pool costs no requests. A
 * failed check is asked again next time (the ReplicaSet may not have been written yet).
 */
@ApplicationScoped
public class ServingPodOwners {
  private static final int MAX_REMEMBERED = 10_000;
  private final KubernetesClient client;

  /** Verified controller links: ReplicaSet UID to Deployment UID, Deployment UID to owner UID. */
  private final Map<String, String> replicaSetOwner = new ConcurrentHashMap<>();

  private final Map<String, String> deploymentOwner = new ConcurrentHashMap<>();

  public ServingPodOwners(KubernetesClient client) {
    this.client = client;
  }

  /** Whether {@code pod} was made by {@code base}'s serving Deployment. */
  public boolean isServingPodOf(Pod pod, BaseModel base) {
    String namespace = base.getMetadata().getNamespace();
    if (!namespace.equals(pod.getMetadata().getNamespace())) {
      return false;
    }
    Optional<OwnerReference> replicaSet = controller(pod, "apps/v1", "ReplicaSet");
    if (replicaSet.isEmpty()) {
      return false;
    }
    String deploymentUid = replicaSetOwner.get(replicaSet.get().getUid());
    if (deploymentUid == null) {
      deploymentUid = verifyReplicaSet(namespace, replicaSet.get(), base).orElse(null);
      if (deploymentUid == null) {
        return false;
      }
    }
    String ownerUid = deploymentOwner.get(deploymentUid);
    if (ownerUid == null) {
      ownerUid = verifyDeployment(namespace, deploymentUid, base).orElse(null);
    }
    return base.getMetadata().getUid().equals(ownerUid);
  }

  /** The Deployment UID the ReplicaSet's controller reference names, if it is the pool's. */
  private Optional<String> verifyReplicaSet(
      String namespace, OwnerReference reference, BaseModel base) {
    ReplicaSet replicaSet =
        client.apps().replicaSets().inNamespace(namespace).withName(reference.getName()).get();
    if (replicaSet == null || !reference.getUid().equals(replicaSet.getMetadata().getUid())) {
      return Optional.empty();
    }
    Optional<OwnerReference> deployment = controller(replicaSet, "apps/v1", "Deployment");
    if (deployment.isEmpty()
        || !BaseModelResources.servingName(base).equals(deployment.get().getName())) {
      return Optional.empty();
    }
    remember(replicaSetOwner, replicaSet.getMetadata().getUid(), deployment.get().getUid());
    return Optional.of(deployment.get().getUid());
  }

  /** The UID of the BaseModel that owns the pool's Deployment, if it has that UID. */
  private Optional<String> verifyDeployment(
      String namespace, String deploymentUid, BaseModel base) {
    Deployment deployment =
        client
            .apps()
            .deployments()
            .inNamespace(namespace)
            .withName(BaseModelResources.servingName(base))
            .get();
    if (deployment == null || !deploymentUid.equals(deployment.getMetadata().getUid())) {
      return Optional.empty();
    }
    Optional<String> owner =
        deployment.getMetadata().getOwnerReferences().stream()
            .filter(
                r ->
                    "BaseModel".equals(r.getKind())
                        && base.getApiVersion().equals(r.getApiVersion()))
            .map(OwnerReference::getUid)
            .findFirst();
    owner.ifPresent(uid -> remember(deploymentOwner, deploymentUid, uid));
    return owner;
  }

  private static Optional<OwnerReference> controller(
      HasMetadata object, String apiVersion, String kind) {
    return object.getMetadata().getOwnerReferences().stream()
        .filter(r -> Boolean.TRUE.equals(r.getController()))
        .filter(r -> apiVersion.equals(r.getApiVersion()) && kind.equals(r.getKind()))
        .findFirst();
  }

  private static void remember(Map<String, String> links, String from, String to) {
    if (links.size() >= MAX_REMEMBERED) {
      links.clear(); // bounded; forgotten links are verified again
    }
    links.put(from, to);
  }
}
