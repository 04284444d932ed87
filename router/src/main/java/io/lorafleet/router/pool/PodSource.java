package io.lorafleet.router.pool;

import java.util.Set;
import java.util.function.Consumer;

/**
 * Where the pool's pod list comes from (a static list; in a cluster the pool's EndpointSlices). It
 * calls {@code onChange} with the whole current set whenever it changes, first at {@link #start}.
 */
public interface PodSource extends AutoCloseable {
  void start(Consumer<Set<PodEndpoint>> onChange);

  @Override
  default void close() {}
}
