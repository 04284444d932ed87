package io.lorafleet.operator.mergepolicy;

import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.Collection;

/** Older merges of a policy are history once a newer output is current. */
final class SupersededMerges {
  private SupersededMerges() {}

  /** Deletes every merge Job of {@code jobs} but {@code current}, and its ConfigMap. */
  static void delete(KubernetesClient client, Collection<Job> jobs, String current) {
    for (Job job : jobs) {
      if (!job.getMetadata().getName().equals(current)) {
        client.resource(job).withPropagationPolicy(DeletionPropagation.BACKGROUND).delete();
        client
            .configMaps()
            .inNamespace(job.getMetadata().getNamespace())
            .withName(job.getMetadata().getName())
            .delete();
      }
    }
  }
}
