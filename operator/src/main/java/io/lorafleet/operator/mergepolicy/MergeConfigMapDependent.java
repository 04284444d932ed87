package io.lorafleet.operator.mergepolicy;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.GarbageCollected;
import io.javaoperatorsdk.operator.processing.dependent.Creator;
import io.javaoperatorsdk.operator.processing.dependent.Updater;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependentResource;
import io.lorafleet.api.v1alpha1.mergepolicy.MergePolicy;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * merge.json of the current merge. The workflow runs only while the merge's Job does not exist yet,
 * so a config left by an earlier attempt is brought up to date before the Job starts, and the
 * config of a started Job is never changed under it. Owned by the policy: deleting it removes the
 * config; a superseded merge's config is deleted with its Job ({@link SupersededMerges}).
 */
@ApplicationScoped
@KubernetesDependent(informer = @Informer(labelSelector = MergePolicyResources.SELECTOR))
public class MergeConfigMapDependent extends KubernetesDependentResource<ConfigMap, MergePolicy>
    implements Creator<ConfigMap, MergePolicy>,
        Updater<ConfigMap, MergePolicy>,
        GarbageCollected<MergePolicy> {

  public MergeConfigMapDependent() {
    super(ConfigMap.class);
  }

  @Override
  protected ConfigMap desired(MergePolicy policy, Context<MergePolicy> context) {
    MergeRun run = MergeRun.from(context);
    return MergeWorkload.configMap(
        policy, run.key(), MergeConfigs.of(policy, run.base(), run.pinned(policy), run.key()));
  }
}
