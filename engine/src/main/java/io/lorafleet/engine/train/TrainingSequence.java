package io.lorafleet.engine.train;

/**
 * One training row: token ids and which positions are targets. {@code lossMask[i]} true means the
 * model's prediction of {@code tokens[i]} from {@code tokens[0..i-1]} counts in the loss
 * (completion tokens); prompt tokens are false. {@code lossMask[0]} is always false.
 */
public record TrainingSequence(int[] tokens, boolean[] lossMask) {
  public TrainingSequence {
    if (tokens.length != lossMask.length) {
      throw new IllegalArgumentException(
          "tokens has " + tokens.length + " entries, lossMask " + lossMask.length);
    }
    if (tokens.length > 0 && lossMask[0]) {
      throw new IllegalArgumentException("the first token has no prefix and cannot be a target");
    }
  }

  public int length() {
    return tokens.length;
  }

  public int targetCount() {
    int n = 0;
    for (boolean b : lossMask) {
      n += b ? 1 : 0;
    }
    return n;
  }
}
