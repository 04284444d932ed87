package io.lorafleet.engine.tokenizer;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * A {@code tokenizer.json} through the Hugging Face tokenizers library (Rust, via DJL's JNI binding
 * with the native library bundled in its jar), so ids match Python exactly. No truncation or
 * padding: the engine decides lengths itself.
 */
public final class HfTokenizer implements AutoCloseable {
  private final HuggingFaceTokenizer tokenizer;

  private HfTokenizer(HuggingFaceTokenizer tokenizer) {
    this.tokenizer = tokenizer;
  }

  /** Loads {@code tokenizer.json} from a model directory or the file itself. */
  public static HfTokenizer load(Path dirOrFile) throws IOException {
    Path file = dirOrFile.toFile().isDirectory() ? dirOrFile.resolve("tokenizer.json") : dirOrFile;
    return new HfTokenizer(
        HuggingFaceTokenizer.newInstance(
            file, Map.of("truncation", "false", "padding", "false", "addSpecialTokens", "true")));
  }

  /** Ids of {@code text}; {@code addSpecialTokens} applies the post-processor (e.g. BOS). */
  public int[] encode(String text, boolean addSpecialTokens) {
    Encoding e = tokenizer.encode(text, addSpecialTokens, false);
    long[] ids = e.getIds();
    int[] out = new int[ids.length];
    for (int i = 0; i < ids.length; i++) {
      out[i] = Math.toIntExact(ids[i]);
    }
    return out;
  }

  public String decode(int[] ids, boolean skipSpecialTokens) {
    long[] l = new long[ids.length];
    for (int i = 0; i < ids.length; i++) {
      l[i] = ids[i];
    }
    return tokenizer.decode(l, skipSpecialTokens);
  }

  @Override
  public void close() {
    tokenizer.close();
  }
}
