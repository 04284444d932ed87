package io.lorafleet.server.testing;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;

/** One HTTP/1.1 request on a plain loopback socket, so a test can hang up whenever it likes. */
public final class RawClient implements AutoCloseable {
  private final Socket socket;

  public RawClient(URI base, String path, String jsonBody) throws IOException {
    socket = new Socket();
    socket.connect(new InetSocketAddress("127.0.0.1", base.getPort()), 5000);
    socket.setSoTimeout(30_000);
    byte[] body = jsonBody.getBytes(StandardCharsets.UTF_8);
    String head =
        "POST "
            + path
            + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: "
            + body.length
            + "\r\n\r\n";
    socket.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
    socket.getOutputStream().write(body);
    socket.getOutputStream().flush();
  }

  /** Reads until {@code marker} has been seen (e.g. the first {@code data:} of a stream). */
  public void readUntil(String marker) throws IOException {
    InputStream in = socket.getInputStream();
    StringBuilder seen = new StringBuilder();
    byte[] buf = new byte[512];
    while (seen.indexOf(marker) < 0) {
      int n = in.read(buf);
      if (n < 0) {
        throw new IOException("connection closed before " + marker + ": " + seen);
      }
      seen.append(new String(buf, 0, n, StandardCharsets.UTF_8));
    }
  }

  /** Hangs up without reading the rest. */
  @Override
  public void close() throws IOException {
    socket.close();
  }
}
