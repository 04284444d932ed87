package io.lorafleet.server.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lorafleet.engine.tokenizer.HfTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

/**
 * Token ids that end a generation: {@code eos_token_id} of {@code config.json} and {@code
 * generation_config.json} (a number or a list), and the {@code eos_token} of {@code
 * tokenizer_config.json} when it is a single token.
 */
final class EosTokens {
  private static final ObjectMapper JSON = new ObjectMapper();

  private EosTokens() {}

  static Set<Integer> of(Path dir, HfTokenizer tokenizer) throws IOException {
    Set<Integer> ids = new HashSet<>();
    for (String file : new String[] {"config.json", "generation_config.json"}) {
      Path p = dir.resolve(file);
      if (Files.exists(p)) {
        JsonNode eos = JSON.readTree(p.toFile()).path("eos_token_id");
        if (eos.isInt()) {
          ids.add(eos.intValue());
        } else if (eos.isArray()) {
          eos.forEach(n -> ids.add(n.intValue()));
        }
      }
    }
    Path tc = dir.resolve("tokenizer_config.json");
    if (Files.exists(tc)) {
      JsonNode eos = JSON.readTree(tc.toFile()).path("eos_token");
      String text = eos.isTextual() ? eos.textValue() : eos.path("content").asText(null);
      if (text != null) {
        int[] enc = tokenizer.encode(text, false);
        if (enc.length == 1) {
          ids.add(enc[0]);
        }
      }
    }
    return Set.copyOf(ids);
  }
}
