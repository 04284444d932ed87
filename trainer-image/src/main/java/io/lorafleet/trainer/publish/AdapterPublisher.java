package io.lorafleet.trainer.publish;

import io.lorafleet.artifacts.peft.LoraAdapter;
import io.lorafleet.artifacts.peft.PeftAdapterWriter;
import io.lorafleet.artifacts.store.ArtifactStore;
import io.lorafleet.artifacts.store.PublishedVersion;
import io.lorafleet.artifacts.store.RetryPolicy;
import io.lorafleet.trainer.storage.Place;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Writes the trained adapter as PEFT saves it and publishes it as an immutable version under the
 * output prefix through the artifacts {@link ArtifactStore} (files under a temporary key, then the
 * version's manifest, with the lineage, written last: a reader never sees half a version).
 * Publishing equal bytes again yields the same version, so a retried run is idempotent.
 */
public final class AdapterPublisher {
  private AdapterPublisher() {}

  public static PublishedVersion publish(
      LoraAdapter adapter, Place versions, Map<String, String> lineage, Path workDir)
      throws IOException {
    Path dir = workDir.resolve("adapter");
    PeftAdapterWriter.write(adapter, dir);
    return new ArtifactStore(versions.store(), RetryPolicy.defaults())
        .push(dir, versions.uri(), lineage);
  }
}
