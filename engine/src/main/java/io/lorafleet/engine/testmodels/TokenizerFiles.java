package io.lorafleet.engine.testmodels;

import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a byte-level BPE {@code tokenizer.json} (GPT-2 style: ByteLevel pre-tokenizer with its
 * regex, ByteLevel decoder, merges learned from a built-in text) and a {@code
 * tokenizer_config.json} with a ChatML chat template, as the Hugging Face libraries expect them.
 */
public final class TokenizerFiles {
  public static final String END_OF_TEXT = "<|endoftext|>";
  public static final String IM_START = "<|im_start|>";
  public static final String IM_END = "<|im_end|>";
  public static final List<String> SPECIALS = List.of(END_OF_TEXT, IM_START, IM_END);

  /** Qwen2's ChatML template, shortened to what a test model needs. */
  static final String CHATML =
      "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' +"
          + " message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}"
          + "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

  private static final String CORPUS =
      """
      The quick brown fox jumps over the lazy dog. A LoRA adapter adds a low-rank update to the
      weights of a linear layer: the base model stays frozen and only two small matrices train.
      Kubernetes operators reconcile the desired state of a resource with the state of the world.
      The server loads many adapters next to one base model and batches requests that use
      different adapters together, so one pool of pods serves many fine-tuned models.
      Numbers like 1, 2, 3, 10, 42, 100 and 2024 appear in text; so do questions? Yes! And code:
      for (int i = 0; i < n; i++) { sum += x[i] * w[i]; } return sum;
      Hello, world. Hello, Lorafleet. The model is small and random; its answers mean nothing,
      but the tokens, the shapes and the arithmetic are those of a real model.
      """;

  private static final JsonMapper MAPPER =
      JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

  private TokenizerFiles() {}

  /** Writes both files; returns the tokenizer's size, which must fit in {@code maxVocab}. */
  public static int write(Path dir, int maxVocab) throws IOException {
    if (maxVocab < 256 + SPECIALS.size()) {
      throw new IllegalArgumentException(
          "a byte-level tokenizer needs a vocabulary of at least " + (256 + SPECIALS.size()));
    }
    BpeTrainer.Result bpe = BpeTrainer.train(CORPUS, maxVocab - SPECIALS.size());
    Map<String, Integer> vocab = new LinkedHashMap<>(bpe.vocab());
    List<Map<String, Object>> added = new ArrayList<>();
    for (String s : SPECIALS) {
      int id = vocab.size();
      vocab.put(s, id);
      Map<String, Object> t = new LinkedHashMap<>();
      t.put("id", id);
      t.put("content", s);
      t.put("single_word", false);
      t.put("lstrip", false);
      t.put("rstrip", false);
      t.put("normalized", false);
      t.put("special", true);
      added.add(t);
    }
    Map<String, Object> byteLevel = new LinkedHashMap<>();
    byteLevel.put("type", "ByteLevel");
    byteLevel.put("add_prefix_space", false);
    byteLevel.put("trim_offsets", true);
    byteLevel.put("use_regex", true);
    Map<String, Object> model = new LinkedHashMap<>();
    model.put("type", "BPE");
    model.put("dropout", null);
    model.put("unk_token", null);
    model.put("continuing_subword_prefix", null);
    model.put("end_of_word_suffix", null);
    model.put("fuse_unk", false);
    model.put("byte_fallback", false);
    model.put("vocab", vocab);
    model.put("merges", bpe.merges().stream().map(p -> p[0] + " " + p[1]).toList());
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("version", "1.0");
    root.put("truncation", null);
    root.put("padding", null);
    root.put("added_tokens", added);
    root.put("normalizer", null);
    root.put("pre_tokenizer", byteLevel);
    root.put("post_processor", byteLevel);
    root.put("decoder", byteLevel);
    root.put("model", model);
    MAPPER.writeValue(dir.resolve("tokenizer.json").toFile(), root);

    Map<String, Object> cfg = new LinkedHashMap<>();
    cfg.put("bos_token", null);
    cfg.put("eos_token", IM_END);
    cfg.put("pad_token", END_OF_TEXT);
    cfg.put("model_max_length", 2048);
    cfg.put("tokenizer_class", "PreTrainedTokenizerFast");
    cfg.put("chat_template", CHATML);
    Files.write(dir.resolve("tokenizer_config.json"), MAPPER.writeValueAsBytes(cfg));
    return vocab.size();
  }
}
