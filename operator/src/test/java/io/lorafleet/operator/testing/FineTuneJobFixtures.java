package io.lorafleet.operator.testing;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.lorafleet.api.v1alpha1.basemodel.AdapterSlots;
import io.lorafleet.api.v1alpha1.basemodel.BaseModel;
import io.lorafleet.api.v1alpha1.basemodel.BaseModelSpec;
import io.lorafleet.api.v1alpha1.basemodel.ServingRuntime;
import io.lorafleet.api.v1alpha1.basemodel.ServingSpec;
import io.lorafleet.api.v1alpha1.common.AdapterOutput;
import io.lorafleet.api.v1alpha1.common.ArtifactSource;
import io.lorafleet.api.v1alpha1.common.ComputeResources;
import io.lorafleet.api.v1alpha1.common.LocalReference;
import io.lorafleet.api.v1alpha1.common.Placement;
import io.lorafleet.api.v1alpha1.common.SecretReference;
import io.lorafleet.api.v1alpha1.finetunejob.DatasetFormat;
import io.lorafleet.api.v1alpha1.finetunejob.DatasetSpec;
import io.lorafleet.api.v1alpha1.finetunejob.FineTuneJob;
import io.lorafleet.api.v1alpha1.finetunejob.FineTuneJobSpec;
import io.lorafleet.api.v1alpha1.finetunejob.LearningRateSchedule;
import io.lorafleet.api.v1alpha1.finetunejob.LoraInit;
import io.lorafleet.api.v1alpha1.finetunejob.LoraSpec;
import io.lorafleet.api.v1alpha1.finetunejob.TargetModule;
import io.lorafleet.api.v1alpha1.finetunejob.TrainingSpec;
import java.util.List;

/**
 * The one set of FineTuneJob test fixtures (mock and real-server tests alike): the tiny BaseModel
 * the runs train on, the tests' FineTuneJob spec, and, for the real-server tests, a restricted
 * namespace that holds both prerequisites.
 */
public final class FineTuneJobFixtures {
  private FineTuneJobFixtures() {}

  /** BaseModel {@code name}: the tiny model in s3://models/tiny, one builtin serving pod. */
  public static BaseModel tinyBaseModel(String namespace, String name) {
    BaseModel model = new BaseModel();
    model.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace).build());
    model.setSpec(
        new BaseModelSpec(
            new ArtifactSource("s3://models/tiny", new SecretReference("s3"), null),
            new ServingSpec(
                1, ServingRuntime.BUILTIN, null, null, null, null, new AdapterSlots(4, 16, 32))));
    return model;
  }

  /** The default run: rank 8 on q_proj, no deployment, default resources, checkpoints kept. */
  public static FineTuneJobSpec spec() {
    return spec(8, List.of(TargetModule.Q_PROJ), "s3", null, null, false);
  }

  /**
   * A run on BaseModel "base" of s3://data/train.jsonl (prompt/completion, Secret "s3"), 100 steps,
   * publishing adapter "tuned" under s3://adapters with {@code outputSecret}; 3600 s deadline, 3
   * retries.
   */
  public static FineTuneJobSpec spec(
      int rank,
      List<TargetModule> targetModules,
      String outputSecret,
      Placement deploy,
      ComputeResources resources,
      boolean deleteCheckpoints) {
    return new FineTuneJobSpec(
        new LocalReference("base"),
        new DatasetSpec(
            "s3://data/train.jsonl",
            new SecretReference("s3"),
            DatasetFormat.PROMPT_COMPLETION,
            0.05,
            0.01),
        new LoraSpec(rank, 16.0, 0.05, targetModules, LoraInit.STANDARD, false),
        new TrainingSpec(
            null, 100L, 2.0e-4, LearningRateSchedule.COSINE, 0, 8, 1, 512, 0.0, 1.0, 7L, 50),
        new AdapterOutput("tuned", "s3://adapters", new SecretReference(outputSecret), deploy),
        resources,
        null,
        null,
        null,
        false,
        3600L,
        3,
        deleteCheckpoints);
  }

  public static FineTuneJob fineTuneJob(String namespace, String name, FineTuneJobSpec spec) {
    FineTuneJob job = new FineTuneJob();
    job.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace).build());
    job.setSpec(spec);
    return job;
  }

  /**
   * A new restricted namespace on the real control plane with the credentials Secret "s3" for
   * {@code store} and BaseModel "base" (tiny), created as the cluster's admin.
   */
  public static String realNamespaceWithCredentialsAndBaseModel(
      String prefix, EmbeddedObjectStore store) {
    KubernetesClient admin = RealCluster.get().admin();
    String namespace = RealCluster.get().restrictedNamespace(prefix);
    admin
        .secrets()
        .inNamespace(namespace)
        .resource(store.credentialsSecret(namespace, "s3", store.endpoint()))
        .create();
    admin.resource(tinyBaseModel(namespace, "base")).create();
    return namespace;
  }
}
