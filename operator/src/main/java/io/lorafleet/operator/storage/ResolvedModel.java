package io.lorafleet.operator.storage;

import io.lorafleet.artifacts.hf.ModelConfig;

/** A base model's source as found in object storage: its digest and parsed config.json. */
public record ResolvedModel(String digest, ModelConfig config) {}
