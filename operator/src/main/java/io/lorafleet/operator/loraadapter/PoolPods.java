package io.lorafleet.operator.loraadapter;

import io.fabric8.kubernetes.api.model.Pod;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.lorafleet.api.v1alpha1.basemodel.BaseModel;
import io.lorafleet.api.v1alpha1.basemodel.ServingRuntime;
import io.lorafleet.api.v1alpha1.loraadapter.LoraAdapter;
import io.lorafleet.operator.basemodel.AdminTokens;
import io.lorafleet.operator.basemodel.BaseModelResources;
import io.lorafleet.operator.basemodel.ServingPodOwners;
import io.lorafleet.operator.serving.ServingPod;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A pool's serving pods as the LoraAdapter controller sees them (the reconciler's pod informer,
 * bound when its event sources are prepared), and the admin token to address them with.
 */
@ApplicationScoped
public class PoolPods {
  private final ServingPodOwners owners;
  private final AdminTokens adminTokens;
  private volatile InformerEventSource<Pod, LoraAdapter> pods;

  public PoolPods(ServingPodOwners owners, AdminTokens adminTokens) {
    this.owners = owners;
    this.adminTokens = adminTokens;
  }

  void bind(InformerEventSource<Pod, LoraAdapter> informer) {
    this.pods = informer;
  }

  /** Every serving pod of the pool that exists, ready or not. */
  Set<String> existingUids(BaseModel base) {
    return of(base)
        .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
        .map(p -> p.getMetadata().getUid())
        .collect(Collectors.toSet());
  }

  List<ServingPod> ready(BaseModel base) {
    return of(base)
        .map(ServingPod::of)
        .flatMap(Optional::stream)
        .sorted(Comparator.comparing(ServingPod::name))
        .toList();
  }

  /**
   * The pool's pods: the label narrows the informer's cache, the owner chain decides (review T6: a
   * pod with the labels that the pool's Deployment did not make gets no token and no loads).
   */
  private Stream<Pod> of(BaseModel base) {
    String name = base.getMetadata().getName();
    return pods.list(
            base.getMetadata().getNamespace(),
            p -> name.equals(p.getMetadata().getLabels().get(BaseModelResources.BASE_MODEL)))
        .filter(p -> owners.isServingPodOf(p, base));
  }

  /** vLLM pools run without an admin token; the builtin server requires one. */
  String token(BaseModel base) {
    return base.getSpec().serving().runtime() == ServingRuntime.VLLM
        ? null
        : adminTokens.read(base);
  }

  /** The Secret changed: the next call reads the new token. */
  void forgetToken(BaseModel base) {
    adminTokens.forget(base);
  }
}
