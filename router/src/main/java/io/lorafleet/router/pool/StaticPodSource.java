package io.lorafleet.router.pool;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/** A fixed list of pod URLs (tests, and pools outside Kubernetes). */
public final class StaticPodSource implements PodSource {
  private final Set<PodEndpoint> pods = new LinkedHashSet<>();

  public StaticPodSource(List<String> urls) {
    for (String url : urls) {
      if (!url.isBlank()) {
        pods.add(PodEndpoint.of(url.trim()));
      }
    }
  }

  @Override
  public void start(Consumer<Set<PodEndpoint>> onChange) {
    onChange.accept(Set.copyOf(pods));
  }
}
