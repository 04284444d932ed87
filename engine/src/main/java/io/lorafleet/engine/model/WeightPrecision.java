package io.lorafleet.engine.model;

/**
 * How weights are held in memory: as stored (fp32 or bf16; fp16 is widened), all fp32, or the
 * linear layers and the embedding quantized at load to int8 blocks ({@link
 * io.lorafleet.engine.backend.Q8Blocks}, llama.cpp's Q8_0); norms stay fp32 and adapters are
 * applied in full precision.
 */
public enum WeightPrecision {
  AS_STORED,
  F32,
  INT8
}
