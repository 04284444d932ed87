package io.lorafleet.cli;

import io.lorafleet.artifacts.safetensors.SafetensorsFile;
import io.lorafleet.artifacts.safetensors.SafetensorsHeader;
import io.lorafleet.artifacts.store.ArtifactStore;
import io.lorafleet.artifacts.store.Manifest;
import io.lorafleet.artifacts.store.Sha256;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** A local directory. Its digest is the one it would get when pushed without lineage. */
final class LocalArtifactView implements ArtifactView {
  private final Path dir;
  private final Map<String, Long> files = new TreeMap<>();
  private final String digest;

  LocalArtifactView(Path dir) throws IOException {
    this.dir = dir;
    Path existing = dir.resolve(ArtifactStore.MANIFEST);
    Manifest m;
    if (Files.exists(existing)) {
      // A pulled directory: its manifest carries the lineage, so its digest is the version's.
      byte[] bytes = Files.readAllBytes(existing);
      m = Manifest.parse(bytes);
      Manifest actual = ArtifactStore.manifestOf(dir, m.lineage());
      if (!actual.files().equals(m.files())) {
        throw new IOException(
            dir + " does not match its manifest.json (files were changed after the pull)");
      }
      digest = Sha256.hex(bytes);
    } else {
      m = ArtifactStore.manifestOf(dir, Map.of());
      digest = m.digest();
    }
    m.files().forEach(e -> files.put(e.path(), e.size()));
  }

  @Override
  public String location() {
    return dir.toString();
  }

  @Override
  public Map<String, Long> files() {
    return files;
  }

  @Override
  public byte[] read(String path) throws IOException {
    return Files.readAllBytes(dir.resolve(path));
  }

  @Override
  public SafetensorsHeader safetensorsHeader(String path) throws IOException {
    return SafetensorsFile.readHeader(dir.resolve(path));
  }

  @Override
  public Optional<String> digest() {
    return Optional.of(digest);
  }
}
