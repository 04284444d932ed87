package io.lorafleet.trainer.data;

import io.lorafleet.engine.tokenizer.ChatMessage;
import java.util.List;

/** One JSONL record in one of the two formats. */
public sealed interface DatasetRecord {
  /** {@code {"prompt": "...", "completion": "..."}}: loss on the completion. */
  record PromptCompletion(String prompt, String completion) implements DatasetRecord {}

  /** {@code {"messages": [{"role", "content"}...]}}: loss on the assistant turns. */
  record Chat(List<ChatMessage> messages) implements DatasetRecord {}
}
