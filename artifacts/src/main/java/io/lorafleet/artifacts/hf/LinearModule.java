package io.lorafleet.artifacts.hf;

import java.util.Optional;

/** The linear layers of a Llama-family decoder that LoRA can target, by their HF module name. */
public enum LinearModule {
  Q_PROJ("q_proj", "self_attn"),
  K_PROJ("k_proj", "self_attn"),
  V_PROJ("v_proj", "self_attn"),
  O_PROJ("o_proj", "self_attn"),
  GATE_PROJ("gate_proj", "mlp"),
  UP_PROJ("up_proj", "mlp"),
  DOWN_PROJ("down_proj", "mlp"),
  /** The output head: not inside a decoder layer. */
  LM_HEAD("lm_head", "");

  private final String moduleName;
  private final String block;

  LinearModule(String moduleName, String block) {
    this.moduleName = moduleName;
    this.block = block;
  }

  /** The HF module name, e.g. {@code q_proj}. */
  public String moduleName() {
    return moduleName;
  }

  /** {@code self_attn} or {@code mlp} inside a layer; empty for {@code lm_head}. */
  public String block() {
    return block;
  }

  public boolean inDecoderLayer() {
    return !block.isEmpty();
  }

  /** Full module path inside the HF model, e.g. {@code model.layers.3.self_attn.q_proj}. */
  public String path(int layer) {
    return inDecoderLayer() ? "model.layers." + layer + "." + block + "." + moduleName : moduleName;
  }

  public static Optional<LinearModule> byName(String moduleName) {
    for (LinearModule m : values()) {
      if (m.moduleName.equals(moduleName)) {
        return Optional.of(m);
      }
    }
    return Optional.empty();
  }
}
