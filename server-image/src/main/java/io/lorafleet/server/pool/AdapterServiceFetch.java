package io.lorafleet.server.pool;

import io.lorafleet.server.admin.AdapterService;
import io.lorafleet.server.residency.AdapterLoadException;
import io.lorafleet.server.residency.AdapterVersion;
import io.quarkus.arc.DefaultBean;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The real fetch: the admin API's load (same confinement of local paths to the adapter roots, same
 * checks), then the digest the registration promised is compared with the one that was loaded; a
 * different one is unloaded again and refused.
 */
@ApplicationScoped
@DefaultBean
public class AdapterServiceFetch implements RegisteredAdapterFetch {
  private final AdapterService adapters;

  AdapterServiceFetch(AdapterService adapters) {
    this.adapters = adapters;
  }

  @Override
  public AdapterVersion fetch(Registration r) throws AdapterLoadException {
    AdapterVersion v = adapters.load(r.name(), r.path(), false, false, true).version();
    if (!v.digest().equals(r.digest())) {
      adapters.unload(r.name());
      throw AdapterLoadException.refused(
          "DigestMismatch",
          "adapter "
              + r.name()
              + " was registered as sha256:"
              + r.digest()
              + " but "
              + r.path()
              + " holds sha256:"
              + v.digest());
    }
    return v;
  }
}
