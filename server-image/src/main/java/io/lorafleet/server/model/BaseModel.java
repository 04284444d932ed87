package io.lorafleet.server.model;

import io.lorafleet.artifacts.hf.ModelConfig;
import io.lorafleet.engine.model.LlamaModel;
import io.lorafleet.engine.tokenizer.ChatTemplate;
import io.lorafleet.engine.tokenizer.HfTokenizer;
import java.nio.file.Path;
import java.util.Set;

/**
 * The loaded base model with what serving needs around it: tokenizer, chat template (null when the
 * model has none), the token ids that end a generation, the name clients call it by, and the
 * longest token piece of the vocabulary (bounds a prompt's length before tokenization).
 */
public record BaseModel(
    String name,
    Path dir,
    String source,
    LlamaModel model,
    HfTokenizer tokenizer,
    ChatTemplate chatTemplate,
    Set<Integer> eosTokens,
    long created,
    int longestTokenPiece) {

  public ModelConfig config() {
    return model.config();
  }
}
