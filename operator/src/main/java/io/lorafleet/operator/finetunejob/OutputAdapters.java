package io.lorafleet.operator.finetunejob;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.lorafleet.api.v1alpha1.common.ArtifactSource;
import io.lorafleet.api.v1alpha1.common.LocalReference;
import io.lorafleet.api.v1alpha1.common.Placement;
import io.lorafleet.api.v1alpha1.finetunejob.FineTuneJob;
import io.lorafleet.api.v1alpha1.loraadapter.LoraAdapter;
import io.lorafleet.api.v1alpha1.loraadapter.LoraAdapterSpec;
import io.lorafleet.operator.basemodel.BaseModelResources;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;

/**
 * Creates or updates the LoraAdapter that serves a finished run's adapter. It is not owned by the
 * FineTuneJob: the adapter is the product and outlives the run that made it.
 */
@ApplicationScoped
public class OutputAdapters {
  private final KubernetesClient client;

  public OutputAdapters(KubernetesClient client) {
    this.client = client;
  }

  public void publish(FineTuneJob job, String versionUri, String digest, Placement placement) {
    var output = job.getSpec().output();
    LoraAdapterSpec spec =
        new LoraAdapterSpec(
            new LocalReference(job.getSpec().baseModelRef().name()),
            new ArtifactSource(versionUri, output.credentialsSecretRef(), digest),
            placement,
            null,
            false);
    var adapters =
        client.resources(LoraAdapter.class).inNamespace(job.getMetadata().getNamespace());
    LoraAdapter existing = adapters.withName(output.adapterName()).get();
    if (existing == null) {
      LoraAdapter adapter = new LoraAdapter();
      adapter.setMetadata(
          new ObjectMetaBuilder()
              .withName(output.adapterName())
              .withNamespace(job.getMetadata().getNamespace())
              .withLabels(
                  Map.of(
                      FineTuneJobResources.FINE_TUNE_JOB,
                      job.getMetadata().getName(),
                      BaseModelResources.MANAGED_BY,
                      BaseModelResources.OPERATOR))
              .build());
      adapter.setSpec(spec);
      adapters.resource(adapter).create();
    } else if (!spec.equals(existing.getSpec())) {
      existing.setSpec(spec);
      existing
          .getMetadata()
          .getLabels()
          .put(FineTuneJobResources.FINE_TUNE_JOB, job.getMetadata().getName());
      adapters.resource(existing).update();
    }
  }
}
