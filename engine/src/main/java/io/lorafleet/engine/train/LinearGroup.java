package io.lorafleet.engine.train;

import io.lorafleet.artifacts.hf.LinearModule;

/**
 * Target modules that read the same input, so their base products run as one joined matmul: q/k/v
 * and gate/up are joined, o and down stand alone.
 */
enum LinearGroup {
  QKV(LinearModule.Q_PROJ, LinearModule.K_PROJ, LinearModule.V_PROJ),
  O(LinearModule.O_PROJ),
  GATE_UP(LinearModule.GATE_PROJ, LinearModule.UP_PROJ),
  DOWN(LinearModule.DOWN_PROJ);

  private final LinearModule[] modules;

  LinearGroup(LinearModule... modules) {
    this.modules = modules;
  }

  /** The modules, in the order their outputs are joined. */
  LinearModule[] modules() {
    return modules.clone();
  }

  int size() {
    return modules.length;
  }

  LinearModule module(int j) {
    return modules[j];
  }
}
