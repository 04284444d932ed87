package io.lorafleet.router.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.lorafleet.router.testing.BarrierPodResource;
import io.lorafleet.router.testing.Client;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * 128 streams at once through the router all reach the pod together: nothing between client and pod
 * (the router's connection pool per pod and event loop, its dispatcher, the server's accept queue)
 * runs fewer at a time. The pod holds every stream until all 128 are open, so a cap below 128
 * anywhere shows as a lower count of streams open at once at the pod (and clients held until the
 * pod's 30 s deadline), not as a timing. A guard written with the profile of issue 18: the router
 * had no such cap before either; what made 128 streams slow was CPU, see bench/routing.md.
 */
@QuarkusTest
@WithTestResource(BarrierPodResource.class)
class ConcurrentStreamsTest {
  @TestHTTPResource("/")
  URI url;

  @Test
  void allStreamsReachThePodAtOnce() throws Exception {
    HttpClient http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1) // one connection per stream, as OpenAI clients
            .build();
    awaitRoutable(http);
    int n = BarrierPodResource.STREAMS;
    List<Future<HttpResponse<String>>> answers = new ArrayList<>();
    try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int i = 0; i < n; i++) {
        answers.add(
            clients.submit(
                () ->
                    http.send(
                        HttpRequest.newBuilder(url.resolve("/v1/completions"))
                            .timeout(Duration.ofSeconds(90))
                            .header("Content-Type", "application/json")
                            .POST(
                                HttpRequest.BodyPublishers.ofString(
                                    Client.completion("fake-base", "hi", 2, true).toString()))
                            .build(),
                        HttpResponse.BodyHandlers.ofString())));
      }
      List<HttpResponse<String>> done = new ArrayList<>();
      List<String> failed = new ArrayList<>();
      for (Future<HttpResponse<String>> a : answers) {
        try {
          done.add(a.get());
        } catch (ExecutionException e) {
          failed.add(String.valueOf(e.getCause()));
        }
      }
      // first what the pod saw, so a cap reads as one, not as the clients' timeouts it causes
      assertThat(BarrierPodResource.POD.mostOpen())
          .as("streams open at the pod at the same time (client failures: %s)", failed)
          .isEqualTo(n);
      assertThat(failed).isEmpty();
      for (HttpResponse<String> r : done) {
        assertThat(r.statusCode()).as("%.300s", r.body()).isEqualTo(200);
        assertThat(r.body()).contains("\"text\":\"a\"").endsWith("data: [DONE]\n\n");
      }
    }
  }

  /** Until the router has the pod's first state (before that it answers 503). */
  private void awaitRoutable(HttpClient http) throws Exception {
    long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (true) {
      String pods =
          http.send(
                  HttpRequest.newBuilder(url.resolve("/v1/router/pods")).build(),
                  HttpResponse.BodyHandlers.ofString())
              .body();
      if (Client.JSON.readTree(pods).path("data").path(0).path("routable").asBoolean()) {
        return;
      }
      assertThat(System.nanoTime()).as("the pod never became routable: %s", pods).isLessThan(end);
      Thread.sleep(100);
    }
  }
}
