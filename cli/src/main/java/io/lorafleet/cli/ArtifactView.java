package io.lorafleet.cli;

import io.lorafleet.artifacts.safetensors.SafetensorsHeader;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;

/**
 * What {@code inspect} needs from an artifact, wherever it lives: the file list, small files in
 * full, and safetensors headers (without the weights).
 */
interface ArtifactView {
  /** Where the artifact is, for messages. */
  String location();

  /** Relative path to size in bytes. */
  Map<String, Long> files();

  byte[] read(String path) throws IOException;

  SafetensorsHeader safetensorsHeader(String path) throws IOException;

  /** The version digest when the artifact has a manifest, and whether it was verified. */
  Optional<String> digest();

  default boolean has(String path) {
    return files().containsKey(path);
  }
}
