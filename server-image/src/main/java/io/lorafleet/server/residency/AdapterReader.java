package io.lorafleet.server.residency;

import io.lorafleet.artifacts.hf.ModelConfig;
import io.lorafleet.engine.lora.LoadedAdapter;

/**
 * Reads a version's weights from its verified local copy (the disk tier) into the kernels' form
 * (the host tier). It runs on the host tier's loader threads, never on the engine thread.
 */
@FunctionalInterface
public interface AdapterReader {
  /** Re-verifies the directory against the version's digest, then parses it. */
  AdapterReader FROM_DISK =
      (v, config) -> {
        ArtifactResolver.reverify(v.localDir(), v.digest());
        return AdapterValidator.parse(v.localDir(), v.key(), config);
      };

  LoadedAdapter read(AdapterVersion v, ModelConfig config) throws AdapterLoadException;
}
