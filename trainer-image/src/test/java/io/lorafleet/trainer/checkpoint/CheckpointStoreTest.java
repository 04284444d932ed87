package io.lorafleet.trainer.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import io.lorafleet.artifacts.store.Sha256;
import io.lorafleet.trainer.storage.Places;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Resume picks the newest complete checkpoint of the same run: a directory without its marker, a
 * state whose sha256 is not the marker's, and a checkpoint of another job fingerprint are skipped.
 */
class CheckpointStoreTest {
  @TempDir Path dir;
  Places places;
  CheckpointStore store;
  Path work;

  @BeforeEach
  void open() throws Exception {
    places = new Places(Map.of());
    store = new CheckpointStore(places.open(dir.resolve("run").toString(), null, "run"));
    work = Files.createDirectories(dir.resolve("work"));
  }

  @AfterEach
  void close() {
    places.close();
  }

  /** Saves a checkpoint of {@code step} whose state is 1000 seeded bytes; returns those bytes. */
  private byte[] save(long step, String fingerprint) throws Exception {
    byte[] state = new byte[1000];
    new SplittableRandom(step).nextBytes(state);
    Path file = work.resolve("state-" + step);
    Files.write(file, state);
    store.save(
        new CheckpointInfo(
            CheckpointInfo.SCHEMA_VERSION,
            step,
            0,
            step,
            Sha256.hex(file),
            state.length,
            fingerprint,
            1.0,
            "2026-12-06T07:00:00Z"),
        file);
    Files.delete(file);
    return state;
  }

  private Path stepDir(long step) {
    return dir.resolve("run/checkpoints/step-" + step);
  }

  private Optional<CheckpointStore.Restored> latest(String fingerprint) throws Exception {
    return store.latest(i -> i.fingerprint().equals(fingerprint), work);
  }

  @Test
  void resumesTheNewestCompleteCheckpointWithItsStateAndKeepsTwo() throws Exception {
    save(2, "fp-a");
    save(4, "fp-a");
    byte[] six = save(6, "fp-a");

    CheckpointStore.Restored r = latest("fp-a").orElseThrow();

    assertThat(r.info().step()).isEqualTo(6);
    assertThat(Files.readAllBytes(r.state())).isEqualTo(six);
    assertThat(r.place().toString()).endsWith("checkpoints/step-6");
    assertThat(stepDir(2).resolve(CheckpointStore.MARKER)).doesNotExist(); // pruned
    assertThat(stepDir(2).resolve(CheckpointStore.STATE)).doesNotExist();
    assertThat(stepDir(4).resolve(CheckpointStore.MARKER)).exists();
  }

  @Test
  void skipsADirectoryWithoutItsMarker() throws Exception {
    byte[] four = save(4, "fp-a");
    byte[] six = save(6, "fp-a");
    Files.delete(stepDir(6).resolve(CheckpointStore.MARKER)); // killed before the marker

    CheckpointStore.Restored r = latest("fp-a").orElseThrow();

    assertThat(r.info().step()).isEqualTo(4);
    assertThat(Files.readAllBytes(r.state())).isEqualTo(four).isNotEqualTo(six);
  }

  @Test
  void skipsAStateWhoseSha256IsNotTheMarkers() throws Exception {
    byte[] four = save(4, "fp-a");
    save(6, "fp-a");
    Path state = stepDir(6).resolve(CheckpointStore.STATE);
    byte[] corrupt = Files.readAllBytes(state);
    corrupt[500] ^= 1; // same size, one bit flipped
    Files.write(state, corrupt);

    CheckpointStore.Restored r = latest("fp-a").orElseThrow();

    assertThat(r.info().step()).isEqualTo(4);
    assertThat(Files.readAllBytes(r.state())).isEqualTo(four);
    assertThat(work.resolve("resume-step-6.safetensors")).doesNotExist();
  }

  @Test
  void skipsACheckpointOfAnotherJobFingerprint() throws Exception {
    save(4, "fp-a");
    save(6, "fp-b"); // other settings, dataset or base model

    assertThat(latest("fp-a").orElseThrow().info().step()).isEqualTo(4);
    assertThat(latest("fp-b").orElseThrow().info().step()).isEqualTo(6);
    assertThat(latest("fp-c")).isEmpty();
  }

  @Test
  void nothingToResumeInAnEmptyRunDirectory() throws Exception {
    assertThat(latest("fp-a")).isEmpty();
  }
}
