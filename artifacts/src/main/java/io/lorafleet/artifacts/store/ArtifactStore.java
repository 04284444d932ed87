package io.lorafleet.artifacts.store;

import io.lorafleet.artifacts.store.ObjectStoreException.Kind;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Content-addressed versions in object storage (see architecture.md, "Object storage layout"):
 *
 * <pre>
 * &lt;prefix&gt;/.uploads/&lt;uuid&gt;/...          files while an upload is in flight
 * &lt;prefix&gt;/sha256-&lt;digest&gt;/...            published files
 * &lt;prefix&gt;/sha256-&lt;digest&gt;/manifest.json  written last; its sha256 is the digest
 * </pre>
 *
 * A version exists exactly when its manifest exists, so readers never see half an upload.
 */
public final class ArtifactStore {
  public static final String MANIFEST = "manifest.json";
  public static final String UPLOADS = ".uploads/";
  public static final String VERSION_PREFIX = "sha256-";

  /** S3's limit for a single server-side copy, which publishing uses (no multipart copy yet). */
  public static final long MAX_FILE_BYTES = 5L << 30;

  private static final Pattern VERSION_DIR = Pattern.compile("sha256-([0-9a-f]{64})/");
  private static final System.Logger LOG = System.getLogger(ArtifactStore.class.getName());

  private final ObjectStore store;
  private final Retrier retrier;

  public ArtifactStore(ObjectStore store, RetryPolicy retry) {
    this.store = store;
    this.retrier = new Retrier(retry);
  }

  /** The object store underneath, for layouts outside the versioned one (plain directories). */
  public ObjectStore objects() {
    return store;
  }

  /** Builds the manifest of a local directory (a root {@code manifest.json} is not content). */
  public static Manifest manifestOf(Path dir, Map<String, String> lineage) throws IOException {
    List<Manifest.Entry> entries = new ArrayList<>();
    for (Path f : regularFiles(dir)) {
      String rel = relative(dir, f);
      if (!rel.equals(MANIFEST)) {
        entries.add(new Manifest.Entry(rel, Files.size(f), Sha256.hex(f)));
      }
    }
    if (entries.isEmpty()) {
      throw new IOException(dir + " holds no files to publish");
    }
    return new Manifest(entries, lineage);
  }

  /** Uploads {@code dir} as a new version under {@code dest}; idempotent for equal content. */
  public PublishedVersion push(Path dir, S3Uri dest, Map<String, String> lineage)
      throws IOException {
    for (Path f : regularFiles(dir)) {
      if (Files.size(f) > MAX_FILE_BYTES) {
        throw new IOException(
            relative(dir, f)
                + " is "
                + Files.size(f)
                + " bytes; files over 5 GiB cannot be published yet (S3 copy limit):"
                + " save the model in smaller shards");
      }
    }
    Manifest manifest = manifestOf(dir, lineage);
    byte[] manifestBytes = manifest.toBytes();
    String digest = Sha256.hex(manifestBytes);
    S3Uri version = dest.child(VERSION_PREFIX + digest + "/");
    String bucket = dest.bucket();
    store.ensureBucket(bucket);
    if (store.stat(bucket, version.prefix() + MANIFEST).isPresent()) {
      LOG.log(Level.INFO, "{0} is already published", version);
      return new PublishedVersion(version, digest, manifest);
    }
    String upload = dest.prefix() + UPLOADS + UUID.randomUUID() + "/";
    Instant start = Instant.now();
    for (Manifest.Entry e : manifest.files()) {
      store.put(bucket, upload + e.path(), dir.resolve(e.path()));
    }
    for (Manifest.Entry e : manifest.files()) {
      store.copy(bucket, upload + e.path(), version.prefix() + e.path());
    }
    store.putBytes(bucket, version.prefix() + MANIFEST, manifestBytes); // publishes the version
    try {
      store.delete(bucket, manifest.files().stream().map(e -> upload + e.path()).toList());
    } catch (ObjectStoreException e) {
      // The version is published; leftovers are removed by cleanupAbandoned.
      LOG.log(Level.WARNING, "could not remove temporary upload {0}: {1}", upload, e.getMessage());
    }
    LOG.log(
        Level.INFO,
        "published {0}: {1} files, {2} bytes in {3} ms",
        version,
        manifest.files().size(),
        manifest.totalSize(),
        Duration.between(start, Instant.now()).toMillis());
    return new PublishedVersion(version, digest, manifest);
  }

