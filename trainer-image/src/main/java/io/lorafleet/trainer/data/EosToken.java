package io.lorafleet.trainer.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.lorafleet.engine.tokenizer.HfTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;

/** What the encoder needs from a model directory besides the tokenizer: the EOS token id. */
public final class EosToken {
  private static final JsonMapper JSON = new JsonMapper();

  private EosToken() {}

  /**
   * The id of {@code eos_token} of {@code tokenizer_config.json} (a string or an AddedToken
   * object), when it names exactly one token; empty otherwise (no EOS is appended then).
   */
  public static OptionalInt of(Path modelDir, HfTokenizer tokenizer) throws IOException {
    Path cfg = modelDir.resolve("tokenizer_config.json");
    if (!Files.isRegularFile(cfg)) {
      return OptionalInt.empty();
    }
    JsonNode eos = JSON.readTree(cfg.toFile()).get("eos_token");
    String text =
        eos == null ? null : eos.isTextual() ? eos.textValue() : eos.path("content").textValue();
    if (text == null || text.isEmpty()) {
      return OptionalInt.empty();
    }
    int[] ids = tokenizer.encode(text, false);
    return ids.length == 1 ? OptionalInt.of(ids[0]) : OptionalInt.empty();
  }
}
