package io.lorafleet.router.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/** One request written byte for byte on a fresh socket, for what HTTP clients refuse to send. */
public final class RawHttp {
  private RawHttp() {}

  /** Sends {@code request} and reads until the answer is complete, closed, or 5 s pass. */
  public static String exchange(int port, byte[] request) throws IOException {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
      s.setSoTimeout(5000);
      s.getOutputStream().write(request);
      s.getOutputStream().flush();
      InputStream in = s.getInputStream();
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      byte[] buf = new byte[4096];
      try {
        for (int n; (n = in.read(buf)) >= 0; ) {
          out.write(buf, 0, n);
          String text = out.toString(StandardCharsets.UTF_8);
          int head = text.indexOf("\r\n\r\n");
          if (head >= 0 && complete(text, head)) {
            break;
          }
        }
      } catch (SocketTimeoutException | java.net.SocketException e) {
        // whatever arrived is the answer
      }
      return out.toString(StandardCharsets.UTF_8);
    }
  }

  public static String exchange(int port, String request) throws IOException {
    return exchange(port, request.getBytes(StandardCharsets.UTF_8));
  }

  /** The body of a raw answer. */
  public static String body(String response) {
    int head = response.indexOf("\r\n\r\n");
    return head < 0 ? "" : response.substring(head + 4);
  }

  private static boolean complete(String text, int head) {
    for (String line : text.substring(0, head).split("\r\n")) {
      if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
        int length = Integer.parseInt(line.substring(15).trim());
        return text.getBytes(StandardCharsets.UTF_8).length >= head + 4 + length;
      }
    }
    return false;
  }
}
