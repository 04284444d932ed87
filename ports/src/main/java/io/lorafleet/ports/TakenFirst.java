package io.lorafleet.ports;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntSupplier;

/**
 * For tests of a start that must survive a lost port race: hands out {@code taken} (a port the test
 * holds) first, then free ports from {@link LoopbackPorts}, and records every port it handed out.
 */
public final class TakenFirst implements IntSupplier {
  private final int taken;
  private final List<Integer> handedOut = new ArrayList<>();

  public TakenFirst(int taken) {
    this.taken = taken;
  }

  @Override
  public synchronized int getAsInt() {
    int port = handedOut.isEmpty() ? taken : LoopbackPorts.next();
    handedOut.add(port);
    return port;
  }

  /** The ports handed out so far, in order. */
  public synchronized List<Integer> handedOut() {
    return List.copyOf(handedOut);
  }
}
