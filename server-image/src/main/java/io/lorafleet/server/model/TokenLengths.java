package io.lorafleet.server.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The longest piece in a {@code tokenizer.json} (vocabulary and added tokens), in chars. No token
 * stands for more input than its piece spells (byte-level BPE spells one char per byte, and a
 * metaspace one char per space), so a text longer than context x longest piece cannot fit the
 * context, and the server refuses it without tokenizing it.
 */
public final class TokenLengths {
  private static final JsonMapper MAPPER = new JsonMapper();

  private TokenLengths() {}

  public static int longestPiece(Path modelDir) throws IOException {
    Path file = modelDir.resolve("tokenizer.json");
    if (!Files.isRegularFile(file)) {
      throw new IOException(modelDir + " has no tokenizer.json");
    }
    JsonNode root = MAPPER.readTree(file.toFile());
    int longest = 1;
    JsonNode vocab = root.path("model").path("vocab");
    if (vocab.isObject()) {
      for (var it = vocab.fieldNames(); it.hasNext(); ) {
        longest = Math.max(longest, it.next().length());
      }
    } else if (vocab.isArray()) { // Unigram: [[piece, score], ...]
      for (JsonNode entry : vocab) {
        longest = Math.max(longest, entry.path(0).asText().length());
      }
    }
    for (JsonNode added : root.path("added_tokens")) {
      longest = Math.max(longest, added.path("content").asText().length());
    }
    return longest;
  }
}
