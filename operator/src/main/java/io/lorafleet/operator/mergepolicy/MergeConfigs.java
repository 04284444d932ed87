package io.lorafleet.operator.mergepolicy;

import io.lorafleet.api.v1alpha1.basemodel.BaseModel;
import io.lorafleet.api.v1alpha1.jobs.MergeConfig;
import io.lorafleet.api.v1alpha1.mergepolicy.MergePolicy;
import io.lorafleet.operator.reconcile.CredentialMounts;
import java.util.List;

/**
 * Renders merge.json ({@link MergeConfig}) from a MergePolicy, its base model and its sources
 * pinned to their digests.
 */
final class MergeConfigs {
  private MergeConfigs() {}

  static MergeConfig of(
      MergePolicy policy, BaseModel base, List<MergeConfig.Source> sources, String key) {
    var spec = policy.getSpec();
    return new MergeConfig(
        MergeConfig.SCHEMA_VERSION,
        new MergeConfig.Run(
            policy.getMetadata().getNamespace(),
            policy.getMetadata().getName(),
            key,
            MergePolicyResources.runDirectory(policy, key).toString()),
        new MergeConfig.Store(
            base.getSpec().source().uri(),
            base.getStatus() == null ? null : base.getStatus().digest(),
            CredentialMounts.directory(base.getSpec().source().credentialsSecretRef())),
        spec.method(),
        spec.density(),
        spec.majoritySign(),
        spec.outputRank(),
        spec.seed(),
        sources,
        new MergeConfig.Output(
            spec.output().adapterName(),
            MergePolicyResources.versions(policy).toString(),
            CredentialMounts.directory(spec.output().credentialsSecretRef())));
  }
}
