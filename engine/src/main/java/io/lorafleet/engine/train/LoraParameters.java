package io.lorafleet.engine.train;

import io.lorafleet.artifacts.hf.LinearModule;
import io.lorafleet.artifacts.hf.ModelConfig;
import io.lorafleet.artifacts.peft.ModuleKey;
import java.util.ArrayList;
import java.util.List;

/**
 * Every trainable LoRA module of a run: looked up by (layer, module) in the forward and backward
 * passes, and walked in {@link ModuleKey} order by the optimizer, snapshots and exports (so their
 * results do not depend on the order of the options' target list).
 */
final class LoraParameters {
  /** [layer][module ordinal], null where the module is not a target. */
  private final LoraParameter[][] byLayer;

  private final List<LoraParameter> ordered = new ArrayList<>();

  LoraParameters(ModelConfig config, LoraTrainingOptions options) {
    int layers = config.numHiddenLayers();
    this.byLayer = new LoraParameter[layers][LinearModule.values().length];
    for (int l = 0; l < layers; l++) {
      for (LinearModule m : options.targetModules()) {
        if (!m.inDecoderLayer()) {
          throw new IllegalArgumentException(
              "training LoRA on " + m.moduleName() + " is not supported");
        }
        var shape = config.shape(m);
        LoraParameter p =
            new LoraParameter(
                new ModuleKey(l, m),
                options.rank(),
                Math.toIntExact(shape.in()),
                Math.toIntExact(shape.out()));
        byLayer[l][m.ordinal()] = p;
        ordered.add(p);
      }
    }
    ordered.sort((x, y) -> x.key.compareTo(y.key));
  }

  /** The parameter of {@code module} in {@code layer}, or null when it is not a target. */
  LoraParameter at(int layer, LinearModule module) {
    return byLayer[layer][module.ordinal()];
  }

  /** Every parameter in {@link ModuleKey} order. */
  List<LoraParameter> all() {
    return ordered;
  }
}
