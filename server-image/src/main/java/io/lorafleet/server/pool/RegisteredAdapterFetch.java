package io.lorafleet.server.pool;

import io.lorafleet.server.residency.AdapterLoadException;
import io.lorafleet.server.residency.AdapterVersion;

/**
 * Brings a registered adapter into this pod's tiers: fetch and verify, check, parse, serve under
 * its name. Runs on the lazy-load pool, never on the engine thread. A seam so tests can stand a
 * deliberately slow source in front of the real one.
 */
public interface RegisteredAdapterFetch {
  AdapterVersion fetch(Registration registration) throws AdapterLoadException;
}
