package io.lorafleet.trainer.publish;

import io.lorafleet.api.v1alpha1.finetunejob.DatasetFormat;
import io.lorafleet.api.v1alpha1.jobs.ValidationSplit;
import io.lorafleet.artifacts.store.Sha256;
import io.lorafleet.trainer.data.Example;
import io.lorafleet.trainer.storage.Place;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

/**
 * Writes the rows a run held out as {@code <versions>/validation/sha256-<hex>.jsonl}: their JSONL
 * lines as the dataset had them, in file order, named by their own sha256 (equal rows give the same
 * file, so a retried run rewrites it unchanged). Written before the adapter's version, whose
 * lineage names it ({@link ValidationSplit}): a published version never names a missing split.
 */
public final class ValidationSplitPublisher {
  private ValidationSplitPublisher() {}

  /** The written split; empty when nothing was held out. */
  public static Optional<ValidationSplit> publish(
      List<Example> validation, DatasetFormat format, int maxSequenceLength, Place versions) {
    if (validation.isEmpty()) {
      return Optional.empty();
    }
    StringBuilder rows = new StringBuilder();
    for (Example e : validation) {
      if (e.line() == null) {
        throw new IllegalStateException(
            "the dataset was read without its lines; the validation split cannot be written");
      }
      rows.append(e.line()).append('\n');
    }
    byte[] bytes = rows.toString().getBytes(StandardCharsets.UTF_8);
    String hex = Sha256.hex(bytes);
    String name = "sha256-" + hex + ".jsonl";
    Place folder = versions.child(ValidationSplit.FOLDER);
    folder.writeBytes(name, bytes);
    return Optional.of(
        new ValidationSplit(
            folder.child(name).toString(), "sha256:" + hex, format, maxSequenceLength));
  }
}
