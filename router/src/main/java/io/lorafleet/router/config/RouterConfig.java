package io.lorafleet.router.config;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** The router's settings ({@code lorafleet.router.*}, or {@code LORAFLEET_ROUTER_*}). */
@ConfigMapping(prefix = "lorafleet.router")
public interface RouterConfig {
  /**
   * Where the pool's pods come from: {@code static} (the {@link #pods()} list) or {@code
   * endpointslice} (the EndpointSlices of {@link #service()}, watched).
   */
  @WithDefault("static")
  String podSource();

  /** The pool's (headless) Service whose EndpointSlices list the pods (endpointslice source). */
  Optional<String> service();

  /** Its namespace; default: the client's (the pod's own namespace in a cluster). */
  Optional<String> namespace();

  /** The Service port to use; default: the slice's first port. */
  Optional<String> portName();

  /**
   * The name of the pool's BaseModel: with it the router watches the LoraAdapters of {@link
   * #namespace()} that reference it and splits the traffic of those under canary rollout; without
   * it nothing is split.
   */
  Optional<String> baseModelRef();

  /** Base URLs of the pods ({@code http://10.0.0.7:8000}), for the static pod source. */
  Optional<List<String>> pods();

  /**
   * The pool's inference token: clients must present it, and the router presents it to the pods.
   * Read at every use (a rotated Secret takes effect). Without it both sides are open.
   */
  Optional<Path> inferenceTokenFile();

  /** How long a pod's state long poll waits for a change; also the heartbeat of a quiet pod. */
  @WithDefault("0.4s")
  Duration stateWait();

  /**
   * A pod whose state poll has not answered within this (on top of {@link #stateWait()}) is taken
   * out of the pool until it answers again.
   */
  @WithDefault("0.5s")
  Duration stateGrace();

  /**
   * The least time between two state polls of one pod. A busy pod's state changes with every
   * request that starts or ends, and without a floor the router would poll it once per change.
   */
  @WithDefault("20ms")
  Duration stateMinInterval();

  /** Requests waiting for a pod with a free slot; more are refused with 429. */
  @WithDefault("256")
  int maxQueued();

  /** Pods a request is tried on at most (it moves on only if nothing was sent to the client). */
  @WithDefault("3")
  int maxAttempts();

  /** Connect timeout to a pod. */
  @WithDefault("1s")
  Duration connectTimeout();

  /**
   * The whole request body must arrive within this, or the request is refused with 408 (a client
   * sending one byte every few seconds would otherwise hold its connection for as long as it
   * likes).
   */
  @WithDefault("10s")
  Duration bodyReadTimeout();

  /** The largest request body accepted; more is refused with 413. */
  @WithDefault("16M")
  MemorySize maxBodySize();

  /**
   * The largest whole (non-stream) answer or state document read from a pod; a pod answering more
   * is cut off and the client gets 502 (the router buffers such answers, so an endless one would
   * take its heap).
   */
  @WithDefault("64M")
  MemorySize maxResponseSize();

  /**
   * Tell clients which pod served them ({@code X-Lorafleet-Pod: ip:port}): for tests and debugging;
   * off by default, as it shows pod addresses outside the cluster.
   */
  @WithDefault("false")
  boolean podHeader();
}
