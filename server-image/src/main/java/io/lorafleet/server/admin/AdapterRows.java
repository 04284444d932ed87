package io.lorafleet.server.admin;

import io.lorafleet.server.probe.EffectProbe;
import io.lorafleet.server.probe.ProbeResult;
import io.lorafleet.server.residency.AdapterVersion;
import io.lorafleet.serving.admin.AdapterList;
import java.time.Instant;

/** A loaded version and its load probe as the admin API shows them (serving-http's types). */
final class AdapterRows {
  private AdapterRows() {}

  static AdapterList.Adapter of(AdapterVersion v) {
    long last = v.lastUsedMillis();
    return new AdapterList.Adapter(
        v.name(),
        "sha256:" + v.digest(),
        v.rank(),
        v.tier(),
        last == 0 ? null : Instant.ofEpochMilli(last).toString(),
        v.pinned(),
        v.requestsServed(),
        v.source(),
        probe(v.probe()));
  }

  /** {@code maxLogitDiff} is null when the adapter's logits were not numbers. */
  static AdapterList.Probe probe(ProbeResult p) {
    boolean finite = Double.isFinite(p.maxLogitDiff());
    return new AdapterList.Probe(
        finite ? p.maxLogitDiff() : null,
        finite,
        p.noEffect(),
        EffectProbe.NO_EFFECT_AT_OR_BELOW,
        p.promptTokens(),
        Math.round(p.millis() * 1000) / 1000.0);
  }
}
