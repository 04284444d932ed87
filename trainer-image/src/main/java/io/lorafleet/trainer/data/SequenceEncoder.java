package io.lorafleet.trainer.data;

import io.lorafleet.engine.tokenizer.ChatMessage;
import io.lorafleet.engine.tokenizer.ChatTemplate;
import io.lorafleet.engine.tokenizer.ChatTemplateException;
import io.lorafleet.engine.tokenizer.HfTokenizer;
import io.lorafleet.engine.train.TrainingSequence;
import java.util.List;
import java.util.OptionalInt;

/**
 * Tokenizes records into {@link TrainingSequence}s with the base model's tokenizer.
 *
 * <ul>
 *   <li>prompt-completion: {@code encode(prompt, special tokens on)} then {@code encode(completion,
 *       off)} then the EOS token (when the tokenizer config names one); targets are the completion
 *       tokens and EOS, so the model learns to stop.
 *   <li>chat: the model's chat template is rendered for growing prefixes of the conversation; the
 *       text that an assistant turn adds after the generation prompt (its content and the
 *       template's end-of-turn marker) is the target, everything else (system, user, the generation
 *       prompt itself) is context. Each piece is tokenized without special tokens (the template
 *       writes BOS itself), as transformers' {@code apply_chat_template} does.
 * </ul>
 *
 * Rows longer than {@code maxSequenceLength} are invalid, not truncated (the CRD's contract).
 */
public final class SequenceEncoder {
  private final HfTokenizer tokenizer;
  private final ChatTemplate template;
  private final OptionalInt eos;
  private final int maxSequenceLength;

  /** {@code template} may be null for prompt-completion data. */
  public SequenceEncoder(
      HfTokenizer tokenizer, ChatTemplate template, OptionalInt eos, int maxSequenceLength) {
    this.tokenizer = tokenizer;
    this.template = template;
    this.eos = eos;
    this.maxSequenceLength = maxSequenceLength;
  }

  public TrainingSequence encode(DatasetRecord record) throws InvalidRecordException {
    TokenBuilder b = new TokenBuilder();
    switch (record) {
      case DatasetRecord.PromptCompletion pc -> {
        b.add(tokenizer.encode(pc.prompt(), true), false);
        b.add(tokenizer.encode(pc.completion(), false), true);
        if (eos.isPresent()) {
          b.add(new int[] {eos.getAsInt()}, true);
        }
      }
      case DatasetRecord.Chat chat -> chat(chat.messages(), b);
    }
    TrainingSequence s = b.build();
    if (s.length() > maxSequenceLength) {
      throw new InvalidRecordException(
          s.length() + " tokens, longer than maxSequenceLength " + maxSequenceLength);
    }
    if (s.targetCount() == 0) {
      throw new InvalidRecordException("no target tokens after tokenization");
    }
    return s;
  }

  private void chat(List<ChatMessage> messages, TokenBuilder b) throws InvalidRecordException {
    if (template == null) {
      throw new InvalidRecordException("the base model has no chat template");
    }
    String covered = "";
    for (int i = 0; i < messages.size(); i++) {
      if (!messages.get(i).role().equals("assistant")) {
        continue;
      }
      String prompt = render(messages.subList(0, i), true);
      String full = render(messages.subList(0, i + 1), false);
      if (!prompt.startsWith(covered) || !full.startsWith(prompt)) {
        throw new InvalidRecordException(
            "the chat template does not render messages["
                + i
                + "] as an extension of the"
                + " conversation before it, so its tokens cannot be told apart");
      }
      b.add(tokenizer.encode(prompt.substring(covered.length()), false), false);
      b.add(tokenizer.encode(full.substring(prompt.length()), false), true);
      covered = full;
    }
    String all = render(messages, false);
    if (!all.startsWith(covered)) {
      throw new InvalidRecordException("the chat template renders the conversation inconsistently");
    }
    b.add(tokenizer.encode(all.substring(covered.length()), false), false);
  }

  private String render(List<ChatMessage> messages, boolean generationPrompt)
      throws InvalidRecordException {
    if (messages.isEmpty() && !generationPrompt) {
      return "";
    }
    try {
      return template.render(messages, generationPrompt);
    } catch (ChatTemplateException e) {
      throw new InvalidRecordException(e.getMessage());
    }
  }

  /** Tokens and their loss mask; the first token never counts (it has no prefix). */
  private static final class TokenBuilder {
    private int[] tokens = new int[64];
    private boolean[] mask = new boolean[64];
    private int n;

    void add(int[] ids, boolean target) {
      if (n + ids.length > tokens.length) {
        int cap = Math.max(tokens.length * 2, n + ids.length);
        tokens = java.util.Arrays.copyOf(tokens, cap);
        mask = java.util.Arrays.copyOf(mask, cap);
      }
      for (int id : ids) {
        tokens[n] = id;
        mask[n] = target && n > 0;
        n++;
      }
    }

    TrainingSequence build() {
      return new TrainingSequence(
          java.util.Arrays.copyOf(tokens, n), java.util.Arrays.copyOf(mask, n));
    }
  }
}
