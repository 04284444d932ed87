package io.lorafleet.operator.serving;

import io.lorafleet.api.v1alpha1.loraadapter.LoraAdapterReason;
import io.lorafleet.operator.serving.PlacementSlot.Phase;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.time.Clock;
import java.util.Locale;
import java.util.Optional;

/**
 * One load of an adapter version onto a pod and its verification: the pod must then report the
 * expected digest under the served name, and (unless the spec allows it) a load probe that showed
 * an effect. Runs on an admin worker; the result is the slot's next state, timed by outcome.
 */
final class AdapterLoader {
  private final AdminClient admin;
  private final Clock clock;
  private final MeterRegistry metrics;

  AdapterLoader(AdminClient admin, Clock clock, MeterRegistry metrics) {
    this.admin = admin;
    this.clock = clock;
    this.metrics = metrics;
  }

  /** LOADED, REFUSED or FAILED; empty when the worker was interrupted (shutting down). */
  Optional<PlacementSlot> load(AdapterLoad load, PlacementSlot loading) {
    Timer.Sample sample = Timer.start(metrics);
    PlacementSlot result;
    try {
      result = loadAndVerify(load, loading);
    } catch (AdminClient.Unauthorized e) {
      result = failed(loading, "Unauthorized", "pod " + load.pod().name() + ": " + e.getMessage());
    } catch (AdminRefusal refusal) {
      result = loading.ended(Phase.REFUSED, refusal.code(), refusal.getMessage(), clock.instant());
    } catch (IOException | RuntimeException e) {
      // A runtime failure too ends the load: a slot left LOADING would never be tried again.
      result = failed(loading, "LoadFailed", "pod " + load.pod().name() + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
    sample.stop(
        Timer.builder("lorafleet.adapter.load")
            .description("Load and verification of an adapter on a serving pod")
            .tag("outcome", result.phase().name().toLowerCase(Locale.ROOT))
            .register(metrics));
    return Optional.of(result);
  }

  private PlacementSlot loadAndVerify(AdapterLoad load, PlacementSlot loading)
      throws IOException, InterruptedException, AdminRefusal {
    admin.load(load.pod().endpoint(), load.token(), load.servedName(), load.path(), load.pinned());
    Optional<ResidentAdapter> held =
        admin
            .resident(load.pod().endpoint(), load.token(), load.servedName())
            .filter(r -> load.digest().equals(r.digest()));
    if (held.isEmpty()) {
      return failed(
          loading,
          "NotResident",
          "pod "
              + load.pod().name()
              + " accepted the load but does not report digest "
              + load.digest());
    }
    if (held.get().noEffect() && !load.allowNoEffect()) {
      return loading.ended(
          Phase.REFUSED,
          LoraAdapterReason.NoEffect.name(),
          "pod "
              + load.pod().name()
              + ": the adapter's output equals the base model's (load probe max logit"
              + " difference "
              + held.get().maxLogitDiff()
              + "); a freshly initialised adapter (all lora_B zero) does this. Set"
              + " spec.validation.allowNoEffect to serve it anyway",
          clock.instant());
    }
    return loading.ended(Phase.LOADED, null, null, clock.instant());
  }

  /** A failed load, retried once the placer's retry delay has passed. */
  PlacementSlot failed(PlacementSlot loading, String code, String message) {
    return loading.ended(Phase.FAILED, code, message, clock.instant());
  }
}
