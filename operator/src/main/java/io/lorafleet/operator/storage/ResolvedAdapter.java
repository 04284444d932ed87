package io.lorafleet.operator.storage;

import io.lorafleet.artifacts.peft.AdapterConfig;
import io.lorafleet.artifacts.safetensors.TensorInfo;
import io.lorafleet.artifacts.store.S3Uri;
import java.util.List;
import java.util.Map;

/** A published adapter version: where it is, its digest, config, tensor shapes and lineage. */
public record ResolvedAdapter(
    S3Uri version,
    String digest,
    AdapterConfig config,
    List<TensorInfo> tensors,
    long sizeBytes,
    Map<String, String> lineage) {}
