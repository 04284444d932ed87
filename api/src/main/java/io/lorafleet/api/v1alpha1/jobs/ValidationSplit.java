package io.lorafleet.api.v1alpha1.jobs;

import io.lorafleet.api.v1alpha1.finetunejob.DatasetFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The rows a training run held out for validation, as the trainer publishes them: one JSONL file of
 * the dataset's own lines, written next to the adapter's versions and named in the lineage of the
 * version trained without them. The version's digest covers its lineage, so the version pins the
 * split's digest, and the evaluation gate verifies the file against it
 * (docs/decisions/0013-validation-split-as-evaluation-set.md). The trainer writes these lineage
 * keys, the operator reads them.
 *
 * @param uri where the rows are (an {@code s3://} URI, or a local path for local runs)
 * @param digest "sha256:" and the file's sha256
 * @param format the rows' format (the training dataset's)
 * @param maxSequenceLength the token limit every row was valid under (the run's); null: unknown
 */
public record ValidationSplit(
    String uri, String digest, DatasetFormat format, Integer maxSequenceLength) {
  public static final String URI_KEY = "validation.uri";
  public static final String DIGEST_KEY = "validation.digest";

  /** The training dataset's format: the trainer records it for every run. */
  public static final String FORMAT_KEY = "dataset.format";

  /** The run's token limit: the trainer records it for every run. */
  public static final String MAX_SEQUENCE_LENGTH_KEY = "training.maxSequenceLength";

  /** The folder under the adapter's versions prefix that holds the splits. */
  public static final String FOLDER = "validation/";

  /** The lineage entries that name this split. */
  public Map<String, String> lineage() {
    Map<String, String> l = new LinkedHashMap<>();
    l.put(URI_KEY, uri);
    l.put(DIGEST_KEY, digest);
    l.put(FORMAT_KEY, format == DatasetFormat.CHAT ? "chat" : "prompt-completion");
    if (maxSequenceLength != null) {
      l.put(MAX_SEQUENCE_LENGTH_KEY, maxSequenceLength.toString());
    }
    return l;
  }

  /** The split a version's lineage names; empty for versions published without one. */
  public static Optional<ValidationSplit> fromLineage(Map<String, String> lineage) {
    if (lineage == null || lineage.get(URI_KEY) == null || lineage.get(DIGEST_KEY) == null) {
      return Optional.empty();
    }
    DatasetFormat format =
        "chat".equals(lineage.get(FORMAT_KEY))
            ? DatasetFormat.CHAT
            : DatasetFormat.PROMPT_COMPLETION;
    Integer maxSequenceLength = null;
    try {
      String value = lineage.get(MAX_SEQUENCE_LENGTH_KEY);
      maxSequenceLength = value == null ? null : Integer.valueOf(value);
    } catch (NumberFormatException e) {
      // Unknown: the evaluation keeps its own default.
    }
    return Optional.of(
        new ValidationSplit(
            lineage.get(URI_KEY), lineage.get(DIGEST_KEY), format, maxSequenceLength));
  }
}
