package dev.sluice.server;

import dev.sluice.log.ErrorCode;
import dev.sluice.log.LogException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * A request body that fails as soon as it grows past its limit, so an oversized or endless body
 * costs at most the limit in memory, whatever its Content-Length claims.
 */
final class LimitedInput extends FilterInputStream {
  private final long limitBytes;
  private long readBytes;

  LimitedInput(InputStream in, long limitBytes) {
    super(in);
    this.limitBytes = limitBytes;
  }

  @Override
  public int read() throws IOException {
    int b = super.read();
    if (b >= 0) {
      count(1);
    }
    return b;
  }

  @Override
  public int read(byte[] buffer, int offset, int length) throws IOException {
    // Ask for one byte more than the limit allows so that a body of exactly the limit passes.
    int allowed = (int) Math.min(length, limitBytes - readBytes + 1);
    int n = super.read(buffer, offset, allowed);
    if (n > 0) {
      count(n);
    }
    return n;
  }

  @Override
  public long skip(long n) throws IOException {
    long skipped = super.skip(Math.min(n, limitBytes - readBytes + 1));
    count(skipped);
    return skipped;
  }

  private void count(long n) {
    readBytes += n;
    if (readBytes > limitBytes) {
      throw tooLarge(limitBytes);
    }
  }

  static LogException tooLarge(long limitBytes) {
    return new LogException(ErrorCode.REQUEST_TOO_LARGE,
        "the request body is larger than " + limitBytes + " bytes; send the events in several requests");
  }
}
