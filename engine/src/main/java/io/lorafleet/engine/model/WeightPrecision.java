package io.lorafleet.engine.model;

/** How weights are held in memory: as stored (fp32 or bf16; fp16 is widened) or all fp32. */
public enum WeightPrecision {
  AS_STORED,
  F32
}
