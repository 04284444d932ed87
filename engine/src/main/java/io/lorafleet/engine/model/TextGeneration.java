package io.lorafleet.engine.model;

import io.lorafleet.engine.backend.PagedKvCache;
import io.lorafleet.engine.lora.AdapterTable;
import io.lorafleet.engine.tokenizer.ChatMessage;
import io.lorafleet.engine.tokenizer.ChatTemplate;
import io.lorafleet.engine.tokenizer.HfTokenizer;
import java.util.ArrayList;
import java.util.List;

/**
 * Text in, text out: renders a conversation with the model's chat template, tokenizes it, runs the
 * {@link Generator} with each request's adapter (by name; null = base model) and decodes.
 */
public final class TextGeneration {
  /** A conversation for one adapter (null = base model) and its sampling. */
  public record Request(List<ChatMessage> messages, String adapter, SamplingParams params) {}

  /** The decoded text, its token ids and why generation stopped. */
  public record Reply(String text, int[] tokens, GenerationResult.FinishReason reason) {}

  private final LlamaModel model;
  private final HfTokenizer tokenizer;
  private final ChatTemplate template;

  public TextGeneration(LlamaModel model, HfTokenizer tokenizer, ChatTemplate template) {
    this.model = model;
    this.tokenizer = tokenizer;
    this.template = template;
  }

  /** Runs all requests as one batch against {@code adapters} and a cache of {@code blocks}. */
  public List<Reply> chat(List<Request> requests, AdapterTable adapters, PagedKvCache cache) {
    List<GenerationRequest> batch = new ArrayList<>();
    for (Request r : requests) {
      int slot = r.adapter() == null ? -1 : adapters.slotOf(r.adapter());
      if (r.adapter() != null && slot < 0) {
        throw new IllegalArgumentException("adapter " + r.adapter() + " is not loaded");
      }
      // The template writes the special tokens itself, so the tokenizer adds none.
      int[] prompt = tokenizer.encode(template.render(r.messages(), true), false);
      batch.add(new GenerationRequest(prompt, slot, r.params()));
    }
    List<GenerationResult> results = new Generator(model, adapters, cache).generate(batch);
    List<Reply> replies = new ArrayList<>();
    for (GenerationResult g : results) {
      replies.add(new Reply(tokenizer.decode(g.tokens(), true), g.tokens(), g.reason()));
    }
    return replies;
  }
}
