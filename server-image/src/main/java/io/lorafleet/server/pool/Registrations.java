package io.lorafleet.server.pool;

import io.lorafleet.server.residency.AdapterLoadException;
import io.lorafleet.server.residency.ArtifactResolver;
import io.lorafleet.server.state.StateChanges;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The adapters registered on this pod (name, version URI, digest): every one of them can be served
 * here, loaded on its first request (see {@link LazyLoads}). A name that is neither registered nor
 * loaded is unknown (404).
 */
@ApplicationScoped
public class Registrations {
  private static final Pattern HEX_SHA256 = Pattern.compile("[0-9a-f]{64}");

  private final Map<String, Registration> byName = new ConcurrentHashMap<>();
  private final StateChanges changes;

  Registrations(StateChanges changes) {
    this.changes = changes;
  }

  /**
   * Registers (or re-points) {@code name}. {@code digest} is {@code sha256:<hex>} or the bare hex;
   * a path naming a version directory must name the same digest.
   */
  public Registration register(String name, String path, String digest)
      throws AdapterLoadException {
    if (name == null || name.isBlank() || name.length() > 256) {
      throw AdapterLoadException.refused("InvalidRequest", "lora_name is required (1-256 chars)");
    }
    if (name.chars().anyMatch(Character::isISOControl)) {
      throw AdapterLoadException.refused(
          "InvalidRequest", "lora_name must not contain control characters");
    }
    if (path == null || path.isBlank()) {
      throw AdapterLoadException.refused("InvalidRequest", "lora_path is required");
    }
    String hex = digest == null ? "" : digest.startsWith("sha256:") ? digest.substring(7) : digest;
    if (!HEX_SHA256.matcher(hex).matches()) {
      throw AdapterLoadException.refused(
          "InvalidRequest", "digest must be sha256:<64 lowercase hex digits>");
    }
    Optional<String> named = ArtifactResolver.namedDigest(path);
    if (named.isPresent() && !named.get().equals(hex)) {
      throw AdapterLoadException.refused(
          "DigestMismatch",
          "lora_path names sha256:" + named.get() + " but digest is sha256:" + hex);
    }
    Registration r = new Registration(name, path, hex);
    byName.put(name, r);
    changes.changed();
    return r;
  }

  /** Removes the registration; returns it, or null when the name was not registered. */
  public Registration unregister(String name) {
    Registration r = byName.remove(name);
    changes.changed();
    return r;
  }

  public Registration get(String name) {
    return name == null ? null : byName.get(name);
  }

  public List<Registration> all() {
    return byName.values().stream().sorted(Comparator.comparing(Registration::name)).toList();
  }
}
