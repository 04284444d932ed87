package io.lorafleet.engine.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.lorafleet.engine.backend.cpu.CpuBackend;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SamplingParamsTest {
  private static final CpuBackend BACKEND = new CpuBackend(1);
  // two rows of a vocabulary of 4; the second row's maximum is token 2
  private static final float[] LOGITS = {5f, 0f, 0f, 0f, 0.1f, 0.2f, 3f, 0.3f};

  @Test
  void aGreedyPickIsTheRowsArgmaxAndTakesNoDraw() {
    SplittableRandom random = new SplittableRandom(7);

    int token = SamplingParams.greedy(4, Set.of()).pick(BACKEND, LOGITS, 4, 4, random);

    assertThat(token).isEqualTo(2);
    assertThat(random.nextLong()).isEqualTo(new SplittableRandom(7).nextLong());
  }

  @Test
  void aSampledPickTakesOneDrawFromTheRequestsStream() {
    SamplingParams p = new SamplingParams(2.0f, 3, 0.9f, 7, 4, Set.of());
    SplittableRandom random = new SplittableRandom(7);
    SplittableRandom same = new SplittableRandom(7);

    int token = p.pick(BACKEND, LOGITS, 4, 4, random);

    assertThat(token).isEqualTo(BACKEND.sample(LOGITS, 4, 4, 2.0f, 3, 0.9f, same.nextDouble()));
    assertThat(random.nextLong()).isEqualTo(same.nextLong());
  }
}
