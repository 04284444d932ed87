package io.lorafleet.router.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * A pod on loopback whose base model has the name a client chooses to attack the logs with, and
 * whose streams break after their first event (the connection closed without the last chunk): the
 * router then logs the model name of the broken stream. Raw sockets, because an HTTP server library
 * always ends a chunked body cleanly; every answer closes its connection.
 */
public final class BreakingPod implements AutoCloseable {
  private final ServerSocket server;
  private final String state;

  public BreakingPod(String baseModel) throws IOException {
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    this.state =
        Client.JSON
            .createObjectNode()
            .put("version", 1)
            .put("base_model", baseModel)
            .put("ready", true)
            .put("max_running", 4)
            .put("running", 0)
            .put("waiting", 0)
            .toString();
    Thread.ofVirtual().name("breaking-pod").start(this::accept);
  }

  public String url() {
    return "http://127.0.0.1:" + server.getLocalPort();
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket s = server.accept();
        Thread.ofVirtual().start(() -> serve(s));
      } catch (IOException e) {
        return; // closed
      }
    }
  }

  private void serve(Socket s) {
    try (s) {
      InputStream in = s.getInputStream();
      String head = readHead(in);
      int length = contentLength(head);
      in.readNBytes(Math.max(0, length));
      OutputStream out = s.getOutputStream();
      if (head.startsWith("GET /v1/pod/state")) {
        if (head.contains("since=")) {
          Thread.sleep(300); // a long poll with nothing new
        }
        byte[] b = state.getBytes(StandardCharsets.UTF_8);
        out.write(
            ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
                    + "Content-Length: "
                    + b.length
                    + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.write(b);
        out.flush();
        return;
      }
      String event = "data: {\"choices\":[{\"index\":0,\"text\":\"a\"}]}\n\n";
      out.write(
          ("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n"
                  + "Connection: close\r\n\r\n"
                  + Integer.toHexString(event.length())
                  + "\r\n"
                  + event
                  + "\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      Thread.sleep(200); // the first event reaches the client; then the pod "dies"
      s.setSoLinger(true, 0); // reset, no last chunk
    } catch (IOException | InterruptedException e) {
      // the router hung up
    }
  }

  private static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    for (int c; matched < 4 && (c = in.read()) >= 0; ) {
      head.write(c);
      matched = (c == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : (c == '\r' ? 1 : 0);
    }
    return head.toString(StandardCharsets.US_ASCII);
  }

  private static int contentLength(String head) {
    for (String line : head.split("\r\n")) {
      if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
        return Integer.parseInt(line.substring(15).trim());
      }
    }
    return 0;
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
