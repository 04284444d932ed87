package io.lorafleet.operator.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The admin client against a pod that misbehaves: an endless or huge body, a body that trickles,
 * garbage, a huge refusal message, a redirect to elsewhere. Every call ends with an IOException (or
 * a refusal) within its deadline and bounded memory, and the bearer token goes only to the pod's
 * own endpoint.
 */
class AdminClientHostileTest {
  private static final String DIGEST = "ab".repeat(32);
  private HttpServer pod;
  private HttpServer elsewhere;
  private final List<String> elsewhereAuthorizations = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() throws IOException {
    pod = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    pod.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
    pod.start();
    elsewhere = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    elsewhere.createContext(
        "/",
        exchange -> {
          elsewhereAuthorizations.add(
              String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
          exchange.sendResponseHeaders(200, -1);
          exchange.close();
        });
    elsewhere.start();
  }

  @AfterEach
  void stop() {
    pod.stop(0);
    elsewhere.stop(0);
  }

  private URI endpoint() {
    return URI.create("http://127.0.0.1:" + pod.getAddress().getPort());
  }

  @Test
  void anEndlessBodyIsCutAtTheSizeLimit() {
    pod.createContext(
        "/v1/adapters",
        exchange -> {
          exchange.sendResponseHeaders(200, 0); // chunked, no end
          byte[] junk = "{\"data\": [".repeat(1000).getBytes(StandardCharsets.UTF_8);
          try (OutputStream out = exchange.getResponseBody()) {
            while (true) {
              out.write(junk);
            }
          } catch (IOException e) {
            // the client hung up
          }
        });
    assertTimeoutPreemptively(
        Duration.ofSeconds(30),
        () ->
            assertThatThrownBy(() -> new AdminClient().resident(endpoint(), "t"))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("larger than"));
  }

  @Test
  void aBodyThatTricklesEndsAtTheCallDeadline() {
    pod.createContext(
        "/v1/adapters",
        exchange -> {
          exchange.sendResponseHeaders(200, 0);
          try (OutputStream out = exchange.getResponseBody()) {
            while (true) {
              out.write(' ');
              out.flush();
              Thread.sleep(200);
            }
          } catch (IOException | InterruptedException e) {
            // the client hung up
          }
        });
    AdminClient client = new AdminClient(Duration.ofSeconds(2), AdminClient.MAX_BODY_BYTES);
    assertTimeoutPreemptively(
        Duration.ofSeconds(30),
        () ->
            assertThatThrownBy(() -> client.resident(endpoint(), "t"))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("within"));
  }

  @Test
  void garbageIsAnIoExceptionNotACrash() {
    answer("/v1/adapters", 200, "\u0000\u0001 not json at all <html>");
    assertThatThrownBy(() -> new AdminClient().resident(endpoint(), "t"))
        .isInstanceOf(IOException.class);
  }

  @Test
  void aHugeRefusalMessageIsCutBeforeItReachesTheStatus() {
    answer(
        "/v1/load_lora_adapter",
        400,
        "{\"error\": {\"code\": \"RankTooLarge\", \"message\": \"" + "x".repeat(200_000) + "\"}}");
    assertThatThrownBy(
            () -> new AdminClient().load(endpoint(), "t", "a", "s3://b/a/sha256-" + DIGEST + "/"))
        .isInstanceOfSatisfying(
            AdminRefusal.class,
            r -> {
              assertThat(r.code()).isEqualTo("RankTooLarge");
              assertThat(r.getMessage().length())
                  .isLessThanOrEqualTo(AdminClient.MAX_MESSAGE_CHARS);
            });
  }

  @Test
  void aRedirectIsNotFollowedSoTheTokenStaysWithThePod() {
    pod.createContext(
        "/v1/load_lora_adapter",
        exchange -> {
          exchange
              .getResponseHeaders()
              .add("Location", "http://127.0.0.1:" + elsewhere.getAddress().getPort() + "/steal");
          exchange.sendResponseHeaders(307, -1);
          exchange.close();
        });
    assertThatThrownBy(
            () ->
                new AdminClient()
                    .load(endpoint(), "secret-token", "a", "s3://b/a/sha256-" + DIGEST + "/"))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("307")
        .hasMessageNotContaining("secret-token");
    assertThat(elsewhereAuthorizations).isEmpty();
  }

  @Test
  void anAdapterNameCannotSteerTheRequestElsewhere() throws Exception {
    List<String> queries = new CopyOnWriteArrayList<>();
    pod.createContext(
        "/v1/adapters",
        exchange -> {
          queries.add(exchange.getRequestURI().getQuery());
          respond(exchange, 200, "{\"data\": []}");
        });
    String name = "x@127.0.0.1:" + elsewhere.getAddress().getPort() + "/#?name=../";
    assertThat(new AdminClient().resident(endpoint(), "t", name)).isEmpty();
    assertThat(queries).containsExactly("name=" + name);
    assertThat(elsewhereAuthorizations).isEmpty();
  }

  private void answer(String path, int status, String body) {
    pod.createContext(path, exchange -> respond(exchange, status, body));
  }

  private static void respond(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
    if (bytes.length > 0) {
      exchange.getResponseBody().write(bytes);
    }
    exchange.close();
  }
}
