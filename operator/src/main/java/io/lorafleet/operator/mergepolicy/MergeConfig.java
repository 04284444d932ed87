package io.lorafleet.operator.mergepolicy;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.lorafleet.api.v1alpha1.basemodel.BaseModel;
import io.lorafleet.api.v1alpha1.mergepolicy.MajoritySign;
import io.lorafleet.api.v1alpha1.mergepolicy.MergeMethod;
import io.lorafleet.api.v1alpha1.mergepolicy.MergePolicy;
import io.lorafleet.operator.reconcile.CredentialMounts;
import java.util.List;

/** The merge job's config file (merge.json): the spec with every source pinned to its digest. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record MergeConfig(
    int schemaVersion,
    Run run,
    Store baseModel,
    MergeMethod method,
    Double density,
    MajoritySign majoritySign,
    Integer outputRank,
    Long seed,
    List<Source> sources,
    Output output) {

  public static final int SCHEMA_VERSION = 1;

  public record Run(String namespace, String name, String key, String directory) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Store(String uri, String digest, String credentialsDir) {}

  /** One source version: uri is its sha256-<digest>/ directory. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Source(
      String adapter, String uri, String digest, double weight, String credentialsDir) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Output(String adapterName, String versionsUri, String credentialsDir) {}

  public static MergeConfig of(
      MergePolicy policy, BaseModel base, List<Source> sources, String key) {
    var spec = policy.getSpec();
    return new MergeConfig(
        SCHEMA_VERSION,
        new Run(
            policy.getMetadata().getNamespace(),
            policy.getMetadata().getName(),
            key,
            MergePolicyResources.runDirectory(policy, key).toString()),
        new Store(
            base.getSpec().source().uri(),
            base.getStatus() == null ? null : base.getStatus().digest(),
            CredentialMounts.directory(base.getSpec().source().credentialsSecretRef())),
        spec.method(),
        spec.density(),
        spec.majoritySign(),
        spec.outputRank(),
        spec.seed(),
        sources,
        new Output(
            spec.output().adapterName(),
            MergePolicyResources.versions(policy).toString(),
            CredentialMounts.directory(spec.output().credentialsSecretRef())));
  }
}
