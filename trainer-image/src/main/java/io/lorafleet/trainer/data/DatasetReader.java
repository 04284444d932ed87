package io.lorafleet.trainer.data;

import io.lorafleet.artifacts.store.ObjectInfo;
import io.lorafleet.artifacts.store.ObjectStoreException;
import io.lorafleet.artifacts.store.Sha256;
import io.lorafleet.trainer.TrainerFailure;
import io.lorafleet.trainer.storage.Place;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Reads a dataset: one JSONL file, or every {@code *.jsonl} file under a prefix (in key order),
 * line by line, parsing and tokenizing each record. Blank lines are skipped; every other line is a
 * record, valid or reported with its file and line number. The dataset's digest is the sha256 of
 * the file for one file, else the sha256 of the lines {@code <name> <sha256>} of its files.
 */
public final class DatasetReader {
  public static final String NOT_FOUND = "DatasetNotFound";

  private final RecordParser parser;
  private final SequenceEncoder encoder;

  public DatasetReader(RecordParser parser, SequenceEncoder encoder) {
    this.parser = parser;
    this.encoder = encoder;
  }

  public LoadedDataset read(Place dataset) throws TrainerFailure, IOException {
    List<String> keys = files(dataset);
    List<Example> examples = new ArrayList<>();
    List<InvalidLine> invalid = new ArrayList<>();
    StringBuilder listing = new StringBuilder();
    String single = null;
    long records = 0;
    for (String key : keys) {
      String name = key.substring(key.lastIndexOf('/') + 1);
      MessageDigest md = Sha256.newDigest();
      try (InputStream raw = dataset.store().get(dataset.bucket(), key);
          BufferedReader in =
              new BufferedReader(
                  new InputStreamReader(
                      new DigestInputStream(raw, md),
                      StandardCharsets.UTF_8
                          .newDecoder()
                          .onMalformedInput(CodingErrorAction.REPORT)
                          .onUnmappableCharacter(CodingErrorAction.REPORT)))) {
        long lineNo = 0;
        String line;
        while (true) {
          try {
            line = in.readLine();
          } catch (CharacterCodingException e) {
            throw TrainerFailure.badInput(
                "InvalidDataset", name + " after line " + lineNo + " is not UTF-8 text");
          }
          if (line == null) {
            break;
          }
          lineNo++;
          if (line.isBlank()) {
            continue;
          }
          records++;
          SourceLine where = new SourceLine(name, lineNo);
          try {
            examples.add(new Example(where, encoder.encode(parser.parse(line))));
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

  private static List<String> files(Place dataset) throws TrainerFailure {
    String key = dataset.uri().key();
    try {
      if (!key.isEmpty()
          && !key.endsWith("/")
          && dataset.store().stat(dataset.bucket(), key).isPresent()) {
        return List.of(key);
      }
      List<String> keys =
          dataset.store().list(dataset.bucket(), dataset.uri().prefix()).stream()
              .map(ObjectInfo::key)
              .filter(k -> k.endsWith(".jsonl"))
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
