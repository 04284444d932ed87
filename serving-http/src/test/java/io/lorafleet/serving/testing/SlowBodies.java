package io.lorafleet.serving.testing;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Loopback clients that announce a body and send it one byte per interval (slowloris on the body),
 * on one daemon thread; each stops when the server answers or closes it, or after {@code
 * maxSeconds}. Counts 408 answers.
 */
public final class SlowBodies implements AutoCloseable {
  private final List<Socket> sockets = new ArrayList<>();
  private final AtomicInteger answered408 = new AtomicInteger();
  private final AtomicInteger answeredOther = new AtomicInteger();
  private final Thread drip;
  private volatile boolean stop;

  public SlowBodies(URI base, String path, int count, long byteIntervalMs, int maxSeconds)
      throws IOException {
    String head =
        "POST "
            + path
            + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            + "Content-Length: 100000\r\n\r\n{";
    for (int i = 0; i < count; i++) {
      Socket s = new Socket();
      s.connect(new InetSocketAddress("127.0.0.1", base.getPort()), 5000);
      s.setSoTimeout(1);
      s.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
      s.getOutputStream().flush();
      sockets.add(s);
    }
    long end = System.nanoTime() + maxSeconds * 1_000_000_000L;
    drip =
        Thread.ofPlatform()
            .daemon()
            .name("slow-bodies")
            .start(
                () -> {
                  while (!stop && System.nanoTime() < end && !sockets.isEmpty()) {
                    for (Socket s : new ArrayList<>(sockets)) {
                      if (!dripOne(s)) {
                        sockets.remove(s);
                        closeQuietly(s);
                      }
                    }
                    try {
                      Thread.sleep(byteIntervalMs);
                    } catch (InterruptedException e) {
                      return;
                    }
                  }
                });
  }

  /** Sends one more body byte; false once the server answered or closed the connection. */
  private boolean dripOne(Socket s) {
    try {
      InputStream in = s.getInputStream();
      byte[] buf = new byte[64];
      int n;
      try {
        n = in.read(buf);
      } catch (SocketTimeoutException e) {
        n = 0; // nothing from the server yet
      }
      if (n < 0) {
        answeredOther.incrementAndGet();
        return false;
      }
      if (n > 0) {
        String status = new String(buf, 0, n, StandardCharsets.US_ASCII);
        (status.startsWith("HTTP/1.1 408") ? answered408 : answeredOther).incrementAndGet();
        return false;
      }
      s.getOutputStream().write(' ');
      s.getOutputStream().flush();
      return true;
    } catch (IOException e) {
      answeredOther.incrementAndGet();
      return false;
    }
  }

  public int answered408() {
    return answered408.get();
  }

  public int answeredOther() {
    return answeredOther.get();
  }

  public synchronized int open() {
    return sockets.size();
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException e) {
      // already gone
    }
  }

  @Override
  public void close() throws InterruptedException {
    stop = true;
    drip.join(10_000);
    for (Socket s : sockets) {
      closeQuietly(s);
    }
  }
}
