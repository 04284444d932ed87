package io.lorafleet.operator.testing;

import io.lorafleet.artifacts.hf.LinearModule;
import io.lorafleet.artifacts.peft.AdapterConfig;
import io.lorafleet.artifacts.peft.LoraAdapter;
import io.lorafleet.artifacts.peft.LoraWeights;
import io.lorafleet.artifacts.peft.ModuleKey;
import io.lorafleet.artifacts.peft.PeftAdapterWriter;
import io.lorafleet.artifacts.safetensors.DType;
import io.lorafleet.artifacts.store.ArtifactStore;
import io.lorafleet.artifacts.store.PublishedVersion;
import io.lorafleet.artifacts.store.RetryPolicy;
import io.lorafleet.artifacts.store.S3ObjectStore;
import io.lorafleet.artifacts.store.S3Uri;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** A tiny Llama config and real PEFT adapters for it, published to object storage. */
public final class TestArtifacts {
  /** hidden 64, 4 heads of 16, 2 KV heads: q_proj is [64, 64], k_proj [32, 64]. */
  public static final String TINY_LLAMA_CONFIG =
      """
      {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 64,
       "intermediate_size": 128, "num_hidden_layers": 2, "num_attention_heads": 4,
       "num_key_value_heads": 2, "vocab_size": 256, "max_position_embeddings": 128,
       "rms_norm_eps": 1e-5, "rope_theta": 10000.0, "tie_word_embeddings": false,
       "torch_dtype": "float32"}
      """;

  private TestArtifacts() {}

  public static void putTinyModel(S3ObjectStore s3, String bucket, String prefix) {
    s3.ensureBucket(bucket);
    s3.putBytes(
        bucket, prefix + "/config.json", TINY_LLAMA_CONFIG.getBytes(StandardCharsets.UTF_8));
  }

  /** A rank-r adapter on q_proj and k_proj of both layers, published as a new version. */
  public static PublishedVersion publishAdapter(S3ObjectStore s3, String uri, int rank, long seed)
      throws Exception {
    return publishAdapter(s3, uri, rank, seed, Map.of());
  }

  /** As {@link #publishAdapter(S3ObjectStore, String, int, long)}, with more lineage entries. */
  public static PublishedVersion publishAdapter(
      S3ObjectStore s3, String uri, int rank, long seed, Map<String, String> lineage)
      throws Exception {
    Random random = new Random(seed);
    Map<ModuleKey, LoraWeights> modules = new LinkedHashMap<>();
    for (int layer = 0; layer < 2; layer++) {
      for (LinearModule module : List.of(LinearModule.Q_PROJ, LinearModule.K_PROJ)) {
        int out = module == LinearModule.Q_PROJ ? 64 : 32;
        ModuleKey key = new ModuleKey(layer, module);
        modules.put(
            key,
            new LoraWeights(
                key, rank, 64, out, 2.0, floats(random, rank * 64), floats(random, out * rank)));
      }
    }
    Path dir = Files.createTempDirectory("adapter");
    PeftAdapterWriter.write(
        new LoraAdapter(
            AdapterConfig.of(rank, 2.0 * rank, List.of("q_proj", "k_proj")), modules, DType.F32),
        dir);
    S3Uri target = S3Uri.parse(uri);
    s3.ensureBucket(target.bucket());
    return new ArtifactStore(s3, RetryPolicy.defaults()).push(dir, target, lineage(seed, lineage));
  }

  private static Map<String, String> lineage(long seed, Map<String, String> more) {
    Map<String, String> all = new LinkedHashMap<>(more);
    all.put("fineTuneJob", "tune-" + seed);
    all.put("baseModelDigest", "sha256:test");
    return all;
  }

  private static float[] floats(Random random, int n) {
    float[] values = new float[n];
    for (int i = 0; i < n; i++) {
      values[i] = (float) random.nextGaussian() * 0.01f;
    }
    return values;
  }
}
