package io.lorafleet.server.admin;

import io.lorafleet.server.residency.AdapterVersion;
import java.time.Instant;
import java.util.Map;

/** One row of GET /v1/adapters. */
public record AdapterInfo(
    String name,
    String digest,
    int rank,
    String tier,
    String lastUsed,
    boolean pinned,
    long requestsServed,
    String source,
    Map<String, Object> probe) {

  static AdapterInfo of(AdapterVersion v) {
    long last = v.lastUsedMillis();
    return new AdapterInfo(
        v.name(),
        "sha256:" + v.digest(),
        v.rank(),
        v.tier(),
        last == 0 ? null : Instant.ofEpochMilli(last).toString(),
        v.pinned(),
        v.requestsServed(),
        v.source(),
        ProbeJson.of(v.probe()));
  }
}
