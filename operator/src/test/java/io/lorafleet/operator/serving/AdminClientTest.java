package io.lorafleet.operator.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The admin client against a real HTTP server answering as the builtin server or vLLM would. */
class AdminClientTest {
  private static final String DIGEST = "ab".repeat(32);
  private HttpServer server;
  private final List<String> authorizations = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private URI endpoint() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  private void answer(String path, int status, String body) {
    server.createContext(
        path,
        exchange -> {
          authorizations.add(
              String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
          respond(exchange, status, body);
        });
  }

  private static void respond(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
    if (bytes.length > 0) {
      exchange.getResponseBody().write(bytes);
    }
    exchange.close();
  }

  /**
   * Review T3: java.net.http defaults to HTTP/2 and offers an h2c upgrade on http:// URLs, which
   * mesh sidecars and some proxies refuse; admin calls speak plain HTTP/1.1.
   */
  @Test
  void speaksHttp11WithoutAnUpgradeOffer() throws Exception {
    List<String> upgrades = new CopyOnWriteArrayList<>();
    List<String> protocols = new CopyOnWriteArrayList<>();
    server.createContext(
        "/v1/load_lora_adapter",
        exchange -> {
          upgrades.add(String.valueOf(exchange.getRequestHeaders().getFirst("Upgrade")));
          protocols.add(exchange.getProtocol());
          respond(exchange, 200, "{}");
        });
    new AdminClient().load(endpoint(), "t", "a", "s3://b/a/sha256-" + DIGEST + "/");
    assertThat(protocols).containsExactly("HTTP/1.1");
    assertThat(upgrades).containsExactly("null");
  }

  @Test
  void readsDigestsFromTheBuiltinServer() throws Exception {
    answer(
        "/v1/adapters",
        200,
        "{\"data\": [{\"name\": \"tone\", \"digest\": \"sha256:" + DIGEST + "\"}]}");
    assertThat(new AdminClient().resident(endpoint(), "t0ken"))
        .containsExactly(new ResidentAdapter("tone", "sha256:" + DIGEST));
    assertThat(authorizations).containsExactly("Bearer t0ken");
  }

  @Test
  void asksForOneAdapterByNameAndFiltersAServerThatListsEverything() throws Exception {
    List<String> queries = new CopyOnWriteArrayList<>();
    server.createContext(
        "/v1/adapters",
        exchange -> {
          queries.add(exchange.getRequestURI().getRawQuery());
          // An older server ignores ?name= and lists every adapter.
          respond(
              exchange,
              200,
              "{\"data\": [{\"name\": \"other\", \"digest\": \"sha256:"
                  + "cd".repeat(32)
                  + "\"}, {\"name\": \"tone v2\", \"digest\": \"sha256:"
                  + DIGEST
                  + "\"}]}");
        });
    assertThat(new AdminClient().resident(endpoint(), "t", "tone v2"))
        .contains(new ResidentAdapter("tone v2", "sha256:" + DIGEST));
    assertThat(new AdminClient().resident(endpoint(), "t", "missing")).isEmpty();
    assertThat(queries).containsExactly("name=tone%20v2", "name=missing");
  }

  @Test
  void readsDigestsFromVllmModelRootsWhenThereIsNoAdaptersEndpoint() throws Exception {
    answer(
        "/v1/models",
        200,
        "{\"data\": [{\"id\": \"llama\", \"root\": \"s3://models/llama\"},"
            + " {\"id\": \"tone\", \"root\": \"s3://adapters/tone/sha256-"
            + DIGEST
            + "/\", \"parent\": \"llama\"}]}");
    assertThat(new AdminClient().resident(endpoint(), null))
        .containsExactly(new ResidentAdapter("tone", "sha256:" + DIGEST));
    assertThat(authorizations).containsExactly("null");
  }

  @Test
  void aTypedRefusalIsPermanentAndAlreadyLoadedIsSuccess() throws Exception {
    answer(
        "/v1/load_lora_adapter",
        400,
        "{\"error\": {\"code\": \"RankTooLarge\", \"message\": \"rank 128 > 64\"}}");
    assertThatThrownBy(
            () -> new AdminClient().load(endpoint(), "t", "tone", "s3://a/sha256-" + DIGEST + "/"))
        .isInstanceOfSatisfying(
            AdminRefusal.class,
            r -> {
              assertThat(r.code()).isEqualTo("RankTooLarge");
              assertThat(r.getMessage()).isEqualTo("rank 128 > 64");
            });
    server.removeContext("/v1/load_lora_adapter");
    answer("/v1/load_lora_adapter", 409, "{}");
    new AdminClient().load(endpoint(), "t", "tone", "s3://a/sha256-" + DIGEST + "/");
  }

  @Test
  void serverErrorsAreTransientAndNotLoadedIsSuccess() throws Exception {
    answer("/v1/load_lora_adapter", 503, "");
    assertThatThrownBy(() -> new AdminClient().load(endpoint(), "t", "tone", "s3://a/b/"))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("HTTP 503");
    answer("/v1/unload_lora_adapter", 404, "");
    new AdminClient().unload(endpoint(), "t", "tone");
  }
}
