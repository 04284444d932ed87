package io.lorafleet.router.pool;

import java.net.URI;

/** A serving pod as the pod source knows it: a stable id (its address) and its base URL. */
public record PodEndpoint(String id, URI base) {
  public static PodEndpoint of(String baseUrl) {
    URI uri =
        URI.create(baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl);
    if (uri.getHost() == null || uri.getPort() < 0 || !"http".equals(uri.getScheme())) {
      throw new IllegalArgumentException("a pod is http://host:port, got '" + baseUrl + "'");
    }
    return new PodEndpoint(uri.getHost() + ":" + uri.getPort(), uri);
  }
}
