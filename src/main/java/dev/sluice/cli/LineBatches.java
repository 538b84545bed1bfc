package dev.sluice.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * NDJSON input cut into request bodies of whole lines, remembering which input line each event
 * came from so that a rejected event can be named by its line. Blank lines are skipped.
 */
final class LineBatches {
  /** No server with default limits accepts a longer line; reading one further only wastes memory. */
  static final int LINE_BYTES_MAX = 64 << 20;

  /** A request body and, for its n-th line, the input line it came from: {@code lines[n - 1]}. */
  record Batch(byte[] body, int[] lines) {
    int events() {
      return lines.length;
    }

    int firstLine() {
      return lines[0];
    }

    int lastLine() {
      return lines[lines.length - 1];
    }
  }

  private final InputStream in;
  private final int linesMax;
  private final int bytesMax;
  private final byte[] buffer = new byte[64 * 1024];
  private int position;
  private int limit;
  private int lineNumber;
  private byte[] body = new byte[64 * 1024];
  private int size;

  LineBatches(InputStream in, int linesMax, int bytesMax) {
    this.in = in;
    this.linesMax = linesMax;
    this.bytesMax = bytesMax;
  }

  /** The next batch, or null at the end of the input. */
  Batch next() throws IOException {
    size = 0;
    int[] lines = new int[linesMax];
    int count = 0;
    while (count < linesMax && size < bytesMax) {
      int start = size;
      if (!readLine()) {
        break;
      }
      lineNumber++;
      if (isBlank(start)) {
        size = start;
        continue;
      }
      if (body[size - 1] != '\n') {
        append((byte) '\n');
      }
      lines[count++] = lineNumber;
    }
    return count == 0 ? null : new Batch(Arrays.copyOf(body, size), Arrays.copyOf(lines, count));
  }

  /** Appends one line, with its newline if it has one, to the body; false at the end of input. */
  private boolean readLine() throws IOException {
    int start = size;
    while (true) {
      if (position == limit) {
        limit = in.read(buffer);
        position = 0;
        if (limit <= 0) {
          limit = 0;
          return size > start;
        }
      }
      int end = position;
      while (end < limit && buffer[end] != '\n') {
        end++;
      }
      boolean complete = end < limit;
      int length = (complete ? end + 1 : end) - position;
      if (size - start + length > LINE_BYTES_MAX) {
        throw new CliFailure("line " + (lineNumber + 1) + " of the input is longer than " + LINE_BYTES_MAX + " bytes");
      }
      ensure(length);
      System.arraycopy(buffer, position, body, size, length);
      size += length;
      position += length;
      if (complete) {
        return true;
      }
    }
  }

  private boolean isBlank(int start) {
    for (int i = start; i < size; i++) {
      byte b = body[i];
      if (b != ' ' && b != '\t' && b != '\r' && b != '\n') {
        return false;
      }
    }
    return true;
  }

  private void append(byte b) {
    ensure(1);
    body[size++] = b;
  }

  private void ensure(int more) {
    if (size + more > body.length) {
      body = Arrays.copyOf(body, Math.max(body.length * 2, size + more));
    }
  }
}
