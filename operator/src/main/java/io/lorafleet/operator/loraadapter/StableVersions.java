package io.lorafleet.operator.loraadapter;

import io.lorafleet.api.v1alpha1.common.ArtifactSource;
import io.lorafleet.api.v1alpha1.loraadapter.LoraAdapter;
import io.lorafleet.api.v1alpha1.loraadapter.RolloutStatus;
import io.lorafleet.operator.storage.AdapterArtifactResolver;
import io.lorafleet.operator.storage.ResolvedAdapter;
import io.lorafleet.operator.storage.StorageFailure;
import io.lorafleet.operator.storage.Versions;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The stable version of a canary rollout: where it is stored, and what it is. */
@ApplicationScoped
public class StableVersions {
  private final AdapterArtifactResolver resolver;

  /** Stable versions by namespace, directory and digest: a published version never changes. */
  private final Map<String, ResolvedAdapter> resolved = new ConcurrentHashMap<>();

  public StableVersions(AdapterArtifactResolver resolver) {
    this.resolver = resolver;
  }

  /**
   * Where the stable version is: recorded in status.rollout, else (an adapter that serves a version
   * and now rolls out as a canary) under spec.artifact when that is a prefix of versions.
   */
  static String location(
      LoraAdapter adapter, RolloutStatus stored, String stableDigest, ResolvedAdapter target) {
    if (stored != null && stored.stableVersion() != null) {
      return stored.stableVersion();
    }
    if (stableDigest == null) {
      return null;
    }
    if (stableDigest.equals(target.digest())) {
      return target.version().toString();
    }
    String uri = adapter.getSpec().artifact().uri();
    String directory = Versions.directory(uri, stableDigest);
    return directory.equals(uri) ? null : directory;
  }

  ResolvedAdapter resolve(
      LoraAdapter adapter, ResolvedAdapter target, String digest, String version)
      throws StorageFailure {
    if (digest.equals(target.digest())) {
      return target;
    }
    String namespace = adapter.getMetadata().getNamespace();
    String key = namespace + "|" + version + "|" + digest;
    ResolvedAdapter known = resolved.get(key);
    if (known != null) {
      return known;
    }
    ResolvedAdapter found =
        resolver.resolve(
            namespace,
            new ArtifactSource(
                version, adapter.getSpec().artifact().credentialsSecretRef(), digest));
    if (resolved.size() > 1024) {
      resolved.clear(); // a cache: bounded, refilled on demand
    }
    resolved.put(key, found);
    return found;
  }
}
