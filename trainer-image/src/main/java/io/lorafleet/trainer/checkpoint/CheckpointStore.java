package io.lorafleet.trainer.checkpoint;

import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.lorafleet.artifacts.store.ObjectInfo;
import io.lorafleet.artifacts.store.Sha256;
import io.lorafleet.trainer.storage.Place;
import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checkpoints under {@code <run>/checkpoints/step-<n>/}: {@value #STATE} (the engine's training
 * state) first, then {@value #MARKER} with its size and sha256. A directory without the marker, or
 * whose state does not match it, is incomplete and never resumed. The newest {@value #KEEP}
 * complete checkpoints are kept; older ones are deleted after a newer one is complete.
 */
public final class CheckpointStore {
  public static final String DIR = "checkpoints";
  public static final String STATE = "state.safetensors";
  public static final String MARKER = "checkpoint.json";
  static final int KEEP = 2;

  private static final System.Logger LOG = System.getLogger(CheckpointStore.class.getName());
  private static final Pattern STEP = Pattern.compile("step-(\\d+)/(.+)");
  private static final JsonMapper JSON =
      JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

  private final Place root;

  public CheckpointStore(Place run) {
    this.root = run.child(DIR);
  }

  public Place place(long step) {
    return root.child("step-" + step);
  }

  /** A checkpoint found for resuming, with its state downloaded and verified. */
  public record Restored(CheckpointInfo info, Path state, Place place) {}

  /** Uploads {@code stateFile} and then the marker; returns where the checkpoint is. */
  public Place save(CheckpointInfo info, Path stateFile) throws IOException {
    Place p = place(info.step());
    p.store().put(p.bucket(), p.key(STATE), stateFile);
    p.writeBytes(MARKER, JSON.writeValueAsBytes(info));
    prune(info.step());
    return p;
  }

  /**
   * The newest complete checkpoint that {@code usable} accepts, its state downloaded to {@code
   * workDir}; incomplete, corrupt or unusable checkpoints are skipped with a log line.
   */
  public Optional<Restored> latest(Predicate<CheckpointInfo> usable, Path workDir)
      throws IOException {
    for (long step : completeSteps().descendingSet()) {
      Place p = place(step);
      CheckpointInfo info;
      try {
        info = JSON.readValue(p.readBytes(MARKER), CheckpointInfo.class);
      } catch (IOException e) {
        LOG.log(Level.WARNING, "skipping checkpoint {0}: unreadable {1}", p, MARKER);
        continue;
      }
      if (info.step() != step || info.schemaVersion() != CheckpointInfo.SCHEMA_VERSION) {
        LOG.log(Level.WARNING, "skipping checkpoint {0}: marker does not describe it", p);
        continue;
      }
      if (!usable.test(info)) {
        LOG.log(
            Level.WARNING,
            "skipping checkpoint {0}: written with other settings, dataset or base model",
            p);
        continue;
      }
      Path local = workDir.resolve("resume-step-" + step + ".safetensors");
      try (InputStream in = p.store().get(p.bucket(), p.key(STATE))) {
        Files.copy(in, local, StandardCopyOption.REPLACE_EXISTING);
      }
      if (Files.size(local) != info.stateSize() || !Sha256.hex(local).equals(info.stateSha256())) {
        LOG.log(Level.WARNING, "skipping checkpoint {0}: state does not match its marker", p);
        Files.delete(local);
        continue;
      }
      return Optional.of(new Restored(info, local, p));
    }
    return Optional.empty();
  }

  /** Steps whose directory holds a marker, ascending. */
  TreeSet<Long> completeSteps() {
    TreeSet<Long> steps = new TreeSet<>();
    for (ObjectInfo o : root.store().list(root.bucket(), root.uri().prefix())) {
      Matcher m = STEP.matcher(o.key().substring(root.uri().prefix().length()));
      if (m.matches() && m.group(2).equals(MARKER)) {
        steps.add(Long.parseLong(m.group(1)));
      }
    }
    return steps;
  }

  /** Deletes checkpoints older than the newest KEEP complete ones (marker first). */
  private void prune(long newest) {
    List<Long> complete = new ArrayList<>(completeSteps());
    complete.sort(Comparator.reverseOrder());
    for (int i = KEEP; i < complete.size(); i++) {
      long step = complete.get(i);
      if (step >= newest) {
        continue;
      }
      Place p = place(step);
      try {
        p.store().delete(p.bucket(), List.of(p.key(MARKER)));
        p.store()
            .delete(
                p.bucket(),
                p.store().list(p.bucket(), p.uri().prefix()).stream()
                    .map(ObjectInfo::key)
                    .toList());
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "could not delete old checkpoint {0}: {1}", p, e.getMessage());
      }
    }
  }
}
