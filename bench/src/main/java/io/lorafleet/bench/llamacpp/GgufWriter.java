package io.lorafleet.bench.llamacpp;

import io.lorafleet.artifacts.hf.LinearModule;
import io.lorafleet.artifacts.hf.ModelConfig;
import io.lorafleet.artifacts.peft.LoraAdapter;
import io.lorafleet.artifacts.peft.LoraWeights;
import io.lorafleet.artifacts.safetensors.DType;
import io.lorafleet.engine.backend.Q8Blocks;
import io.lorafleet.engine.backend.Weights;
import io.lorafleet.engine.model.LayerWeights;
import io.lorafleet.engine.model.ModelWeights;
import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a Llama-family model as a GGUF v3 file for llama.cpp's {@code llama} architecture: the
 * same weights as the engine holds them (fp32, bf16, or its int8 blocks as Q8_0, byte for byte),
 * with q and k rows reordered from HF's half-split rotary layout to llama.cpp's interleaved one
 * ({@link RotaryRows}), and a byte-level GPT-2 vocabulary of placeholder tokens (the benchmark
 * feeds token ids, never text). Only what llama.cpp reads is written; no bias tensors (Qwen2 is not
 * supported here).
 */
public final class GgufWriter {
  static final int ALIGNMENT = 32;

  // GGUF metadata value types and ggml tensor types (ggml.h / gguf.h).
  static final int T_UINT32 = 4;
  static final int T_INT32 = 5;
  static final int T_FLOAT32 = 6;
  static final int T_STRING = 8;
  static final int T_ARRAY = 9;
  static final int GGML_F32 = 0;
  static final int GGML_Q8_0 = 8;
  static final int GGML_BF16 = 30;

  private GgufWriter() {}

  /** One tensor: name, ggml dims (innermost first), type and its data. */
  record TensorEntry(String name, long[] dims, int type, Payload data) {}

  /** A tensor's data, written in ggml order. */
  @FunctionalInterface
  interface Payload {
    void write(DataOutputStream out) throws IOException;
  }

  /** Writes the base model; {@code name} goes into {@code general.name}. */
  public static void writeModel(ModelConfig c, ModelWeights w, String name, Path file)
      throws IOException {
    if (c.attentionBias() || c.mlpBias()) {
      throw new IllegalArgumentException("biased linear layers are not written to GGUF here");
    }
    Map<String, Object> kv = new LinkedHashMap<>();
    kv.put("general.architecture", "llama");
    kv.put("general.name", name);
    kv.put("general.alignment", new U32(ALIGNMENT));
    kv.put("llama.context_length", new U32(c.maxPositionEmbeddings()));
    kv.put("llama.embedding_length", new U32(c.hiddenSize()));
    kv.put("llama.block_count", new U32(c.numHiddenLayers()));
    kv.put("llama.feed_forward_length", new U32(c.intermediateSize()));
    kv.put("llama.rope.dimension_count", new U32(c.headDim()));
    kv.put("llama.attention.head_count", new U32(c.numAttentionHeads()));
    kv.put("llama.attention.head_count_kv", new U32(c.numKeyValueHeads()));
    kv.put("llama.attention.key_length", new U32(c.headDim()));
    kv.put("llama.attention.value_length", new U32(c.headDim()));
    kv.put("llama.attention.layer_norm_rms_epsilon", (float) c.rmsNormEps());
    kv.put("llama.rope.freq_base", (float) c.ropeTheta());
    kv.put("llama.vocab_size", new U32(c.vocabSize()));
    kv.put("tokenizer.ggml.model", "gpt2");
    kv.put("tokenizer.ggml.tokens", PlaceholderVocab.tokens(c.vocabSize()));
    kv.put("tokenizer.ggml.token_type", new I32s(PlaceholderVocab.types(c.vocabSize())));
    kv.put("tokenizer.ggml.merges", List.<String>of());
    kv.put("tokenizer.ggml.bos_token_id", new U32(0));
    kv.put("tokenizer.ggml.eos_token_id", new U32(1));

    List<TensorEntry> t = new ArrayList<>();
    t.add(matrix("token_embd.weight", w.embedTokens(), 0));
    for (int l = 0; l < c.numHiddenLayers(); l++) {
      LayerWeights lw = w.layers().get(l);
      String p = "blk." + l + ".";
      t.add(vector(p + "attn_norm.weight", lw.inputNorm()));
      t.add(matrix(p + "attn_q.weight", lw.q(), c.numAttentionHeads()));
      t.add(matrix(p + "attn_k.weight", lw.k(), c.numKeyValueHeads()));
      t.add(matrix(p + "attn_v.weight", lw.v(), 0));
      t.add(matrix(p + "attn_output.weight", lw.o(), 0));
      t.add(vector(p + "ffn_norm.weight", lw.postAttentionNorm()));
      t.add(matrix(p + "ffn_gate.weight", lw.gate(), 0));
      t.add(matrix(p + "ffn_up.weight", lw.up(), 0));
      t.add(matrix(p + "ffn_down.weight", lw.down(), 0));
    }
    t.add(vector("output_norm.weight", w.finalNorm()));
    if (w.lmHead() != w.embedTokens()) {
      t.add(matrix("output.weight", w.lmHead(), 0));
    }
    write(kv, t, file);
  }

