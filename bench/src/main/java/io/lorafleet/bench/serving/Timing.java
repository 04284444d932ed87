package io.lorafleet.bench.serving;

import java.util.Arrays;

/** When a request arrived and when each of its tokens came out (nanoTime). */
final class Timing {
  final long arrival;
  private long[] tokens = new long[32];
  private int count;

  Timing(long arrival) {
    this.arrival = arrival;
  }

  void token(long at) {
    if (count == tokens.length) {
      tokens = Arrays.copyOf(tokens, count * 2);
    }
    tokens[count++] = at;
  }

  int count() {
    return count;
  }

  long first() {
    return tokens[0];
  }

  long last() {
    return tokens[count - 1];
  }

  long at(int i) {
    return tokens[i];
  }
}
