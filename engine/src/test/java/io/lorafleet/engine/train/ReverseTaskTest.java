package io.lorafleet.engine.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.lorafleet.engine.lora.AdapterTable;
import io.lorafleet.engine.model.GenerationRequest;
import io.lorafleet.engine.model.GenerationResult;
import io.lorafleet.engine.model.Generator;
import io.lorafleet.engine.model.LlamaModel;
import io.lorafleet.engine.model.SamplingParams;
import io.lorafleet.engine.testmodels.TestModelSpec;
import io.lorafleet.engine.tokenizer.HfTokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 5's learning acceptance: a random base model cannot reverse a string of 3-6 distinct
 * letters ("abc=" → "cba" then end of text); LoRA on all seven linear modules learns it. Greedy
 * decoding runs through the serving path (Generator, AdapterTable, LoadedAdapter) on held-out
 * strings never seen in training.
 */
class ReverseTaskTest {
  static final String LETTERS = "abcdefghijkl";
  static final int STEPS = 1200;
  static final int BATCH = 32;
  static final double LR = 3e-3;
  static final int HELD_OUT = 100;

  @TempDir Path tmp;

  record Example(int[] letters) {
    String text() {
      StringBuilder sb = new StringBuilder();
      for (int l : letters) {
        sb.append(LETTERS.charAt(l));
      }
      return sb.toString();
    }
  }

  @Test
  void loraLearnsToReverseStrings() throws Exception {
    // hidden 64, intermediate 160, 2 layers, 4 query heads on 2 KV heads, vocab 384
    TestModelSpec spec = TestModelSpec.llamaGqa();
    Path dir = TrainTestSupport.writeModel(spec, tmp.resolve("model"));
    int[] ids = new int[LETTERS.length()];
    int eq;
    try (HfTokenizer tok = HfTokenizer.load(dir)) {
      for (int i = 0; i < ids.length; i++) {
        ids[i] = single(tok, LETTERS.substring(i, i + 1));
      }
      eq = single(tok, "=");
    }
    LlamaModel model = TrainTestSupport.load(dir, Runtime.getRuntime().availableProcessors());
    int eos = model.config().vocabSize() - 1;
    SplittableRandom rnd = new SplittableRandom(7);
    List<Example> heldOut = new ArrayList<>();
    Set<String> heldOutText = new HashSet<>();
    while (heldOut.size() < HELD_OUT) {
      Example e = randomExample(rnd);
      if (heldOutText.add(e.text())) {
        heldOut.add(e);
      }
    }
    List<TrainingSequence> evalSet = heldOut.stream().map(e -> sequence(e, ids, eq, eos)).toList();

    LoraTrainingOptions opts =
        new LoraTrainingOptions(
            16,
            32,
            false,
            0.0,
            TrainTestSupport.ALL_LINEAR,
            LoraTrainingOptions.Init.STANDARD,
            42,
            0.0,
            0.9,
            0.999,
            1e-8,
            1.0);
    long started = System.nanoTime();
    try (LoraTrainer trainer = LoraTrainer.create(model, opts)) {
      double before = trainer.evaluate(evalSet).mean();
      double baseAccuracy = accuracy(model, AdapterTable.empty(2), -1, heldOut, ids, eq, eos);
      for (int s = 0; s < STEPS; s++) {
        List<TrainingSequence> batch = new ArrayList<>();
        while (batch.size() < BATCH) {
          Example e = randomExample(rnd);
          if (!heldOutText.contains(e.text())) {
            batch.add(sequence(e, ids, eq, eos));
          }
        }
        LossSum l = trainer.accumulate(batch, s);
        double lr = LearningRates.learningRate(LearningRates.Schedule.COSINE, LR, 20, STEPS, s);
        trainer.step(lr, l.targets());
        if (s % 50 == 0) {
          System.out.printf("step %d loss %.4f%n", s, l.mean());
        }
      }
      double after = trainer.evaluate(evalSet).mean();
      AdapterTable table = AdapterTable.empty(2).with(trainer.toLoadedAdapter("reverse"));
      double tuned = accuracy(model, table, 0, heldOut, ids, eq, eos);
      System.out.printf(
          "reverse task: eval loss %.4f -> %.4f (%.0f%% lower), held-out exact %.0f%% (base %.0f%%),"
              + " %d steps of %d sequences in %.1f s%n",
          before,
          after,
          100 * (1 - after / before),
          100 * tuned,
          100 * baseAccuracy,
          STEPS,
          BATCH,
          (System.nanoTime() - started) / 1e9);
      assertThat(after).isLessThanOrEqualTo(0.5 * before);
      assertThat(tuned).isGreaterThanOrEqualTo(0.9);
      assertThat(baseAccuracy).isLessThan(0.1);
    } finally {
      model.backend().close();
    }
  }

  private static int single(HfTokenizer tok, String s) {
    int[] t = tok.encode(s, false);
    assertThat(t).as("'%s' is one token", s).hasSize(1);
    return t[0];
  }

  private static Example randomExample(SplittableRandom rnd) {
    int n = 3 + rnd.nextInt(4);
    List<Integer> pool = new ArrayList<>();
    for (int i = 0; i < LETTERS.length(); i++) {
      pool.add(i);
    }
    int[] letters = new int[n];
    for (int i = 0; i < n; i++) {
      letters[i] = pool.remove(rnd.nextInt(pool.size()));
    }
    return new Example(letters);
  }

  private static int[] prompt(Example e, int[] ids, int eq) {
    int[] p = new int[e.letters.length + 1];
    for (int i = 0; i < e.letters.length; i++) {
      p[i] = ids[e.letters[i]];
    }
    p[e.letters.length] = eq;
    return p;
  }

  private static int[] completion(Example e, int[] ids) {
    int n = e.letters.length;
    int[] c = new int[n];
    for (int i = 0; i < n; i++) {
      c[i] = ids[e.letters[n - 1 - i]];
    }
    return c;
  }

  private static TrainingSequence sequence(Example e, int[] ids, int eq, int eos) {
    int[] p = prompt(e, ids, eq);
    int[] c = completion(e, ids);
    int[] t = new int[p.length + c.length + 1];
    boolean[] m = new boolean[t.length];
    System.arraycopy(p, 0, t, 0, p.length);
    System.arraycopy(c, 0, t, p.length, c.length);
    t[t.length - 1] = eos;
    Arrays.fill(m, p.length, t.length, true);
    return new TrainingSequence(t, m);
  }

  /** Fraction of examples whose greedy output is exactly the reversal followed by end of text. */
  private static double accuracy(
      LlamaModel model,
      AdapterTable table,
      int slot,
      List<Example> examples,
      int[] ids,
      int eq,
      int eos) {
    List<GenerationRequest> reqs = new ArrayList<>();
    for (Example e : examples) {
      reqs.add(
          new GenerationRequest(
              prompt(e, ids, eq), slot, SamplingParams.greedy(e.letters.length + 1, Set.of(eos))));
    }
    List<GenerationResult> out =
        new Generator(model, table, model.newCache(HELD_OUT * 4, 4)).generate(reqs);
    int exact = 0;
    for (int i = 0; i < examples.size(); i++) {
      GenerationResult r = out.get(i);
      if (r.reason() == GenerationResult.FinishReason.STOP
          && Arrays.equals(r.tokens(), completion(examples.get(i), ids))) {
        exact++;
      }
    }
    return (double) exact / examples.size();
  }
}
