package io.lorafleet.cli;

import io.lorafleet.artifacts.safetensors.SafetensorsFormatException;
import io.lorafleet.artifacts.safetensors.SafetensorsHeader;
import io.lorafleet.artifacts.safetensors.SafetensorsHeaderParser;
import io.lorafleet.artifacts.store.ArtifactStore;
import io.lorafleet.artifacts.store.DigestMismatchException;
import io.lorafleet.artifacts.store.Manifest;
import io.lorafleet.artifacts.store.PublishedVersion;
import io.lorafleet.artifacts.store.Sha256;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A published version in object storage. Small files are downloaded and checked against the
 * verified manifest; safetensors files are read only up to the end of their header.
 */
final class RemoteArtifactView implements ArtifactView {
  private final ArtifactStore store;
  private final PublishedVersion version;
  private final Map<String, Manifest.Entry> entries = new TreeMap<>();
  private final Map<String, Long> files = new TreeMap<>();

  RemoteArtifactView(ArtifactStore store, PublishedVersion version) {
    this.store = store;
    this.version = version;
    version
        .manifest()
        .files()
        .forEach(
            e -> {
              entries.put(e.path(), e);
              files.put(e.path(), e.size());
            });
  }

  @Override
  public String location() {
    return version.uri().toString();
  }

  @Override
  public Map<String, Long> files() {
    return files;
  }

  @Override
  public byte[] read(String path) throws IOException {
    Manifest.Entry e = entries.get(path);
    byte[] bytes;
    try (InputStream in = store.open(version.uri(), path)) {
      bytes = in.readAllBytes();
    }
    if (!Sha256.hex(bytes).equals(e.sha256())) {
      throw new DigestMismatchException(
          "file '" + path + "' of " + version.uri() + " does not match its manifest sha256");
    }
    return bytes;
  }

  @Override
  public SafetensorsHeader safetensorsHeader(String path) throws IOException {
    long size = entries.get(path).size();
    try (InputStream in = store.open(version.uri(), path)) {
      byte[] prefix = in.readNBytes(8);
      long n = SafetensorsHeaderParser.headerLength(prefix, size);
      byte[] json = in.readNBytes((int) n);
      if (json.length != n) {
        throw new SafetensorsFormatException(path + ": object ended inside the header");
      }
      return SafetensorsHeaderParser.parse(json, size);
    }
  }

  @Override
  public Optional<String> digest() {
    return Optional.of(version.digest());
  }
}
