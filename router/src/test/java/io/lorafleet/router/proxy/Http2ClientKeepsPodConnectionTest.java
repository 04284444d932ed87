package io.lorafleet.router.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.lorafleet.router.testing.Client;
import io.lorafleet.router.testing.RecordingPodResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A client speaking HTTP/2 (the JDK's client upgrades to h2c by default) gets each stream in full,
 * and the router keeps its connection to the pod for the next request. Before, the close of every
 * finished HTTP/2 stream ran the client-went-away handler, which reset the finished upstream
 * request and so closed the pod connection: every request paid a new TCP connection to the pod.
 */
@QuarkusTest
@WithTestResource(RecordingPodResource.class)
class Http2ClientKeepsPodConnectionTest {
  @TestHTTPResource("/")
  URI url;

  @Test
  void finishedHttp2StreamsLeaveThePodConnectionOpen() throws Exception {
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
    for (int i = 0; i < 4; i++) {
      HttpResponse<String> r = stream(http);
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      assertThat(r.body()).contains("\"text\":\"b\"").endsWith("data: [DONE]\n\n");
      if (i > 0) {
        assertThat(r.version()).as("upgraded after the first").isEqualTo(HttpClient.Version.HTTP_2);
      }
      Thread.sleep(50); // let a (wrong) reset of the finished upstream land before the next one
    }
    List<Integer> ports = RecordingPodResource.POD.completionPorts();
    assertThat(ports).hasSize(4);
    assertThat(ports).as("one pod connection served all four").containsOnly(ports.get(0));
  }

  private HttpResponse<String> stream(HttpClient http) throws Exception {
    HttpResponse<String> r = null;
    long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    do {
      if (r != null) {
        Thread.sleep(100); // the pod's first state poll has not answered yet
      }
      r =
          http.send(
              HttpRequest.newBuilder(url.resolve("/v1/completions"))
                  .timeout(Duration.ofSeconds(20))
                  .header("Content-Type", "application/json")
                  .POST(
                      HttpRequest.BodyPublishers.ofString(
                          Client.completion("fake-base", "hi", 2, true).toString()))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
    } while (r.statusCode() == 503 && System.nanoTime() < end);
    return r;
  }
}
