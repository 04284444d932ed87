package io.lorafleet.trainer.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lorafleet.artifacts.hf.LinearModule;
import io.lorafleet.artifacts.hf.ModelConfig;
import io.lorafleet.engine.testmodels.TestModelGenerator;
import io.lorafleet.engine.testmodels.TestModelSpec;
import io.lorafleet.engine.train.LoraTrainingOptions;
import io.lorafleet.trainer.ExitCodes;
import io.lorafleet.trainer.TrainerMain;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The activation budget: parsing the override, the heap formula, the trainer's resident copies. */
class ActivationMemoryTest {
  private static final long MIB = 1L << 20;

  @Test
  void parsesAutoAndSizes() {
    assertThat(ActivationMemory.parse("auto").isAuto()).isTrue();
    assertThat(ActivationMemory.parse("0")).isEqualTo(ActivationMemory.bytes(0));
    assertThat(ActivationMemory.parse("1048576").fixedBytes()).isEqualTo(MIB);
    assertThat(ActivationMemory.parse("64k").fixedBytes()).isEqualTo(64 * 1024);
    assertThat(ActivationMemory.parse("768M").fixedBytes()).isEqualTo(768 * MIB);
    assertThat(ActivationMemory.parse("4g").fixedBytes()).isEqualTo(4096 * MIB);
    for (String bad : List.of("", "-1", "lots", "1.5g", "g", "99999999999g")) {
      assertThatThrownBy(() -> ActivationMemory.parse(bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void aBadSizeOnTheCommandLineIsAUsageError(@TempDir Path dir) {
    PrintStream saved = System.err;
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    int code;
    try {
      code =
          TrainerMain.run(
              "train",
              "--config",
              dir.resolve("trainer.yaml").toString(),
              "--activation-memory",
              "lots");
    } finally {
      System.setErr(saved);
    }
    assertThat(code).isEqualTo(ExitCodes.BAD_INPUT);
    // Rejected while parsing the command line, before the (missing) config is read.
    assertThat(err.toString(StandardCharsets.UTF_8))
        .contains("--activation-memory")
        .contains("'auto' or a size such as 0, 512m or 4g");
  }

  @Test
  void autoKeepsWhatFitsInTheHeapFractionAfterWhatIsResident() {
    long max = 10_000 * MIB;
    // 0.7 * 10000 MiB = 7000 MiB, less 1000 in use and 2000 of trainer copies.
    assertThat(ActivationMemory.autoBudget(max, 1000 * MIB, 2000 * MIB)).isEqualTo(4000 * MIB);
    assertThat(ActivationMemory.autoBudget(max, 5000 * MIB, 2000 * MIB)).isZero();
    assertThat(ActivationMemory.autoBudget(max, 6000 * MIB, 2000 * MIB)).isZero();
  }

  @Test
  void trainerCopiesAreCountedFromTheModelShape(@TempDir Path dir) throws Exception {
    // llamaGqa: hidden 64, intermediate 160, 2 layers, 4 heads / 2 KV heads of 16, vocab 384.
    ModelConfig c =
        io.lorafleet.engine.model.ModelLoader.config(
            TestModelGenerator.write(TestModelSpec.llamaGqa(), dir.resolve("m")));
    LoraTrainingOptions o =
        new LoraTrainingOptions(
            4,
            8,
            false,
            0,
            List.of(LinearModule.Q_PROJ, LinearModule.V_PROJ),
            LoraTrainingOptions.Init.STANDARD,
            1,
            0,
            0.9,
            0.999,
            1e-8,
            1);
    // Forward copies of all 7 weights plus stacked q/k/v and gate/up: 2 layers x (2 x 28672 +
    // 14336) = 143360; transposed head 384 x 64 = 24576; LoRA A, B, gradients and moments:
    // 8 x 4 x ((64 + 64) + (64 + 32)) x 2 layers = 14336. Floats of 4 bytes.
    assertThat(ActivationMemory.trainerBytes(c, o)).isEqualTo(4L * (143360 + 24576 + 14336));
    LoraTrainingOptions pissa =
        new LoraTrainingOptions(
            4,
            8,
            false,
            0,
            List.of(LinearModule.Q_PROJ),
            LoraTrainingOptions.Init.PISSA,
            1,
            0,
            0.9,
            0.999,
            1e-8,
            1);
    // PiSSA adds the initial factors and an fp32 residual weight per adapted module.
    assertThat(ActivationMemory.trainerBytes(c, pissa))
        .isEqualTo(4L * (143360 + 24576 + 2 * (10 * 4 * 128 + 64 * 64)));
  }
}
