package io.lorafleet.operator.finetunejob;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.lorafleet.api.v1alpha1.basemodel.BaseModel;
import io.lorafleet.api.v1alpha1.common.SecretReference;
import io.lorafleet.api.v1alpha1.finetunejob.DatasetSpec;
import io.lorafleet.api.v1alpha1.finetunejob.FineTuneJob;
import io.lorafleet.api.v1alpha1.finetunejob.LoraSpec;
import io.lorafleet.api.v1alpha1.finetunejob.TrainingSpec;
import io.lorafleet.operator.reconcile.CredentialMounts;

/**
 * The trainer's config file (trainer.json in the ConfigMap): the FineTuneJob's spec plus what the
 * operator resolved. Each store is reached with the Secret mounted at its credentialsDir (files
 * AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, optional AWS_ENDPOINT_URL and AWS_REGION).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TrainerConfig(
    int schemaVersion,
    Run run,
    Store baseModel,
    DatasetSpec dataset,
    String datasetCredentialsDir,
    LoraSpec lora,
    TrainingSpec training,
    Output output) {

  public static final int SCHEMA_VERSION = 1;

  /** Which run this is; checkpoints of the same uid are resumed. */
  public record Run(String namespace, String name, String uid, String directory) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Store(String uri, String digest, String credentialsDir) {}

  /** Versions are published under versionsUri as sha256-<digest>/ (manifest last). */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Output(String adapterName, String versionsUri, String credentialsDir) {}

  public static TrainerConfig of(FineTuneJob job, BaseModel base) {
    var spec = job.getSpec();
    return new TrainerConfig(
        SCHEMA_VERSION,
        new Run(
            job.getMetadata().getNamespace(),
            job.getMetadata().getName(),
            job.getMetadata().getUid(),
            FineTuneJobResources.runDirectory(job).toString()),
        new Store(
            base.getSpec().source().uri(),
            base.getStatus() == null ? null : base.getStatus().digest(),
            credentialsDir(base.getSpec().source().credentialsSecretRef())),
        spec.dataset(),
        credentialsDir(spec.dataset().credentialsSecretRef()),
        spec.lora(),
        spec.training(),
        new Output(
            spec.output().adapterName(),
            FineTuneJobResources.versions(job).toString(),
            credentialsDir(spec.output().credentialsSecretRef())));
  }

  private static String credentialsDir(SecretReference secret) {
    return CredentialMounts.directory(secret);
  }
}
