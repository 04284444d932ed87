package io.lorafleet.trainer.data;

import io.lorafleet.trainer.TrainerFailure;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The lines of one JSONL file, read in chunks with bounded memory: a line may hold at most {@code
 * maxLineBytes} (a file without newlines was read whole by {@code readLine}), every byte counts
 * against the dataset's byte budget (an object-store stream that never ends stops there), a NUL
 * byte means the file is not text, and a line must be UTF-8. Each of these is a bad-input failure
 * ({@code InvalidDataset}) naming the file and line. {@code \n} ends a line; a {@code \r} before it
 * is dropped.
 */
final class JsonlLines {
  /** The bytes the whole dataset may still read. */
  static final class Budget {
    private final long limit;
    private long used;

    Budget(long limit) {
      this.limit = limit;
    }

    void take(int n) throws TrainerFailure {
      used += n;
      if (used > limit) {
        throw TrainerFailure.badInput(
            LoadedDataset.INVALID,
            "the dataset is larger than " + limit + " bytes (the trainer's dataset limit)");
      }
    }
  }

  private final InputStream in;
  private final String name;
  private final int maxLineBytes;
  private final Budget budget;
  private final byte[] chunk = new byte[64 * 1024];
  private int chunkPos;
  private int chunkEnd;
  private byte[] line = new byte[4096];
  private long lineNo;
  private boolean eof;
  private final CharsetDecoder utf8 =
      StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT);

  JsonlLines(InputStream in, String name, int maxLineBytes, Budget budget) {
    this.in = in;
    this.name = name;
    this.maxLineBytes = maxLineBytes;
    this.budget = budget;
  }

  /** The number of the line {@link #next} returned last (1-based). */
  long lineNo() {
    return lineNo;
  }

  /** The next line, or null at the end of the file. */
  String next() throws TrainerFailure, IOException {
    if (eof) {
      return null;
    }
    int length = 0;
    lineNo++;
    while (true) {
      if (chunkPos == chunkEnd) {
        int n = in.read(chunk);
        if (n < 0) {
          eof = true;
          if (length == 0) {
            return null;
          }
          return decode(length);
        }
        budget.take(n);
        chunkPos = 0;
        chunkEnd = n;
      }
      while (chunkPos < chunkEnd) {
        byte b = chunk[chunkPos++];
        if (b == '\n') {
          return decode(length);
        }
        if (b == 0) {
          throw bad("contains a NUL byte: not a JSONL text file");
        }
        if (length == maxLineBytes) {
          throw bad("is longer than " + maxLineBytes + " bytes (the trainer's line limit)");
        }
        if (length == line.length) {
          line = Arrays.copyOf(line, Math.min(maxLineBytes, line.length * 2));
        }
        line[length++] = b;
      }
    }
  }

  private String decode(int length) throws TrainerFailure {
    if (length > 0 && line[length - 1] == '\r') {
      length--;
    }
    try {
      return utf8.decode(ByteBuffer.wrap(line, 0, length)).toString();
    } catch (CharacterCodingException e) {
      throw bad("is not UTF-8 text");
    }
  }

  private TrainerFailure bad(String problem) {
    return TrainerFailure.badInput(LoadedDataset.INVALID, name + " line " + lineNo + " " + problem);
  }
}