  /**
   * Writes a LoRA adapter in llama.cpp's GGUF adapter form: per module {@code .lora_a} [r, in] and
   * {@code .lora_b} [out, r] in fp32, q/k B rows reordered like the base weights' rows. Each
   * module's PEFT scale (alpha/r, rsLoRA, alpha patterns) is folded into its B and {@code
   * adapter.lora.alpha} is 0, which llama.cpp reads as "scale 1", so every module keeps its own
   * scale exactly.
   */
  public static void writeAdapter(ModelConfig c, LoraAdapter adapter, Path file)
      throws IOException {
    Map<String, Object> kv = new LinkedHashMap<>();
    kv.put("general.architecture", "llama");
    kv.put("general.type", "adapter");
    kv.put("general.alignment", new U32(ALIGNMENT));
    kv.put("adapter.type", "lora");
    kv.put("adapter.lora.alpha", 0f);
    List<TensorEntry> t = new ArrayList<>();
    for (LoraWeights m : adapter.modules().values()) {
      if (m.key().module() == LinearModule.LM_HEAD) {
        throw new IllegalArgumentException("an lm_head adapter is not written to GGUF here");
      }
      String base = "blk." + m.key().layer() + "." + ggufName(m.key().module());
      float[] b = new float[m.b().length];
      for (int i = 0; i < b.length; i++) {
        b[i] = (float) (m.b()[i] * m.scale());
      }
      int heads =
          m.key().module() == LinearModule.Q_PROJ
              ? c.numAttentionHeads()
              : m.key().module() == LinearModule.K_PROJ ? c.numKeyValueHeads() : 0;
      float[] bRows = heads == 0 ? b : RotaryRows.permute(b, m.out(), m.rank(), heads);
      t.add(f32(base + ".weight.lora_a", m.in(), m.rank(), m.a()));
      t.add(f32(base + ".weight.lora_b", m.rank(), m.out(), bRows));
    }
    write(kv, t, file);
  }

  static String ggufName(LinearModule m) {
    return switch (m) {
      case Q_PROJ -> "attn_q";
      case K_PROJ -> "attn_k";
      case V_PROJ -> "attn_v";
      case O_PROJ -> "attn_output";
      case GATE_PROJ -> "ffn_gate";
      case UP_PROJ -> "ffn_up";
      case DOWN_PROJ -> "ffn_down";
      case LM_HEAD -> "output";
    };
  }

  private static TensorEntry vector(String name, float[] v) {
    return f32(name, v.length, 1, v);
  }

  private static TensorEntry f32(String name, long ne0, long ne1, float[] v) {
    long[] dims =
        ne1 == 1 && name.endsWith("norm.weight") ? new long[] {ne0} : new long[] {ne0, ne1};
    return new TensorEntry(
        name,
        dims,
        GGML_F32,
        out -> {
          for (float f : v) {
            out.writeInt(Integer.reverseBytes(Float.floatToRawIntBits(f)));
          }
        });
  }

  /** A weight matrix; {@code rotaryHeads > 0} reorders its rows for llama.cpp's rope. */
  private static TensorEntry matrix(String name, Weights w, int rotaryHeads) {
    int rows = w.rows();
    int cols = w.cols();
    int[] order = rotaryHeads == 0 ? null : RotaryRows.sourceRows(rows, rotaryHeads);
    long[] dims = {cols, rows};
    DType d = w.dtype();
    return switch (d) {
      case F32 ->
          new TensorEntry(
              name,
              dims,
              GGML_F32,
              out -> {
                float[] v = w.f32();
                for (int r = 0; r < rows; r++) {
                  int src = (order == null ? r : order[r]) * cols;
                  for (int i = 0; i < cols; i++) {
                    out.writeInt(Integer.reverseBytes(Float.floatToRawIntBits(v[src + i])));
                  }
                }
              });
      case BF16 ->
          new TensorEntry(
              name,
              dims,
              GGML_BF16,
              out -> {
                short[] v = w.bf16();
                for (int r = 0; r < rows; r++) {
                  int src = (order == null ? r : order[r]) * cols;
                  for (int i = 0; i < cols; i++) {
                    out.writeShort(Short.reverseBytes(v[src + i]));
                  }
                }
              });
      case I8 ->
          new TensorEntry(
              name,
              dims,
              GGML_Q8_0,
              out -> {
                byte[] q = w.q8();
                float[] s = w.q8Scales();
                int blocks = cols / Q8Blocks.BLOCK;
                for (int r = 0; r < rows; r++) {
                  int src = (order == null ? r : order[r]) * cols;
                  for (int b = 0; b < blocks; b++) {
                    int at = src + b * Q8Blocks.BLOCK;
                    out.writeShort(
                        Short.reverseBytes(Float.floatToFloat16(s[at / Q8Blocks.BLOCK])));
                    out.write(q, at, Q8Blocks.BLOCK);
                  }
                }
              });
      default -> throw new IllegalArgumentException(name + ": cannot write " + d + " to GGUF");
    };
  }