  /**
   * Downloads a version into {@code dir}, verifying the manifest digest and every file's size and
   * sha256. A URI without {@code sha256-...} picks the most recently published version. The exact
   * manifest is written to {@code dir} as well, so the local copy knows its digest.
   */
  public PublishedVersion pull(S3Uri uri, Path dir) throws IOException {
    S3Uri version = resolve(uri);
    String digest = digestOf(version);
    byte[] manifestBytes = readManifestBytes(version);
    String actual = Sha256.hex(manifestBytes);
    if (!actual.equals(digest)) {
      throw new DigestMismatchException(
          "manifest of " + version + " has sha256 " + actual + ", expected " + digest);
    }
    Manifest manifest = Manifest.parse(manifestBytes);
    Files.createDirectories(dir);
    for (Manifest.Entry e : manifest.files()) {
      download(version, e, dir);
    }
    Files.write(dir.resolve(MANIFEST), manifestBytes);
    return new PublishedVersion(version, digest, manifest);
  }

  /** Reads and verifies only the manifest of a version (cheap inspection). */
  public PublishedVersion manifest(S3Uri uri) {
    S3Uri version = resolve(uri);
    String digest = digestOf(version);
    byte[] bytes = readManifestBytes(version);
    if (!Sha256.hex(bytes).equals(digest)) {
      throw new DigestMismatchException(
          "manifest of " + version + " has sha256 " + Sha256.hex(bytes) + ", expected " + digest);
    }
    return new PublishedVersion(version, digest, Manifest.parse(bytes));
  }

  /** Opens one file of a version as a stream (not verified; use pull for verified copies). */
  public InputStream open(S3Uri version, String path) {
    return store.get(version.bucket(), version.prefix() + path);
  }

  private byte[] readManifestBytes(S3Uri version) {
    try {
      return store.getBytes(version.bucket(), version.prefix() + MANIFEST);
    } catch (ObjectStoreException e) {
      if (e.kind() == Kind.NOT_FOUND) {
        throw new ObjectStoreException(
            Kind.NOT_FOUND, "no published version at " + version + " (no " + MANIFEST + ")", e);
      }
      throw e;
    }
  }

