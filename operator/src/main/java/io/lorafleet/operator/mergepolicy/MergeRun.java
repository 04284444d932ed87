package io.lorafleet.operator.mergepolicy;

import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.lorafleet.api.v1alpha1.basemodel.BaseModel;
import io.lorafleet.api.v1alpha1.jobs.MergeConfig;
import io.lorafleet.api.v1alpha1.loraadapter.LoraAdapter;
import io.lorafleet.api.v1alpha1.mergepolicy.MergePolicy;
import io.lorafleet.api.v1alpha1.mergepolicy.MergePolicyStatus;
import io.lorafleet.api.v1alpha1.mergepolicy.SourceDigest;
import java.util.ArrayList;
import java.util.List;

/**
 * The merge the policy's Ready sources ask for: its base model, the sources pinned to their
 * digests, the merge key and the name of its Job and ConfigMap. The reconciler hands it to the
 * workflow's dependents.
 */
record MergeRun(
    BaseModel base,
    List<LoraAdapter> sources,
    List<SourceDigest> digests,
    String key,
    String name) {

  static MergeRun of(MergePolicy policy, BaseModel base, List<LoraAdapter> sources) {
    List<SourceDigest> digests =
        sources.stream()
            .map(a -> new SourceDigest(a.getMetadata().getName(), a.getStatus().digest()))
            .toList();
    String key =
        MergePolicyResources.key(policy, digests.stream().map(SourceDigest::digest).toList());
    return new MergeRun(base, sources, digests, key, MergePolicyResources.mergeName(policy, key));
  }

  /** The policy's output is this merge's: the same source versions and the same merge. */
  boolean publishedIn(MergePolicyStatus status) {
    return status != null
        && status.output() != null
        && digests.equals(status.sourceDigests())
        && name.equals(status.jobName());
  }

  /** The sources as merge.json names them, with the spec's weights. */
  List<MergeConfig.Source> pinned(MergePolicy policy) {
    List<MergeConfig.Source> pinned = new ArrayList<>();
    for (int i = 0; i < sources.size(); i++) {
      pinned.add(MergeWorkload.source(sources.get(i), policy.getSpec().sources().get(i).weight()));
    }
    return pinned;
  }

  void handTo(Context<MergePolicy> context) {
    context.managedWorkflowAndDependentResourceContext().put(MergeRun.class, this);
  }

  /** The run the reconciler handed over before it invoked the workflow. */
  static MergeRun from(Context<MergePolicy> context) {
    return context
        .managedWorkflowAndDependentResourceContext()
        .getMandatory(MergeRun.class, MergeRun.class);
  }
}
