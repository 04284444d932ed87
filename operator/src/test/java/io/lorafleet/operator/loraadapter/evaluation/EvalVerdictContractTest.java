package io.lorafleet.operator.loraadapter.evaluation;

import static org.assertj.core.api.Assertions.assertThat;

import io.lorafleet.api.v1alpha1.jobs.EvalVerdict;
import io.lorafleet.api.v1alpha1.loraadapter.RolloutStatus.RolloutCheck;
import io.lorafleet.trainer.eval.EvalResult;
import io.lorafleet.trainer.report.EvalVerdictMessage;
import io.lorafleet.trainer.report.TerminationMessage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The eval verdict as the trainer image writes it ({@link EvalResult#verdict()} through its {@link
 * TerminationMessage}, the file the kubelet copies into the pod's status) is what the operator's
 * gate reads back ({@link EvalVerdictReader}, {@link EvaluationOutcome}), gate for gate and number
 * for number, within the kubelet's 4096 bytes.
 */
class EvalVerdictContractTest {
  static final String DIGEST = "sha256:" + "ab".repeat(32);

  @TempDir Path tmp;

  private String throughThePod(String json) throws Exception {
    Path file = Files.createFile(tmp.resolve("termination-log"));
    new TerminationMessage(file).writeWhole(json);
    byte[] written = Files.readAllBytes(file);
    // The kubelet keeps at most 4096 bytes of it.
    assertThat(written.length).isLessThanOrEqualTo(EvalVerdict.MAX_BYTES);
    return new String(written, StandardCharsets.UTF_8);
  }

  @Test
  void aFailedGateReachesTheOperatorWithEveryNumber() throws Exception {
    List<EvalVerdict.Gate> gates =
        List.of(
            new EvalVerdict.Gate("lossBelowBase", "base", 2.5, 3.1, 3.1, "rule a", true),
            new EvalVerdict.Gate("lossVsStable", "stable", 2.5, 0.04, 0.042, "rule b", false),
            new EvalVerdict.Gate("matchVsStable", "stable", 0.0, 1.0, 0.95, "rule c", false),
            new EvalVerdict.Gate("refusalRate", "stable", 1.0, 1.0, 0.9, "rule d", true));
    EvalResult result =
        new EvalResult(
            "s3://d/task.jsonl",
            "sha256:d",
            null,
            null,
            "substring",
            "(?i)no",
            List.of(
                new EvalResult.ModelScores(
                    "candidate", "s3://a/x", DIGEST, 12, 24, 2.5, 0, 0, 12, 1.0)),
            gates,
            false);

    String message = throughThePod(EvalVerdictMessage.of(result.verdict()));

    EvalVerdict read = EvalVerdictReader.read(message).orElseThrow();
    assertThat(read).isEqualTo(result.verdict());
    assertThat(read.outcome()).isEqualTo(EvalVerdict.Outcome.Failed);
    assertThat(read.candidateDigest()).isEqualTo(DIGEST);
    EvaluationOutcome outcome = EvaluationOutcome.of(read, "eval-job");
    assertThat(outcome.kind()).isEqualTo(EvaluationOutcome.Kind.FAILED);
    assertThat(outcome.checks())
        .containsExactly(
            new RolloutCheck("lossBelowBase", "base", 2.5, 3.1, 3.1, true),
            new RolloutCheck("lossVsStable", "stable", 2.5, 0.04, 0.042, false),
            new RolloutCheck("matchVsStable", "stable", 0.0, 1.0, 0.95, false),
            new RolloutCheck("refusalRate", "stable", 1.0, 1.0, 0.9, true));
    assertThat(outcome.message())
        .contains("lossVsStable 2.5000 (stable 0.0400, limit 0.0420)")
        .contains("matchVsStable 0.0000 (stable 1.0000, limit 0.9500)")
        .doesNotContain("refusalRate");
  }

  @Test
  void badInputReachesTheOperatorAsInvalidWithTheTrainersReasonEvenWhenItsMessageIsLong()
      throws Exception {
    String longMessage = "line 7: not JSON: " + "x".repeat(10_000);
    String message =
        throughThePod(EvalVerdictMessage.of(EvalVerdict.invalid("InvalidDataset", longMessage)));

    EvalVerdict read = EvalVerdictReader.read(message).orElseThrow();
    assertThat(read.outcome()).isEqualTo(EvalVerdict.Outcome.Invalid);
    assertThat(read.reason()).isEqualTo("InvalidDataset");
    assertThat(read.message()).startsWith("line 7: not JSON: xxx").endsWith("...");
    EvaluationOutcome outcome = EvaluationOutcome.of(read, "eval-job");
    assertThat(outcome.kind()).isEqualTo(EvaluationOutcome.Kind.INVALID);
    assertThat(outcome.message()).contains("could not run: InvalidDataset: line 7");
  }

  @Test
  void manyLongGatesStillFitAndKeepTheirNumbers() throws Exception {
    List<EvalVerdict.Gate> gates = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      gates.add(
          new EvalVerdict.Gate(
              "gate" + i, "stable", i, i + 0.5, i + 0.25, "r".repeat(400), i % 2 == 0));
    }
    EvalVerdict verdict = EvalVerdict.judged(DIGEST, gates);

    EvalVerdict read =
        EvalVerdictReader.read(throughThePod(EvalVerdictMessage.of(verdict))).orElseThrow();
    assertThat(read.gates()).hasSize(12);
    assertThat(read.gates().get(3).candidate()).isEqualTo(3.0);
    assertThat(read.gates().get(3).limit()).isEqualTo(3.25);
    assertThat(read.gates().get(3).passed()).isFalse();
    assertThat(read.outcome()).isEqualTo(EvalVerdict.Outcome.Failed);
  }

  @Test
  void aCrashsLogTailIsNoVerdict() {
    assertThat(EvalVerdictReader.read("Exception in thread main java.lang.OutOfMemoryError"))
        .isEmpty();
    assertThat(EvalVerdictReader.read("{\"unrelated\":1}")).isEmpty();
    assertThat(EvalVerdictReader.read("{truncated")).isEmpty();
    assertThat(EvalVerdictReader.read(null)).isEmpty();
  }
}
