package io.lorafleet.router.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.AbstractVerticle;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.RequestOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A request to a pod uses a connection that lives on the request's own event loop, so the answer's
 * chunks reach the client without a hop between threads (before, Vert.x's shared pool handed the
 * most recently used idle connection to any caller, and each chunk of the answer was queued over to
 * the caller's loop: under load a scheduling turn per chunk, bursts at the client). Connections are
 * still kept alive and reused on their own loop.
 */
class UpstreamClientsTest {
  private Vertx vertx;
  private HttpServer pod;
  private final List<Integer> clientPorts = new ArrayList<>();

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
    pod =
        vertx
            .createHttpServer()
            .requestHandler(
                req -> {
                  synchronized (clientPorts) {
                    clientPorts.add(req.remoteAddress().port());
                  }
                  req.response().end("ok");
                })
            .listen(0, "127.0.0.1")
            .toCompletionStage()
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() {
    vertx.close().toCompletionStage().toCompletableFuture().join();
  }

  /** A new event-loop context (each verticle gets the next loop). */
  private Context contextOnALoop() throws Exception {
    CompletableFuture<Context> c = new CompletableFuture<>();
    vertx.deployVerticle(
        new AbstractVerticle() {
          @Override
          public void start() {
            c.complete(context);
          }
        });
    return c.get(10, TimeUnit.SECONDS);
  }

  /** One request made on {@code loop}; completes with the thread that handled the answer. */
  private String call(UpstreamClients clients, Context loop) throws Exception {
    CompletableFuture<String> done = new CompletableFuture<>();
    loop.runOnContext(
        v ->
            clients
                .current()
                .request(
                    new RequestOptions()
                        .setMethod(HttpMethod.GET)
                        .setHost("127.0.0.1")
                        .setPort(pod.actualPort())
                        .setURI("/"))
                .compose(req -> req.send().compose(resp -> resp.body()))
                .onComplete(
                    ar -> {
                      if (ar.failed()) {
                        done.completeExceptionally(ar.cause());
                      } else {
                        done.complete(Thread.currentThread().getName());
                      }
                    }));
    return done.get(10, TimeUnit.SECONDS);
  }

  @Test
  void aRequestUsesAConnectionOnItsOwnEventLoopAndReusesIt() throws Exception {
    UpstreamClients clients =
        new UpstreamClients(vertx, new HttpClientOptions().setKeepAlive(true));
    Context first = contextOnALoop();
    Context second = contextOnALoop(); // Vert.x hands out its two loops in turn
    String firstThread = call(clients, first);
    String secondThread = call(clients, second);
    assertThat(secondThread).as("two contexts on two loops").isNotEqualTo(firstThread);
    call(clients, first);
    call(clients, second);

    synchronized (clientPorts) {
      assertThat(clientPorts).hasSize(4);
      assertThat(clientPorts.get(1))
          .as("the second loop's request does not borrow the first loop's idle connection")
          .isNotEqualTo(clientPorts.get(0));
      assertThat(clientPorts.get(2))
          .as("kept alive on the first loop")
          .isEqualTo(clientPorts.get(0));
      assertThat(clientPorts.get(3))
          .as("kept alive on the second loop")
          .isEqualTo(clientPorts.get(1));
    }
  }
}
