package io.lorafleet.operator.storage;

import java.net.URI;
import java.util.List;
import java.util.Locale;

/**
 * The object-store endpoints the operator may connect to (review O4). A tenant's credentials Secret
 * names its endpoint ({@code AWS_ENDPOINT_URL}), and the operator connects to it from the cluster
 * network with its own identity: without a list, any tenant can make the operator send requests to
 * any address it can reach (server-side request forgery). Each entry is {@code scheme://host} with
 * an optional port ({@code https://s3.eu-west-1.amazonaws.com}, {@code
 * http://minio.storage.svc:9000}); a host of {@code *.example.com} allows every subdomain. An empty
 * list allows every endpoint.
 */
public record EndpointAllowList(List<String> entries) {

  public EndpointAllowList {
    entries = entries.stream().map(String::strip).filter(e -> !e.isEmpty()).toList();
  }

  public boolean allowsAll() {
    return entries.isEmpty();
  }

  public boolean allows(URI endpoint) {
    if (allowsAll()) {
      return true;
    }
    if (endpoint.getScheme() == null || endpoint.getHost() == null) {
      return false;
    }
    return entries.stream().anyMatch(entry -> matches(entry, endpoint));
  }

  /** scheme://host:port of an endpoint, as messages show it (never a path or user info). */
  public static String origin(URI endpoint) {
    return endpoint.getScheme() + "://" + endpoint.getHost() + ":" + port(endpoint);
  }

  private static boolean matches(String entry, URI endpoint) {
    URI allowed;
    try {
      // "*" is not a valid host character: parse the wildcard as a placeholder label.
      allowed = URI.create(entry.replace("://*.", "://wildcard."));
    } catch (IllegalArgumentException e) {
      return false;
    }
    if (allowed.getScheme() == null || allowed.getHost() == null) {
      return false;
    }
    if (!allowed.getScheme().equalsIgnoreCase(endpoint.getScheme())
        || port(allowed) != port(endpoint)) {
      return false;
    }
    String host = endpoint.getHost().toLowerCase(Locale.ROOT);
    String wanted = allowed.getHost().toLowerCase(Locale.ROOT);
    if (entry.contains("://*.")) {
      return host.endsWith(wanted.substring("wildcard".length()));
    }
    return host.equals(wanted);
  }

  private static int port(URI uri) {
    if (uri.getPort() != -1) {
      return uri.getPort();
    }
    return "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
  }
}