  private void download(S3Uri version, Manifest.Entry e, Path dir) throws IOException {
    Path target = dir.resolve(e.path());
    Files.createDirectories(target.getParent());
    Path part = target.resolveSibling("." + target.getFileName() + ".part");
    try {
      // Retries a download cut short by the network; a wrong digest is permanent.
      retrier.run(
          "download " + version.prefix() + e.path(),
          () -> {
            fetchVerified(version, e, part);
            return null;
          });
      Files.move(part, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(part);
    }
  }

  private void fetchVerified(S3Uri version, Manifest.Entry e, Path part) throws IOException {
    MessageDigest md = Sha256.newDigest();
    long size;
    try (InputStream in =
            new DigestInputStream(store.get(version.bucket(), version.prefix() + e.path()), md);
        OutputStream out = Files.newOutputStream(part)) {
      size = in.transferTo(out);
    }
    String sha = HexFormat.of().formatHex(md.digest());
    if (size != e.size() || !sha.equals(e.sha256())) {
      throw new DigestMismatchException(
          "file '"
              + e.path()
              + "' of "
              + version
              + ": got "
              + size
              + " bytes with sha256 "
              + sha
              + ", manifest says "
              + e.size()
              + " bytes with sha256 "
              + e.sha256());
    }
  }

  /** Published versions under {@code prefix}, oldest first. */
  public List<VersionInfo> list(S3Uri prefix) {
    List<VersionInfo> out = new ArrayList<>();
    List<ObjectInfo> objects;
    try {
      objects = store.list(prefix.bucket(), prefix.prefix());
    } catch (ObjectStoreException e) {
      if (e.kind() == Kind.NOT_FOUND) {
        return out; // a missing bucket holds no versions
      }
      throw e;
    }
    for (ObjectInfo o : objects) {
      String rest = o.key().substring(prefix.prefix().length());
      Matcher m = VERSION_DIR.matcher(rest);
      if (m.lookingAt() && rest.substring(m.end()).equals(MANIFEST)) {
        out.add(new VersionInfo(prefix.child(m.group()), m.group(1), o.lastModified()));
      }
    }
    out.sort(Comparator.comparing(VersionInfo::publishedAt));
    return out;
  }

  /** Deletes a version; the manifest goes first, so the version vanishes atomically. */
  public void delete(S3Uri version) {
    digestOf(version);
    String bucket = version.bucket();
    store.delete(bucket, List.of(version.prefix() + MANIFEST));
    store.delete(
        bucket, store.list(bucket, version.prefix()).stream().map(ObjectInfo::key).toList());
  }

  /**
   * Removes what interrupted uploads left behind under {@code prefix}: temporary uploads, version
   * directories without a manifest, and incomplete multipart uploads, when they are older than
   * {@code olderThan} (so uploads still in flight are left alone). Returns how many objects were
   * deleted plus how many multipart uploads were aborted.
   */
  public int cleanupAbandoned(S3Uri prefix, Duration olderThan, Instant now) {
    Instant cutoff = now.minus(olderThan);
    int aborted = 0;
    for (ObjectStore.PendingUpload u :
        store.incompleteUploads(prefix.bucket(), prefix.prefix() + UPLOADS)) {
      if (u.initiated().isBefore(cutoff)) {
        store.abortUpload(prefix.bucket(), u.key(), u.uploadId());
        aborted++;
        LOG.log(Level.INFO, "aborted incomplete multipart upload of {0}", u.key());
      }
    }
    Map<String, List<ObjectInfo>> groups = new LinkedHashMap<>();
    Map<String, Boolean> hasManifest = new LinkedHashMap<>();
    for (ObjectInfo o : store.list(prefix.bucket(), prefix.prefix())) {
      String rest = o.key().substring(prefix.prefix().length());
      String group = groupOf(rest);
      if (group == null) {
        continue;
      }
      groups.computeIfAbsent(group, g -> new ArrayList<>()).add(o);
      hasManifest.merge(group, rest.equals(group + MANIFEST), Boolean::logicalOr);
    }
    int deleted = 0;
    for (Map.Entry<String, List<ObjectInfo>> g : groups.entrySet()) {
      boolean abandoned =
          !hasManifest.get(g.getKey())
              && g.getValue().stream().allMatch(o -> o.lastModified().isBefore(cutoff));
      if (abandoned) {
        store.delete(prefix.bucket(), g.getValue().stream().map(ObjectInfo::key).toList());
        deleted += g.getValue().size();
        LOG.log(Level.INFO, "removed abandoned upload {0}{1}", prefix.prefix(), g.getKey());
      }
    }
    return deleted + aborted;
  }

  /** {@code .uploads/<id>/} or {@code sha256-<hex>/} for keys inside one, else null. */
  private static String groupOf(String rest) {
    if (rest.startsWith(UPLOADS)) {
      int slash = rest.indexOf('/', UPLOADS.length());
      return slash < 0 ? null : rest.substring(0, slash + 1);
    }
    Matcher m = VERSION_DIR.matcher(rest);
    return m.lookingAt() ? m.group() : null;
  }

  private S3Uri resolve(S3Uri uri) {
    if (uri.lastSegment().startsWith(VERSION_PREFIX)) {
      return new S3Uri(uri.bucket(), uri.prefix());
    }
    List<VersionInfo> versions = list(uri);
    if (versions.isEmpty()) {
      throw new ObjectStoreException(Kind.NOT_FOUND, "no published version under " + uri, null);
    }
    return versions.getLast().uri();
  }

  private static String digestOf(S3Uri version) {
    String seg = version.lastSegment();
    String hex = seg.startsWith(VERSION_PREFIX) ? seg.substring(VERSION_PREFIX.length()) : "";
    if (!Sha256.isHex(hex)) {
      throw new ObjectStoreException(
          Kind.INVALID, version + " does not end with sha256-<64 hex digits>", null);
    }
    return hex;
  }

  private static List<Path> regularFiles(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile).sorted().toList();
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }

  private static String relative(Path dir, Path file) {
    return dir.relativize(file).toString().replace('\\', '/');
  }
}
