package io.lorafleet.operator.finetunejob;

import io.lorafleet.api.v1alpha1.basemodel.BaseModel;
import io.lorafleet.api.v1alpha1.common.SecretReference;
import io.lorafleet.api.v1alpha1.finetunejob.FineTuneJob;
import io.lorafleet.api.v1alpha1.jobs.TrainerConfig;
import io.lorafleet.operator.reconcile.CredentialMounts;

/**
 * Renders trainer.json ({@link TrainerConfig}) from a FineTuneJob and what the operator resolved.
 */
final class TrainerConfigs {
  private TrainerConfigs() {}

  public static TrainerConfig of(FineTuneJob job, BaseModel base) {
    var spec = job.getSpec();
    return new TrainerConfig(
        TrainerConfig.SCHEMA_VERSION,
        new TrainerConfig.Run(
            job.getMetadata().getNamespace(),
            job.getMetadata().getName(),
            job.getMetadata().getUid(),
            FineTuneJobResources.runDirectory(job).toString()),
        new TrainerConfig.Store(
            base.getSpec().source().uri(),
            base.getStatus() == null ? null : base.getStatus().digest(),
            credentialsDir(base.getSpec().source().credentialsSecretRef())),
        spec.dataset(),
        credentialsDir(spec.dataset().credentialsSecretRef()),
        spec.lora(),
        spec.training(),
        new TrainerConfig.Output(
            spec.output().adapterName(),
            FineTuneJobResources.versions(job).toString(),
            credentialsDir(spec.output().credentialsSecretRef())));
  }

  private static String credentialsDir(SecretReference secret) {
    return CredentialMounts.directory(secret);
  }
}
