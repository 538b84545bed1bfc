package dev.sluice.log.embedded;

import java.nio.ByteBuffer;

/** Unsigned LEB128 varints (docs/log-format.md §3): 7 bits a byte, low groups first. */
final class Varints {
  private Varints() {}

  /** Puts {@code v} into {@code b} at {@code at}; returns the position after it. */
  static int putInt(byte[] b, int at, int v) {
    while ((v & ~0x7f) != 0) {
      b[at++] = (byte) ((v & 0x7f) | 0x80);
      v >>>= 7;
    }
    b[at++] = (byte) v;
    return at;
  }

  /** Puts {@code v} into {@code b} at {@code at}; returns the position after it. */
  static int putLong(byte[] b, int at, long v) {
    while ((v & ~0x7fL) != 0) {
      b[at++] = (byte) ((v & 0x7f) | 0x80);
      v >>>= 7;
    }
    b[at++] = (byte) v;
    return at;
  }

  static int sizeOfLong(long v) {
    int size = 1;
    while ((v & ~0x7fL) != 0) {
      size++;
      v >>>= 7;
    }
    return size;
  }

  static int sizeOfInt(int v) {
    int size = 1;
    while ((v & ~0x7f) != 0) {
      size++;
      v >>>= 7;
    }
    return size;
  }

  /** Reads an int varint; throws {@link Malformed} on more than 5 bytes or a buffer underflow. */
  static int getInt(ByteBuffer b) {
    int result = 0;
    for (int shift = 0; shift < 35; shift += 7) {
      if (!b.hasRemaining()) {
        throw new Malformed("varint runs past the end");
      }
      byte x = b.get();
      result |= (x & 0x7f) << shift;
      if (x >= 0) {
        if (result < 0) {
          throw new Malformed("negative length");
        }
        return result;
      }
    }
    throw new Malformed("varint longer than 5 bytes");
  }

  static long getLong(ByteBuffer b) {
    long result = 0;
    for (int shift = 0; shift < 70; shift += 7) {
      if (!b.hasRemaining()) {
        throw new Malformed("varint runs past the end");
      }
      byte x = b.get();
      result |= (long) (x & 0x7f) << shift;
      if (x >= 0) {
        if (result < 0) {
          throw new Malformed("negative value");
        }
        return result;
      }
    }
    throw new Malformed("varint longer than 10 bytes");
  }

  /**
   * Reads an int varint at {@code b[pos]}, reading nothing at or past {@code limit}, with the checks
   * and messages of {@link #getInt(ByteBuffer)}. Returns the value in the low 32 bits and the
   * position after the varint in the high 32 ({@code (int) r} and {@code (int) (r >>> 32)}), so a
   * decoding loop keeps its position in a local, not in a buffer. A varint of one or two bytes, as
   * partitions, most lengths and the sizes of records up to 16 KiB are, is decoded here; a longer
   * one, or one that ends the buffer, by {@link #getIntLonger}, which keeps this small enough to be
   * inlined where it is called.
   */
  static long getInt(byte[] b, int pos, int limit) {
    if (limit - pos >= 2) {
      byte x = b[pos];
      if (x >= 0) {
        return (long) (pos + 1) << 32 | x;
      }
      byte y = b[pos + 1];
      if (y >= 0) {
        return (long) (pos + 2) << 32 | (x & 0x7f) | y << 7;
      }
    }
    return getIntLonger(b, pos, limit);
  }

  private static long getIntLonger(byte[] b, int pos, int limit) {
    int result = 0;
    for (int shift = 0; shift < 35; shift += 7) {
      if (pos >= limit) {
        throw new Malformed("varint runs past the end");
      }
      byte x = b[pos++];
      result |= (x & 0x7f) << shift;
      if (x >= 0) {
        if (result < 0) {
          throw new Malformed("negative length");
        }
        return (long) pos << 32 | result;
      }
    }
    throw new Malformed("varint longer than 5 bytes");
  }

  /**
   * Reads a long varint at {@code b[pos]}, reading nothing at or past {@code limit}, with the checks
   * and messages of {@link #getLong(ByteBuffer)}; returns its value. {@link #skip} then gives the
   * position after it.
   */
  static long getLong(byte[] b, int pos, int limit) {
    if (pos < limit) {
      byte x = b[pos];
      if (x >= 0) {
        return x;
      }
    }
    return getLongLonger(b, pos, limit);
  }

  private static long getLongLonger(byte[] b, int pos, int limit) {
    long result = 0;
    for (int shift = 0; shift < 70; shift += 7) {
      if (pos >= limit) {
        throw new Malformed("varint runs past the end");
      }
      byte x = b[pos++];
      result |= (long) (x & 0x7f) << shift;
      if (x >= 0) {
        if (result < 0) {
          throw new Malformed("negative value");
        }
        return result;
      }
    }
    throw new Malformed("varint longer than 10 bytes");
  }

  /**
   * The position after the varint at {@code b[pos]}, one that {@link #getLong(byte[], int, int)} or
   * {@link #getInt(byte[], int, int)} has read: its last byte is known to be there.
   */
  static int skip(byte[] b, int pos) {
    while (b[pos++] < 0) {
      // a continuation byte
    }
    return pos;
  }

  /** Bytes that do not follow the format; callers turn it into a corruption report. */
  static final class Malformed extends RuntimeException {
    Malformed(String message) {
      super(message, null, false, false);
    }
  }
}
