package io.lorafleet.operator.loraadapter.evaluation;

import static org.assertj.core.api.Assertions.assertThat;

import io.lorafleet.api.v1alpha1.common.SecretReference;
import io.lorafleet.api.v1alpha1.finetunejob.DatasetFormat;
import io.lorafleet.api.v1alpha1.jobs.ValidationSplit;
import io.lorafleet.api.v1alpha1.loraadapter.RolloutEvaluationSpec;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which rows the gate scores: the spec's dataset, else the candidate's own validation split. */
class EvaluationDatasetTest {
  static final SecretReference ARTIFACT = new SecretReference("adapters");
  static final String SPLIT = "s3://adapters/tone/validation/sha256-" + "c".repeat(64) + ".jsonl";
  static final Map<String, String> TRAINED =
      new ValidationSplit(SPLIT, "sha256:" + "c".repeat(64), DatasetFormat.CHAT, 4096).lineage();

  static RolloutEvaluationSpec spec(String datasetUri, String safetyUri) {
    return GateSpecs.gate(datasetUri, DatasetFormat.PROMPT_COMPLETION, safetyUri, "data");
  }

  @Test
  void theSpecsDatasetWinsOverTheCandidatesSplit() {
    EvaluationDataset d =
        EvaluationDataset.choose(spec("s3://data/eval.jsonl", null), TRAINED, ARTIFACT)
            .orElseThrow();
    assertThat(d)
        .isEqualTo(
            new EvaluationDataset(
                "s3://data/eval.jsonl",
                null,
                DatasetFormat.PROMPT_COMPLETION,
                new SecretReference("data"),
                null));
  }

  @Test
  void withoutADatasetUriTheCandidatesSplitIsScoredPinnedToItsDigestWithTheArtifactsSecret() {
    EvaluationDataset d =
        EvaluationDataset.choose(spec(null, "s3://data/safety.jsonl"), TRAINED, ARTIFACT)
            .orElseThrow();
    assertThat(d.uri()).isEqualTo(SPLIT);
    assertThat(d.digest()).isEqualTo("sha256:" + "c".repeat(64));
    assertThat(d.format()).isEqualTo(DatasetFormat.CHAT);
    assertThat(d.credentials()).isEqualTo(ARTIFACT);
    assertThat(d.maxSequenceLength()).isEqualTo(4096);

    var args =
        EvaluationWorkload.job(
                "trainer:1",
                EvaluationWorkloadTest.adapter("tone"),
                EvaluationWorkloadTest.base(),
                EvaluationWorkloadTest.rollout(),
                d)
            .getSpec()
            .getTemplate()
            .getSpec()
            .getContainers()
            .getFirst()
            .getArgs();
    assertThat(args)
        .containsSubsequence("--dataset", SPLIT)
        .containsSubsequence("--dataset-digest", "sha256:" + "c".repeat(64))
        .containsSubsequence("--format", "chat")
        // Every held-out row was valid at the run's length; eval's default (2048) could refuse it.
        .containsSubsequence("--max-sequence-length", "4096")
        .containsSubsequence("--dataset-credentials-dir", "/var/run/lorafleet/credentials/adapters")
        // The safety probe keeps the spec's format and Secret.
        .containsSubsequence("--safety-format", "prompt-completion")
        .containsSubsequence("--credentials-dir", "/var/run/lorafleet/credentials/data");
  }

  @Test
  void noDatasetUriAndNoSplitIsNoEvaluationDatasetWithTheReasonAndTheFix() {
    String candidate = "sha256:" + "2".repeat(64);
    Map<String, String> plain = Map.of("fineTuneJob", "tune");
    assertThat(EvaluationDataset.choose(spec(null, null), plain, ARTIFACT)).isEmpty();
    assertThat(EvaluationDataset.choose(spec(null, null), null, ARTIFACT)).isEmpty();
    assertThat(EvaluationDataset.missing(candidate, plain))
        .contains("NoEvaluationDataset")
        .contains(candidate)
        .contains("its lineage names no validation split")
        .contains("set evaluation.datasetUri");

    // A split written by a local run names a local path, which no eval pod can read.
    Map<String, String> local =
        new ValidationSplit("/home/me/run/validation/x.jsonl", "sha256:00", null, null).lineage();
    assertThat(EvaluationDataset.choose(spec(null, null), local, ARTIFACT)).isEmpty();
    assertThat(EvaluationDataset.missing(candidate, local))
        .contains("not in object storage (/home/me/run/validation/x.jsonl)");
  }

  @Test
  void aMissingDatasetRollsBackBeforeAnyTraffic() {
    var next =
        EvaluationSteps.next(
            EvaluationWorkloadTest.adapter("tone").getSpec().rollout().canary(),
            EvaluationWorkloadTest.rollout(),
            "tone@canary",
            () -> EvaluationOutcome.invalid(EvaluationDataset.missing("sha256:22", null)));
    assertThat(next.kind()).isEqualTo(EvaluationSteps.Kind.ROLL_BACK);
    assertThat(next.status().weight()).isZero();
    assertThat(next.status().message()).contains("NoEvaluationDataset");
    assertThat(next.event()).isEqualTo("RolledBack");
    assertThat(next.warning()).isTrue();
  }
}
