package io.lorafleet.bench.routing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A peer proxy for the router's added latency: nginx (from the machine, {@code apt-get install
 * nginx-light}) as a plain streaming reverse proxy in front of the same pods, round robin, with
 * kept-alive upstream connections and no buffering either way: what a proxy that does no routing at
 * all adds on this machine. Its workers as many as the router's event loops (2).
 */
final class NginxPeer implements AutoCloseable {
  private final Process process;
  private final URI uri;

  private NginxPeer(Process process, URI uri) {
    this.process = process;
    this.uri = uri;
  }

  static NginxPeer start(Path dir, List<URI> pods) throws IOException, InterruptedException {
    Files.createDirectories(dir.resolve("temp"));
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    String upstreams =
        pods.stream()
            .map(p -> "    server " + p.getHost() + ":" + p.getPort() + ";")
            .collect(Collectors.joining("\n"));
    Path conf = dir.resolve("nginx.conf");
    Files.writeString(
        conf,
        """
        daemon off;
        worker_processes 2;
        pid %1$s/nginx.pid;
        error_log %1$s/error.log warn;
        events { worker_connections 4096; }
        http {
          access_log off;
          client_body_temp_path %1$s/temp/body;
          proxy_temp_path %1$s/temp/proxy;
          fastcgi_temp_path %1$s/temp/fastcgi;
          uwsgi_temp_path %1$s/temp/uwsgi;
          scgi_temp_path %1$s/temp/scgi;
          upstream pods {
        %2$s
            keepalive 512;
          }
          server {
            listen 127.0.0.1:%3$d;
            location / {
              proxy_pass http://pods;
              proxy_http_version 1.1;
              proxy_set_header Connection "";
              proxy_buffering off;
              proxy_request_buffering off;
              tcp_nodelay on;
            }
          }
        }
        """
            .formatted(dir, upstreams, port));
    Process process =
        new ProcessBuilder("nginx", "-p", dir.toString(), "-c", conf.toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("nginx.out").toFile())
            .start();
    Instant deadline = Instant.now().plus(Duration.ofSeconds(10));
    while (true) {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
        break;
      } catch (IOException notYet) {
        if (!process.isAlive() || Instant.now().isAfter(deadline)) {
          process.destroyForcibly();
          throw new IOException(
              "nginx did not start (is it installed? apt-get install nginx-light): "
                  + Files.readString(dir.resolve("nginx.out")));
        }
        Thread.sleep(50);
      }
    }
    return new NginxPeer(process, URI.create("http://127.0.0.1:" + port));
  }

  URI uri() {
    return uri;
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }
}
