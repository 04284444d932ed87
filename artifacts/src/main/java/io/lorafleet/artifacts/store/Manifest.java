package io.lorafleet.artifacts.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.lorafleet.artifacts.json.StrictJson;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * {@code manifest.json} of a version: every file with size and sha256, and lineage (who produced it
 * from what). Serialization is canonical (sorted, compact), so the same content always has the same
 * digest.
 */
public record Manifest(List<Entry> files, Map<String, String> lineage) {
  public static final int SCHEMA_VERSION = 1;
  private static final ObjectMapper MAPPER =
      new ObjectMapper().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

  /** One file, {@code path} relative to the version with {@code /} separators. */
  public record Entry(String path, long size, String sha256) {}

  public Manifest {
    List<Entry> sorted = new ArrayList<>(files);
    sorted.sort(Comparator.comparing(Entry::path));
    files = List.copyOf(sorted);
    lineage = java.util.Collections.unmodifiableMap(new TreeMap<>(lineage));
  }

  public long totalSize() {
    return files.stream().mapToLong(Entry::size).sum();
  }

  public byte[] toBytes() {
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("schemaVersion", SCHEMA_VERSION);
    List<Map<String, Object>> fs = new ArrayList<>();
    for (Entry e : files) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("path", e.path());
      m.put("size", e.size());
      m.put("sha256", e.sha256());
      fs.add(m);
    }
    root.put("files", fs);
    root.put("lineage", lineage);
    try {
      return MAPPER.writeValueAsBytes(root);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The version digest: sha256 of the canonical manifest bytes. */
  public String digest() {
    return Sha256.hex(toBytes());
  }

  public static Manifest parse(byte[] bytes) {
    StrictJson j = new StrictJson("manifest.json", ManifestException::new);
    JsonNode root = j.object(bytes);
    int schema = j.integer(root, "schemaVersion", -1, 1);
    if (schema != SCHEMA_VERSION) {
      throw j.fail(
          "schemaVersion " + schema + " is not supported (expected " + SCHEMA_VERSION + ")");
    }
    JsonNode files = root.get("files");
    if (files == null || !files.isArray()) {
      throw j.fail("'files' must be a list");
    }
    List<Entry> entries = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (JsonNode f : files) {
      if (!f.isObject()) {
        throw j.fail("'files' entries must be objects");
      }
      String path = j.string(f, "path", "");
      checkPath(j, path);
      if (!seen.add(path)) {
        throw j.fail("file '" + path + "' is listed twice");
      }
      JsonNode size = f.get("size");
      if (size == null
          || !size.isIntegralNumber()
          || !size.canConvertToLong()
          || size.longValue() < 0) {
        throw j.fail("file '" + path + "' has no valid size");
      }
      String sha = j.string(f, "sha256", "");
      if (!Sha256.isHex(sha)) {
        throw j.fail("file '" + path + "' has no valid sha256");
      }
      entries.add(new Entry(path, size.longValue(), sha));
    }
    Map<String, String> lineage = new TreeMap<>();
    JsonNode l = root.get("lineage");
    if (l != null && !l.isNull()) {
      if (!l.isObject()) {
        throw j.fail("'lineage' must be an object of strings");
      }
      for (Map.Entry<String, JsonNode> e : l.properties()) {
        lineage.put(e.getKey(), j.string(l, e.getKey(), ""));
      }
    }
    return new Manifest(entries, lineage);
  }

  /** Paths come from a remote manifest: refuse anything that could escape the target directory. */
  static void checkPath(StrictJson j, String path) {
    boolean bad =
        path.isEmpty()
            || path.startsWith("/")
            || path.contains("\\")
            || path.contains("\0")
            || path.equals(ArtifactStore.MANIFEST);
    for (String seg : path.split("/", -1)) {
      bad |= seg.isEmpty() || seg.equals(".") || seg.equals("..");
    }
    if (bad) {
      throw j.fail("file path '" + path + "' is not a safe relative path");
    }
  }
}
