package io.lorafleet.artifacts.hf;

/**
 * {@code rope_scaling} of a config. For {@code linear} only {@code factor} matters; for {@code
 * llama3} all four fields do (Llama 3.1+ frequency-dependent scaling).
 */
public record RopeScaling(
    String type,
    double factor,
    double lowFreqFactor,
    double highFreqFactor,
    int originalMaxPositionEmbeddings) {}
