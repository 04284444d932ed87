package io.lorafleet.operator.serving;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lorafleet.serving.admin.AdapterList;
import io.lorafleet.serving.admin.AdapterNameRequest;
import io.lorafleet.serving.admin.LoadAdapterRequest;
import io.lorafleet.serving.admin.RegisterAdapterRequest;
import io.lorafleet.serving.admin.RegisteredAdapters;
import io.lorafleet.serving.pod.PodState;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The serving pods' adapter admin API (vLLM-compatible, plus GET /v1/adapters). Bodies carry names
 * and s3:// paths only; the pod fetches artifacts with its own mounted credentials. The bearer
 * token travels in the Authorization header, only to the pod's own endpoint: redirects are never
 * followed and every URL is the endpoint plus a fixed path (the adapter name encoded in the query).
 *
 * <p>A pod is not trusted to behave: every call has one deadline for the whole answer, body
 * included ({@code HttpRequest.timeout} covers the headers only, so a body that trickled held a
 * reconcile thread forever), bodies are read up to {@link #MAX_BODY_BYTES}, and a refusal's message
 * is cut to {@link #MAX_MESSAGE_CHARS} before it reaches a status condition.
 */
public final class AdminClient {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A load includes the pod's fetch from object storage. */
  private static final Duration TIMEOUT = Duration.ofSeconds(120);

  /** Far above a GET /v1/adapters of thousands of adapters. */
  static final long MAX_BODY_BYTES = 4L << 20;

  /** Of a refusal's message, which becomes a condition message in the adapter's status. */
  static final int MAX_MESSAGE_CHARS = 1024;

  private static final Pattern VERSION_DIR = Pattern.compile("sha256-([0-9a-f]{64})/?$");

  /**
   * HTTP/1.1: the default HTTP/2 offers an h2c upgrade on http:// URLs, which mesh sidecars and
   * proxies between the operator and the pods may refuse.
   */
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(3))
          .followRedirects(HttpClient.Redirect.NEVER) // the token goes to the pod only
          .build();

  private final Duration timeout;
  private final long maxBodyBytes;

  public AdminClient() {
    this(TIMEOUT, MAX_BODY_BYTES);
  }

  AdminClient(Duration timeout, long maxBodyBytes) {
    this.timeout = timeout;
    this.maxBodyBytes = maxBodyBytes;
  }

  /** Loads (or atomically replaces) {@code name} with the version at {@code path}. */
  public void load(URI endpoint, String token, String name, String path)
      throws AdminRefusal, IOException, InterruptedException {
    load(endpoint, token, name, path, false);
  }

  /**
   * Loads {@code name}; {@code pinned} (the builtin server's extension, not sent otherwise) keeps
   * it out of the host tier's LRU eviction: a warm copy the operator placed stays warm.
   */
  public void load(URI endpoint, String token, String name, String path, boolean pinned)
      throws AdminRefusal, IOException, InterruptedException {
    // pinned is the builtin server's extension: absent (not false) for everyone else.
    var body = new LoadAdapterRequest(name, path, true, pinned ? Boolean.TRUE : null);
    HttpResponse<String> response = post(endpoint, token, "/v1/load_lora_adapter", body);
    // 409: already loaded, which is what we want
    acceptedOrRefused(response, "load of " + name + " on " + endpoint, 200, 409);
  }

  /** Unloads {@code name}; "not loaded" (404) is success. */
  public void unload(URI endpoint, String token, String name)
      throws IOException, InterruptedException {
    HttpResponse<String> response =
        post(endpoint, token, "/v1/unload_lora_adapter", new AdapterNameRequest(name));
    expect(response, "unload of " + name + " on " + endpoint, 200, 404);
  }

  /**
   * Registers {@code name} on the pod (builtin server): the version and its digest, no weights; the
   * pod loads it on its first request. Registering again replaces the registration.
   */
  public void register(URI endpoint, String token, String name, String path, String digest)
      throws AdminRefusal, IOException, InterruptedException {
    HttpResponse<String> response =
        post(
            endpoint,
            token,
            "/v1/register_lora_adapter",
            new RegisterAdapterRequest(name, path, digest));
    acceptedOrRefused(response, "registration of " + name + " on " + endpoint, 200);
  }

  /**
   * Forgets the registration of {@code name} and unloads it (builtin server); "not registered"
   * (404) is success.
   */
  public void unregister(URI endpoint, String token, String name)
      throws IOException, InterruptedException {
    HttpResponse<String> response =
        post(endpoint, token, "/v1/unregister_lora_adapter", new AdapterNameRequest(name));
    expect(response, "unregistration of " + name + " on " + endpoint, 200, 404);
  }

  /** The pod's registrations, served name to digest (GET /v1/registered_adapters). */
  public Map<String, String> registered(URI endpoint, String token)
      throws IOException, InterruptedException {
    HttpResponse<String> response = get(endpoint, token, "/v1/registered_adapters");
    expect(response, "GET /v1/registered_adapters on " + endpoint, 200);
    Map<String, String> registered = new java.util.HashMap<>();
    for (RegisteredAdapters.Registered r :
        JSON.readValue(response.body(), RegisteredAdapters.class).data()) {
      registered.put(r.name(), r.digest() == null ? "" : r.digest());
    }
    return registered;
  }

  /**
   * What the pod has loaded, with digests: from GET /v1/adapters (builtin server), or, where that
   * does not exist (vLLM), from GET /v1/models, whose {@code root} is the path the adapter was
   * loaded from and so names its version directory.
   */
  public List<ResidentAdapter> resident(URI endpoint, String token)
      throws IOException, InterruptedException {
    return listResident(endpoint, token, "/v1/adapters");
  }

  /**
   * The digest the pod holds under {@code name}, if any. Asks the builtin server for that one
   * adapter ({@code GET /v1/adapters?name=}), so verifying a load costs the same on a pod with one
   * adapter as on one with thousands; filters again here, for servers that list everything.
   */
  public Optional<ResidentAdapter> resident(URI endpoint, String token, String name)
      throws IOException, InterruptedException {
    return listResident(
            endpoint,
            token,
            // %20, not form encoding's '+', which a path-style decoder keeps as '+'.
            "/v1/adapters?name="
                + URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20"))
        .stream()
        .filter(r -> r.name().equals(name))
        .findFirst();
  }

  /**
   * The pod's state as routers read it ({@code GET /v1/pod/state}): at once when {@code since} is
   * negative, otherwise once its version moves past {@code since}, at most {@code wait} later. The
   * operator sends the pool's admin token (null: none), which the pod accepts there as well as the
   * inference token: the operator never reads a pool's inference token.
   */
  public PodState podState(URI endpoint, String token, long since, Duration wait)
      throws IOException, InterruptedException {
    String path =
        since < 0 ? "/v1/pod/state" : "/v1/pod/state?since=" + since + "&wait=" + wait.toSeconds();
    HttpResponse<String> response = get(endpoint, token, path);
    if (response.statusCode() != 200) {
      throw new IOException("GET /v1/pod/state on " + endpoint + ": HTTP " + response.statusCode());
    }
    return JSON.readValue(response.body(), PodState.class);
  }

  private List<ResidentAdapter> listResident(URI endpoint, String token, String adaptersPath)
      throws IOException, InterruptedException {
    HttpResponse<String> response = get(endpoint, token, adaptersPath);
    List<ResidentAdapter> adapters = new ArrayList<>();
    if (response.statusCode() == 404) {
      HttpResponse<String> models = get(endpoint, token, "/v1/models");
      if (models.statusCode() != 200) {
        throw new IOException("GET /v1/models on " + endpoint + ": HTTP " + models.statusCode());
      }
      for (JsonNode model : JSON.readTree(models.body()).path("data")) {
        Matcher version = VERSION_DIR.matcher(model.path("root").asText(""));
        if (version.find()) {
          adapters.add(
              new ResidentAdapter(model.path("id").asText(), "sha256:" + version.group(1)));
        }
      }
      return adapters;
    }
    expect(response, "GET /v1/adapters on " + endpoint, 200);
    for (AdapterList.Adapter adapter : JSON.readValue(response.body(), AdapterList.class).data()) {
      AdapterList.Probe probe = adapter.probe();
      adapters.add(
          new ResidentAdapter(
              adapter.name(),
              adapter.digest(),
              probe != null && probe.noEffect(),
              probe == null ? null : probe.maxLogitDiff()));
    }
    return adapters;
  }

  private HttpResponse<String> get(URI endpoint, String token, String path)
      throws IOException, InterruptedException {
    HttpRequest request =
        authorized(HttpRequest.newBuilder(target(endpoint, path)), token)
            .timeout(timeout)
            .GET()
            .build();
    return send(request);
  }

  private HttpResponse<String> post(URI endpoint, String token, String path, Record body)
      throws IOException, InterruptedException {
    HttpRequest request =
        authorized(HttpRequest.newBuilder(target(endpoint, path)), token)
            .timeout(timeout)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)))
            .build();
    return send(request);
  }

  /** The whole answer, body included, within the call's deadline and the body size limit. */
  private HttpResponse<String> send(HttpRequest request) throws IOException, InterruptedException {
    CompletableFuture<HttpResponse<String>> answer =
        http.sendAsync(request, info -> new LimitedBody(maxBodyBytes));
    try {
      return answer.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      answer.cancel(true); // drops the connection
      throw new HttpTimeoutException(
          request.method()
              + " "
              + request.uri().getPath()
              + ": no complete answer within "
              + timeout.toSeconds()
              + " s");
    } catch (InterruptedException e) {
      answer.cancel(true);
      throw e;
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      throw cause instanceof IOException io
          ? new IOException(
              request.method() + " " + request.uri().getPath() + ": " + io.getMessage(), io)
          : new IOException(request.method() + " " + request.uri().getPath() + " failed", cause);
    }
  }

  /** The endpoint's own scheme, host and port with {@code pathAndQuery}; never another host. */
  private static URI target(URI endpoint, String pathAndQuery) {
    URI uri = endpoint.resolve(pathAndQuery);
    if (!"http".equals(uri.getScheme())
        || !endpoint.getHost().equals(uri.getHost())
        || endpoint.getPort() != uri.getPort()
        || uri.getRawUserInfo() != null) {
      throw new IllegalArgumentException("refusing an admin URL outside the pod's endpoint");
    }
    return uri;
  }

  private static HttpRequest.Builder authorized(HttpRequest.Builder builder, String token) {
    return token == null ? builder : builder.header("Authorization", "Bearer " + token);
  }

  /** The pod refused the admin token: it holds a newer one (the Secret changed). */
  public static final class Unauthorized extends IOException {
    private static final long serialVersionUID = 1L;

    Unauthorized(String message) {
      super(message);
    }
  }

  /** OpenAI error shape: {"error": {"code": "RankTooLarge", "message": "..."}}. */
  /**
   * A write the pod may refuse: one of {@code accepted} is success; 400 or 422 is the pod's refusal
   * (its reason and message); otherwise as {@link #expect}.
   */
  private static void acceptedOrRefused(HttpResponse<String> response, String call, int... accepted)
      throws AdminRefusal, IOException {
    if (response.statusCode() == 400 || response.statusCode() == 422) {
      throw refusal(response);
    }
    expect(response, call, accepted);
  }

  /** One of {@code accepted}, else 401 (the token is wrong) or an unexpected answer. */
  private static void expect(HttpResponse<String> response, String call, int... accepted)
      throws IOException {
    int status = response.statusCode();
    for (int ok : accepted) {
      if (status == ok) {
        return;
      }
    }
    if (status == 401) {
      throw new Unauthorized(call + ": HTTP 401");
    }
    throw new IOException(call + ": HTTP " + status);
  }

  private static AdminRefusal refusal(HttpResponse<String> response) {
    try {
      JsonNode error = JSON.readTree(response.body()).path("error");
      return new AdminRefusal(
          error.path("code").asText("LoadRefused"),
          brief(error.path("message").asText(response.body())));
    } catch (IOException e) {
      return new AdminRefusal("LoadRefused", brief(response.body()));
    }
  }

  /** A pod's text as a condition message: no control characters, at most the message limit. */
  private static String brief(String text) {
    String clean = text.replaceAll("\\p{Cntrl}", " ");
    return clean.length() <= MAX_MESSAGE_CHARS
        ? clean
        : clean.substring(0, MAX_MESSAGE_CHARS - 14) + " ... (cut)";
  }
}
