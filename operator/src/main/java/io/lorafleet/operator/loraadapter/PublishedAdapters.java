package io.lorafleet.operator.loraadapter;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.lorafleet.api.v1alpha1.common.AdapterOutput;
import io.lorafleet.api.v1alpha1.common.ArtifactSource;
import io.lorafleet.api.v1alpha1.common.LocalReference;
import io.lorafleet.api.v1alpha1.common.Placement;
import io.lorafleet.api.v1alpha1.common.SecretReference;
import io.lorafleet.api.v1alpha1.jobs.RunResult;
import io.lorafleet.api.v1alpha1.loraadapter.LoraAdapter;
import io.lorafleet.api.v1alpha1.loraadapter.LoraAdapterSpec;
import io.lorafleet.operator.basemodel.BaseModelResources;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.HashMap;
import java.util.Map;

/**
 * Creates or updates the LoraAdapter that serves an adapter the operator produced (a training run
 * or a merge), pinned to the produced digest; an existing adapter keeps its served name,
 * validation, rollout strategy (a Canary adapter rolls the new version out as a canary) and
 * deletion setting. It is not owned by the producer: the adapter is the product and outlives the
 * run that made it.
 */
@ApplicationScoped
public class PublishedAdapters {
  private final KubernetesClient client;

  public PublishedAdapters(KubernetesClient client) {
    this.client = client;
  }

  /** What was produced and where it should be served. */
  public record Produced(
      String namespace,
      String adapterName,
      String baseModel,
      String versionUri,
      String digest,
      SecretReference credentials,
      Placement placement,
      Map<String, String> producerLabels) {}

  /**
   * Serves the adapter a training run or a merge produced when its {@code spec.output} asks for it
   * ({@code deploy} set); nothing otherwise. The producer's labels mark the LoraAdapter it creates.
   */
  public void publishOutput(
      String namespace,
      AdapterOutput output,
      String baseModel,
      RunResult.Adapter produced,
      Map<String, String> producerLabels) {
    if (output.deploy() == null) {
      return;
    }
    publish(
        new Produced(
            namespace,
            output.adapterName(),
            baseModel,
            produced.uri(),
            produced.digest(),
            output.credentialsSecretRef(),
            output.deploy(),
            producerLabels));
  }

  public void publish(Produced produced) {
    LoraAdapterSpec spec =
        new LoraAdapterSpec(
            new LocalReference(produced.baseModel()),
            new ArtifactSource(produced.versionUri(), produced.credentials(), produced.digest()),
            produced.placement(),
            null,
            false);
    var adapters = client.resources(LoraAdapter.class).inNamespace(produced.namespace());
    LoraAdapter existing = adapters.withName(produced.adapterName()).get();
    if (existing == null) {
      Map<String, String> labels = new HashMap<>(produced.producerLabels());
      labels.put(BaseModelResources.MANAGED_BY, BaseModelResources.OPERATOR);
      LoraAdapter adapter = new LoraAdapter();
      adapter.setMetadata(
          new ObjectMetaBuilder()
              .withName(produced.adapterName())
              .withNamespace(produced.namespace())
              .withLabels(labels)
              .build());
      adapter.setSpec(spec);
      adapters.resource(adapter).create();
    } else {
      // The new version is the producer's; how it is served (name, validation, a canary rollout,
      // deletion) stays the adapter owner's choice.
      LoraAdapterSpec kept = existing.getSpec();
      spec =
          new LoraAdapterSpec(
              spec.baseModelRef(),
              spec.artifact(),
              spec.placement(),
              kept.servedName(),
              kept.deleteArtifactOnRemoval(),
              kept.validation(),
              kept.rollout());
      if (spec.equals(kept)) {
        return;
      }
      existing.setSpec(spec);
      Map<String, String> labels = new HashMap<>();
      if (existing.getMetadata().getLabels() != null) {
        labels.putAll(existing.getMetadata().getLabels());
      }
      labels.putAll(produced.producerLabels());
      existing.getMetadata().setLabels(labels);
      adapters.resource(existing).update();
    }
  }
}
