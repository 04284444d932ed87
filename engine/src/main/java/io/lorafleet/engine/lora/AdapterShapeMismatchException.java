package io.lorafleet.engine.lora;

/** An adapter whose module shapes or layers do not fit the base model it is loaded against. */
public final class AdapterShapeMismatchException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  AdapterShapeMismatchException(String message) {
    super(message);
  }
}
