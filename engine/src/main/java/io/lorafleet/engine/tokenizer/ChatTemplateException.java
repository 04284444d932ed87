package io.lorafleet.engine.tokenizer;

/**
 * A conversation the model's chat template refuses or cannot render (its {@code raise_exception}, a
 * fatal template error, output too large, or rendering too slow).
 */
public final class ChatTemplateException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  ChatTemplateException(String message) {
    super(message);
  }
}
