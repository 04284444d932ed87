package io.lorafleet.operator.mergepolicy;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.GarbageCollected;
import io.javaoperatorsdk.operator.processing.dependent.Creator;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependentResource;
import io.lorafleet.api.v1alpha1.mergepolicy.MergePolicy;
import io.lorafleet.operator.config.OperatorConfig;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The Job of the current merge, created once: a merge is identified by its key, so a different
 * merge is a new Job, never a change of this one. The policy's earlier merges stay among its
 * secondaries until the current output is published ({@link SupersededMerges}).
 */
@ApplicationScoped
@KubernetesDependent(informer = @Informer(labelSelector = MergePolicyResources.SELECTOR))
public class MergeJobDependent extends KubernetesDependentResource<Job, MergePolicy>
    implements Creator<Job, MergePolicy>, GarbageCollected<MergePolicy> {
  private final OperatorConfig config;

  public MergeJobDependent(OperatorConfig config) {
    super(Job.class);
    this.config = config;
  }

  @Override
  protected Job desired(MergePolicy policy, Context<MergePolicy> context) {
    MergeRun run = MergeRun.from(context);
    return MergeWorkload.job(policy, run.key(), run.base(), run.sources(), config);
  }
}
