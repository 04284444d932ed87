package io.lorafleet.operator.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.lorafleet.api.v1alpha1.common.SecretReference;
import io.lorafleet.api.v1alpha1.jobs.MergeConfig;
import io.lorafleet.api.v1alpha1.jobs.RunProgress;
import io.lorafleet.api.v1alpha1.jobs.RunResult;
import io.lorafleet.api.v1alpha1.mergepolicy.MergeMethod;
import io.lorafleet.artifacts.hf.LinearModule;
import io.lorafleet.artifacts.peft.AdapterConfig;
import io.lorafleet.artifacts.peft.LoraAdapter;
import io.lorafleet.artifacts.peft.LoraWeights;
import io.lorafleet.artifacts.peft.ModuleKey;
import io.lorafleet.artifacts.peft.PeftAdapterWriter;
import io.lorafleet.artifacts.safetensors.DType;
import io.lorafleet.artifacts.store.ArtifactStore;
import io.lorafleet.artifacts.store.ObjectStore;
import io.lorafleet.artifacts.store.PublishedVersion;
import io.lorafleet.artifacts.store.RetryPolicy;
import io.lorafleet.artifacts.store.S3Uri;
import io.lorafleet.operator.storage.ObjectStoreAccess;
import io.lorafleet.trainer.merge.MergeJob;
import io.lorafleet.trainer.report.RunReports;
import io.lorafleet.trainer.storage.FileObjectStore;
import io.lorafleet.trainer.storage.Place;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * progress.json and result.json: what the trainer image writes to a run directory (training: {@link
 * RunReports}; merge: {@link MergeJob#run}) is what the operator reads back ({@link JobReports}),
 * record for record, through one object store both sides open.
 */
class RunReportContractTest {
  static final S3Uri RUN = S3Uri.parse("s3://local/runs/ns/finetunejobs/j/uid-1/");
  static final SecretReference CREDENTIALS = new SecretReference("s3");

  @TempDir Path tmp;
  ObjectStore store;
  JobReports operator;
  RunReports trainer;

  @BeforeEach
  void openOneStoreForBothSides() {
    store = new FileObjectStore(tmp.resolve("store"));
    ObjectStore shared = store;
    operator =
        new JobReports(
            new ObjectStoreAccess(null, null) {
              @Override
              public ObjectStore open(String namespace, SecretReference credentials) {
                return shared;
              }
            });
    trainer =
        new RunReports(new Place(store, RUN, RUN.toString()), Clock.systemUTC(), Duration.ZERO);
  }

  @Test
  void progressWrittenByTheTrainerIsReadByTheOperator() throws Exception {
    RunProgress written =
        new RunProgress(
            50L,
            100L,
            0.5,
            1.25,
            1.5,
            812.5,
            60L,
            new RunProgress.Checkpoint(48L, RUN + "checkpoints/step-48"),
            "2026-12-07T08:00:00Z");

    assertThat(trainer.progress(written, true)).isTrue();

    assertThat(operator.progress("ns", CREDENTIALS, RUN)).contains(written);
  }

  @Test
  void progressWithoutOptionalFieldsIsReadAsAbsentFields() throws Exception {
    RunProgress written = new RunProgress(1L, 100L, 0.01, null, null, null, null, null, "t");

    trainer.progress(written, true);

    assertThat(operator.progress("ns", CREDENTIALS, RUN)).contains(written);
  }

  @Test
  void aSucceededTrainingResultIsReadByTheOperator() throws Exception {
    RunResult written =
        RunResult.succeeded(
            new RunResult.Adapter("s3://adapters/ns/adapters/tuned/sha256-ab/", "sha256:ab"),
            Map.of("trainLoss", 0.42, "steps", 6),
            Map.of("base.digest", "sha256:0b"));

    trainer.result(written);

    RunResult read = operator.result("ns", CREDENTIALS, RUN).orElseThrow();
    assertThat(read).isEqualTo(written);
    assertThat(read.succeeded()).isTrue();
    assertThat(trainer.previousResult()).contains(written);
  }

  @Test
  void aFailedTrainingResultIsReadByTheOperator() throws Exception {
    RunResult written = RunResult.failed("InvalidDataset", "line 3: no completion");

    trainer.result(written);

    RunResult read = operator.result("ns", CREDENTIALS, RUN).orElseThrow();
    assertThat(read).isEqualTo(written);
    assertThat(read.succeeded()).isFalse();
  }

  @Test
  void aMergeResultIsReadByTheOperator() throws Exception {
    ArtifactStore artifacts = new ArtifactStore(store, RetryPolicy.defaults());
    PublishedVersion a = publish(artifacts, "a", 1f);
    PublishedVersion b = publish(artifacts, "b", -2f);
    S3Uri run = S3Uri.parse("s3://local/runs/ns/mergepolicies/p/k1/");
    MergeConfig config =
        new MergeConfig(
            MergeConfig.SCHEMA_VERSION,
            new MergeConfig.Run("ns", "p", "k1", run.toString()),
            null,
            MergeMethod.SVD,
            null,
            null,
            1,
            7L,
            List.of(
                new MergeConfig.Source("a", a.uri().toString(), "sha256:" + a.digest(), 0.6, null),
                new MergeConfig.Source("b", b.uri().toString(), "sha256:" + b.digest(), 0.4, null)),
            new MergeConfig.Output("merged", "s3://local/adapters/ns/adapters/merged", null));

    RunResult written = MergeJob.run(config, store, tmp.resolve("work"));

    assertThat(written.succeeded()).as("%s", written.message()).isTrue();
    RunResult read = operator.result("ns", CREDENTIALS, run).orElseThrow();
    assertThat(read).isEqualTo(written);
    assertThat(read.metrics()).containsKeys("rank", "truncationError");
    assertThat(read.lineage()).containsEntry("merge.method", "svd");
  }

  @Test
  void aFailedMergeResultIsReadByTheOperator() throws Exception {
    ArtifactStore artifacts = new ArtifactStore(store, RetryPolicy.defaults());
    PublishedVersion a = publish(artifacts, "a", 1f);
    S3Uri run = S3Uri.parse("s3://local/runs/ns/mergepolicies/p/k2/");
    MergeConfig config =
        new MergeConfig(
            MergeConfig.SCHEMA_VERSION,
            new MergeConfig.Run("ns", "p", "k2", run.toString()),
            null,
            MergeMethod.CAT,
            null,
            null,
            null,
            null,
            List.of(
                new MergeConfig.Source(
                    "a", a.uri().toString(), "sha256:" + "0".repeat(64), 1, null),
                new MergeConfig.Source("b", a.uri().toString(), "sha256:" + a.digest(), 1, null)),
            new MergeConfig.Output("merged", "s3://local/adapters/ns/adapters/merged", null));

    RunResult written = MergeJob.run(config, store, tmp.resolve("work"));

    assertThat(written.reason()).isEqualTo("InvalidMerge");
    assertThat(operator.result("ns", CREDENTIALS, run)).contains(written);
  }

  /** A rank-1 adapter on layer 0's q_proj (4 x 4), published under adapters/ns/adapters/name. */
  private PublishedVersion publish(ArtifactStore artifacts, String name, float value)
      throws Exception {
    ModuleKey key = new ModuleKey(0, LinearModule.Q_PROJ);
    AdapterConfig config = AdapterConfig.of(1, 1, List.of(LinearModule.Q_PROJ.moduleName()));
    float[] a = {value, 0, 0, 1};
    float[] b = {1, 2, 3, 4};
    LoraAdapter adapter =
        new LoraAdapter(
            config,
            Map.of(key, new LoraWeights(key, 1, 4, 4, config.scaleFor(key.path(), 1), a, b)),
            DType.F32);
    Path dir = tmp.resolve("adapter-" + name);
    PeftAdapterWriter.write(adapter, dir);
    return artifacts.push(dir, S3Uri.parse("s3://local/adapters/ns/adapters/" + name), Map.of());
  }
}
