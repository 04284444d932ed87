package io.lorafleet.bench.serving;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The requests of one run: a fixed prompt length and output length, the adapter of each request
 * drawn from a Zipf distribution (exponent 1) over {@code adapters} adapters (-1 = base model).
 */
record ServingWorkload(List<Request> requests, int promptTokens, int maxTokens) {

  /** Adapter index (-1 = base model) and prompt token ids. */
  record Request(int adapter, int[] prompt) {}

  static ServingWorkload of(
      int count, int adapters, int promptTokens, int maxTokens, int vocab, long seed) {
    Random rnd = new Random(seed);
    double[] cdf = zipf(Math.max(1, adapters));
    List<Request> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      int[] prompt = new int[promptTokens];
      for (int t = 0; t < promptTokens; t++) {
        prompt[t] = 1 + rnd.nextInt(vocab - 1);
      }
      out.add(new Request(adapters == 0 ? -1 : sample(cdf, rnd.nextDouble()), prompt));
    }
    return new ServingWorkload(out, promptTokens, maxTokens);
  }

  /** Distinct adapters the requests use. */
  long distinctAdapters() {
    return requests.stream().mapToInt(Request::adapter).filter(a -> a >= 0).distinct().count();
  }

  private static double[] zipf(int n) {
    double[] cdf = new double[n];
    double sum = 0;
    for (int k = 1; k <= n; k++) {
      sum += 1.0 / k;
      cdf[k - 1] = sum;
    }
    for (int k = 0; k < n; k++) {
      cdf[k] /= sum;
    }
    return cdf;
  }

  private static int sample(double[] cdf, double u) {
    int lo = 0;
    int hi = cdf.length - 1;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (cdf[mid] < u) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }
}
