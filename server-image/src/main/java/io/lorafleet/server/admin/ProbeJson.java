package io.lorafleet.server.admin;

import io.lorafleet.server.probe.EffectProbe;
import io.lorafleet.server.probe.ProbeResult;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The load probe as the admin API shows it: {@code max_logit_diff} (null when the adapter's logits
 * were not numbers), {@code no_effect}, the threshold it was judged by, prompt tokens and cost.
 */
final class ProbeJson {
  private ProbeJson() {}

  static Map<String, Object> of(ProbeResult p) {
    Map<String, Object> m = new LinkedHashMap<>();
    boolean finite = Double.isFinite(p.maxLogitDiff());
    m.put("max_logit_diff", finite ? p.maxLogitDiff() : null);
    m.put("finite", finite);
    m.put("no_effect", p.noEffect());
    m.put("no_effect_at_or_below", EffectProbe.NO_EFFECT_AT_OR_BELOW);
    m.put("prompt_tokens", p.promptTokens());
    m.put("millis", Math.round(p.millis() * 1000) / 1000.0);
    return m;
  }
}