  static long byteSize(TensorEntry t) {
    long n = 1;
    for (long d : t.dims()) {
      n *= d;
    }
    return switch (t.type()) {
      case GGML_F32 -> 4 * n;
      case GGML_BF16 -> 2 * n;
      case GGML_Q8_0 -> n / Q8Blocks.BLOCK * (2 + Q8Blocks.BLOCK);
      default -> throw new IllegalStateException("type " + t.type());
    };
  }

  private static void write(Map<String, Object> kv, List<TensorEntry> tensors, Path file)
      throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    Path tmp = file.resolveSibling(file.getFileName() + ".part");
    try (OutputStream os = Files.newOutputStream(tmp);
        CountingOut counting = new CountingOut(new BufferedOutputStream(os, 1 << 20));
        DataOutputStream out = new DataOutputStream(counting)) {
      out.write(new byte[] {'G', 'G', 'U', 'F'});
      out.writeInt(Integer.reverseBytes(3));
      out.writeLong(Long.reverseBytes(tensors.size()));
      out.writeLong(Long.reverseBytes(kv.size()));
      for (Map.Entry<String, Object> e : kv.entrySet()) {
        string(out, e.getKey());
        value(out, e.getValue());
      }
      long offset = 0;
      for (TensorEntry t : tensors) {
        string(out, t.name());
        out.writeInt(Integer.reverseBytes(t.dims().length));
        for (long d : t.dims()) {
          out.writeLong(Long.reverseBytes(d));
        }
        out.writeInt(Integer.reverseBytes(t.type()));
        out.writeLong(Long.reverseBytes(offset));
        offset = align(offset + byteSize(t));
      }
      pad(out, counting.count());
      long dataStart = counting.count();
      for (TensorEntry t : tensors) {
        t.data().write(out);
        out.flush();
        pad(out, counting.count() - dataStart);
      }
    }
    Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
  }

  private static long align(long n) {
    return (n + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
  }

  private static void pad(DataOutputStream out, long at) throws IOException {
    out.flush();
    out.write(new byte[(int) (align(at) - at)]);
  }

  private static void string(DataOutputStream out, String s) throws IOException {
    byte[] b = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    out.writeLong(Long.reverseBytes(b.length));
    out.write(b);
  }

  private static void value(DataOutputStream out, Object v) throws IOException {
    switch (v) {
      case String s -> {
        out.writeInt(Integer.reverseBytes(T_STRING));
        string(out, s);
      }
      case U32 u -> {
        out.writeInt(Integer.reverseBytes(T_UINT32));
        out.writeInt(Integer.reverseBytes(u.value()));
      }
      case Float f -> {
        out.writeInt(Integer.reverseBytes(T_FLOAT32));
        out.writeInt(Integer.reverseBytes(Float.floatToRawIntBits(f)));
      }
      case I32s a -> {
        out.writeInt(Integer.reverseBytes(T_ARRAY));
        out.writeInt(Integer.reverseBytes(T_INT32));
        out.writeLong(Long.reverseBytes(a.values().length));
        for (int x : a.values()) {
          out.writeInt(Integer.reverseBytes(x));
        }
      }
      case List<?> l -> {
        out.writeInt(Integer.reverseBytes(T_ARRAY));
        out.writeInt(Integer.reverseBytes(T_STRING));
        out.writeLong(Long.reverseBytes(l.size()));
        for (Object s : l) {
          string(out, (String) s);
        }
      }
      default -> throw new IllegalArgumentException("no GGUF type for " + v.getClass());
    }
  }

  record U32(int value) {}

  record I32s(int[] values) {}

  /** Counts bytes written, for offsets and padding. */
  private static final class CountingOut extends java.io.FilterOutputStream {
    private long count;

    CountingOut(OutputStream out) {
      super(out);
    }

    @Override
    public void write(int b) throws IOException {
      out.write(b);
      count++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
      count += len;
    }

    long count() {
      return count;
    }
  }
}
