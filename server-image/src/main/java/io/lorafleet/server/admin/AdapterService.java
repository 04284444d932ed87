package io.lorafleet.server.admin;

import io.lorafleet.artifacts.store.S3Uri;
import io.lorafleet.engine.lora.LoadedAdapter;
import io.lorafleet.server.config.ServerConfig;
import io.lorafleet.server.metrics.ServerMetrics;
import io.lorafleet.server.model.BaseModel;
import io.lorafleet.server.model.ModelService;
import io.lorafleet.server.probe.EffectProbe;
import io.lorafleet.server.probe.ProbeResult;
import io.lorafleet.server.residency.AdapterLoadException;
import io.lorafleet.server.residency.AdapterRegistry;
import io.lorafleet.server.residency.AdapterValidator;
import io.lorafleet.server.residency.AdapterVersion;
import io.lorafleet.server.residency.ArtifactResolver;
import io.lorafleet.server.residency.HostCache;
import io.lorafleet.server.residency.ResolvedArtifact;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import org.jboss.logging.Logger;

/**
 * Loading and unloading adapters (vLLM's admin semantics, plus digests): fetch and verify, check
 * compatibility, parse, then switch the served name to the new version in one step.
 */
@ApplicationScoped
public class AdapterService {
  private static final Logger LOG = Logger.getLogger(AdapterService.class);

  /** What a load did. */
  public record LoadResult(
      AdapterVersion version, boolean alreadyLoaded, AdapterVersion replaced) {}

  private final ModelService models;
  private final ArtifactResolver resolver;
  private final AdapterRegistry registry;
  private final HostCache host;
  private final ServerMetrics metrics;
  private final EffectProbe probe;
  private final int maxRank;
  private final Set<String> required;
  private final ReentrantLock[] nameLocks = new ReentrantLock[64];

  AdapterService(
      ModelService models,
      ArtifactResolver resolver,
      AdapterRegistry registry,
      HostCache host,
      ServerMetrics metrics,
      EffectProbe probe,
      ServerConfig config) {
    this.probe = probe;
    this.models = models;
    this.resolver = resolver;
    this.registry = registry;
    this.host = host;
    this.metrics = metrics;
    this.maxRank = config.maxRank();
    this.required = Set.copyOf(config.requiredAdapters().orElse(List.of()));
    for (int i = 0; i < nameLocks.length; i++) {
      nameLocks[i] = new ReentrantLock();
    }
  }

  /**
   * Loads (or updates) {@code name}. An adapter readiness requires ({@code --require-adapter}) is
   * always pinned, so the host tier's LRU never makes the pod unready.
   */
  public LoadResult load(String name, String path, boolean inplace, boolean pinned)
      throws AdapterLoadException {
    return load(name, path, inplace, pinned, true);
  }

  /**
   * {@code confined}: the path came through the admin API and must stay inside the adapter roots;
   * start-up adapters from the pod's own command line are not confined.
   */
  public LoadResult load(
      String name, String path, boolean inplace, boolean pinned, boolean confined)
      throws AdapterLoadException {
    if (name == null || name.isBlank() || name.length() > 256) {
      throw AdapterLoadException.refused("InvalidRequest", "lora_name is required (1-256 chars)");
    }
    if (name.chars().anyMatch(Character::isISOControl)) {
      // A name is logged, labelled in metrics and echoed; a newline in it forged log lines.
      throw AdapterLoadException.refused(
          "InvalidRequest", "lora_name must not contain control characters");
    }
    // One load at a time per name: two concurrent loads without load_inplace both saw no
    // current version and both succeeded, with different digests.
    ReentrantLock lock = nameLocks[Math.floorMod(name.hashCode(), nameLocks.length)];
    lock.lock();
    try {
      return loadLocked(name, path, inplace, pinned, confined);
    } finally {
      lock.unlock();
    }
  }

  private LoadResult loadLocked(
      String name, String path, boolean inplace, boolean pinned, boolean confined)
      throws AdapterLoadException {
    if (name == null || name.isBlank() || name.length() > 256) {
      throw AdapterLoadException.refused("InvalidRequest", "lora_name is required (1-256 chars)");
    }
    BaseModel base = models.current();
    if (base == null) {
      throw new AdapterLoadException("ModelNotReady", 503, "the base model is still loading");
    }
    if (name.equals(base.name())) {
      throw AdapterLoadException.refused(
          "InvalidRequest", "lora_name " + name + " is the base model's name");
    }
    // Confinement first: a path outside the roots is refused even when it names the digest
    // already loaded (it would otherwise be answered already_loaded).
    resolver.checkObjectPath(path, confined);
    AdapterVersion current = registry.get(name);
    Optional<String> named = ArtifactResolver.namedDigest(path == null ? "" : path);
    if (current != null && named.isPresent() && named.get().equals(current.digest())) {
      return new LoadResult(current, true, null); // nothing to fetch
    }
    long start = System.nanoTime();
    ResolvedArtifact artifact = resolver.resolve(path, confined);
    if (current != null && artifact.digest().equals(current.digest())) {
      return new LoadResult(current, true, null);
    }
    if (current != null && !inplace) {
      throw AdapterLoadException.refused(
          "AdapterNameInUse",
          "adapter "
              + name
              + " is loaded with sha256:"
              + current.digest()
              + "; set load_inplace to replace it with sha256:"
              + artifact.digest());
    }
    AdapterValidator.check(artifact.dir(), base.config(), maxRank);
    String key = AdapterVersion.newKey(name, artifact.digest());
    LoadedAdapter weights = AdapterValidator.parse(artifact.dir(), key, base.config());
    // Proves the adapter does something before it is served; the result travels with the version
    // (load answer, GET /v1/adapters) and the operator decides what NoEffect means for Ready.
    ProbeResult effect = probe.run(base, weights);
    AdapterVersion v =
        new AdapterVersion(
            key,
            name,
            artifact.digest(),
            path,
            artifact.dir(),
            weights.maxRank(),
            pinned || required.contains(name),
            effect);
    host.put(v, weights);
    AdapterVersion replaced = registry.register(v);
    metrics.adapterLoaded(
        name, S3Uri.isS3(path) ? "object-store" : "local", System.nanoTime() - start);
    metrics.trackAdapter(name, registry, r -> tierValue(r.get(name)));
    LOG.infof(
        "adapter %s loaded: sha256:%s rank %d from %s, probe max logit diff %s%s%s",
        name,
        v.digest(),
        v.rank(),
        LogText.escape(path),
        effect.maxLogitDiff(),
        effect.noEffect() ? " (NoEffect: its output equals the base model's)" : "",
        replaced == null ? "" : " (replaces sha256:" + replaced.digest() + ")");
    return new LoadResult(v, false, replaced);
  }

  /** Returns the version that was unloaded, or null when the name was not loaded. */
  public AdapterVersion unload(String name) {
    AdapterVersion old = registry.unregister(name);
    if (old != null) {
      metrics.untrackAdapter(name);
      LOG.infof("adapter %s unloaded (sha256:%s)", name, old.digest());
    }
    return old;
  }

  private static double tierValue(AdapterVersion v) {
    if (v == null) {
      return Double.NaN;
    }
    return switch (v.tier()) {
      case "device" -> 2;
      case "host" -> 1;
      default -> 0;
    };
  }
}
