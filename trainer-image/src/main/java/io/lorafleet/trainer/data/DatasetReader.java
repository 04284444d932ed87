package io.lorafleet.trainer.data;

import io.lorafleet.artifacts.store.ObjectInfo;
import io.lorafleet.artifacts.store.ObjectStoreException;
import io.lorafleet.artifacts.store.Sha256;
import io.lorafleet.trainer.TrainerFailure;
import io.lorafleet.trainer.storage.Place;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * Reads a dataset: one JSONL file, or every {@code *.jsonl} file under a prefix (in key order),
 * line by line, parsing and tokenizing each record. Blank lines are skipped; every other line is a
 * record, valid or reported with its file and line number. The dataset's digest is the sha256 of
 * the file for one file, else the sha256 of the lines {@code <name> <sha256>} of its files. What is
 * read is bounded ({@link Limits}, {@link JsonlLines}): hostile files fail with {@code
 * InvalidDataset} instead of exhausting memory or running forever.
 */
public final class DatasetReader {
  public static final String NOT_FOUND = "DatasetNotFound";

  private final RecordParser parser;
  private final SequenceEncoder encoder;

  /**
   * How much the reader takes in: bytes per line and for the whole dataset (every example is held
   * in memory, so this bounds the trainer's memory for data, and a stream that never ends stops).
   */
  public record Limits(int maxLineBytes, long maxDatasetBytes) {
    /** 8 MiB per line (far beyond any maxSequenceLength), 1 GiB per dataset. */
    public static final Limits DEFAULT = new Limits(8 << 20, 1L << 30);
  }

  private final Limits limits;
  private final boolean keepLines;

  public DatasetReader(RecordParser parser, SequenceEncoder encoder) {
    this(parser, encoder, Limits.DEFAULT);
  }

  public DatasetReader(RecordParser parser, SequenceEncoder encoder, Limits limits) {
    this(parser, encoder, limits, false);
  }

  private DatasetReader(
      RecordParser parser, SequenceEncoder encoder, Limits limits, boolean keepLines) {
    this.parser = parser;
    this.encoder = encoder;
    this.limits = limits;
    this.keepLines = keepLines;
  }

  /**
   * This reader, keeping each valid record's line as well (its JSONL text next to its tokens: about
   * twice the memory for data), for a run that publishes the lines it holds out.
   */
  public DatasetReader keepingLines() {
    return new DatasetReader(parser, encoder, limits, true);
  }

  public LoadedDataset read(Place dataset) throws TrainerFailure, IOException {
    List<String> keys = files(dataset);
    List<Example> examples = new ArrayList<>();
    List<InvalidLine> invalid = new ArrayList<>();
    StringBuilder listing = new StringBuilder();
    String single = null;
    long records = 0;
    JsonlLines.Budget budget = new JsonlLines.Budget(limits.maxDatasetBytes());
    for (String key : keys) {
      String name = key.substring(key.lastIndexOf('/') + 1);
      MessageDigest md = Sha256.newDigest();
      try (InputStream raw = dataset.store().get(dataset.bucket(), key)) {
        JsonlLines in =
            new JsonlLines(new DigestInputStream(raw, md), name, limits.maxLineBytes(), budget);
        for (String line = in.next(); line != null; line = in.next()) {
          if (line.isBlank()) {
            continue;
          }
          records++;
          SourceLine where = new SourceLine(name, in.lineNo());
          try {
            examples.add(
                new Example(where, encoder.encode(parser.parse(line)), keepLines ? line : null));
          } catch (InvalidRecordException e) {
            invalid.add(new InvalidLine(where, e.getMessage()));
          }
        }
      }
      String sha = HexFormat.of().formatHex(md.digest());
      listing.append(name).append(' ').append(sha).append('\n');
      single = sha;
    }
    String digest =
        keys.size() == 1 ? single : Sha256.hex(listing.toString().getBytes(StandardCharsets.UTF_8));
    return new LoadedDataset(examples, invalid, records, "sha256:" + digest, keys.size());
  }

  /** The dataset's files, refused before reading when their sizes already exceed the limit. */
  private List<String> files(Place dataset) throws TrainerFailure {
    List<ObjectInfo> files = objects(dataset);
    long size = files.stream().mapToLong(ObjectInfo::size).sum();
    if (size > limits.maxDatasetBytes()) {
      throw TrainerFailure.badInput(
          LoadedDataset.INVALID,
          dataset
              + " is "
              + size
              + " bytes, more than the trainer's dataset limit "
              + limits.maxDatasetBytes());
    }
    return files.stream().map(ObjectInfo::key).toList();
  }

  private static List<ObjectInfo> objects(Place dataset) throws TrainerFailure {
    String key = dataset.uri().key();
    try {
      if (!key.isEmpty() && !key.endsWith("/")) {
        Optional<ObjectInfo> file = dataset.store().stat(dataset.bucket(), key);
        if (file.isPresent()) {
          return List.of(file.get());
        }
      }
      List<ObjectInfo> keys =
          dataset.store().list(dataset.bucket(), dataset.uri().prefix()).stream()
              .filter(o -> o.key().endsWith(".jsonl"))
              .toList();
      if (keys.isEmpty()) {
        throw TrainerFailure.badInput(
            NOT_FOUND,
            "no dataset at " + dataset + " (neither a file nor a prefix with *.jsonl files)");
      }
      return keys;
    } catch (ObjectStoreException e) {
      if (e.kind() == ObjectStoreException.Kind.NOT_FOUND) {
        throw TrainerFailure.badInput(
            NOT_FOUND, "no dataset at " + dataset + ": " + e.getMessage());
      }
      throw e;
    }
  }
}
