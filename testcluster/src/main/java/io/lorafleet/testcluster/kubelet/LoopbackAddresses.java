package io.lorafleet.testcluster.kubelet;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Distinct loopback addresses for pods and Services. Linux routes all of 127.0.0.0/8 to lo, so a
 * process can bind 127.R.x.y without any setup. Each JVM draws its own R (16-239) so that test JVMs
 * running side by side rarely pick the same addresses; within a JVM an address is never reused.
 */
public final class LoopbackAddresses {
  private static final int PREFIX = 16 + ThreadLocalRandom.current().nextInt(224);
  private static final AtomicInteger NEXT = new AtomicInteger(1);

  private LoopbackAddresses() {}

  /** A fresh address 127.R.x.y, y in 1..254. */
  public static String next() {
    int n = NEXT.getAndIncrement();
    int x = n / 254;
    int y = n % 254 + 1;
    if (x > 255) {
      throw new IllegalStateException("loopback addresses of 127." + PREFIX + ".0.0/16 spent");
    }
    return "127." + PREFIX + "." + x + "." + y;
  }
}
