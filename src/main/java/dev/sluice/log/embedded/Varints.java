package dev.sluice.log.embedded;

import java.nio.ByteBuffer;

/** Unsigned LEB128 varints (docs/log-format.md §3): 7 bits a byte, low groups first. */
final class Varints {
  private Varints() {}

  static void putInt(ByteBuffer b, int v) {
    while ((v & ~0x7f) != 0) {
      b.put((byte) ((v & 0x7f) | 0x80));
      v >>>= 7;
    }
    b.put((byte) v);
  }

  static void putLong(ByteBuffer b, long v) {
    while ((v & ~0x7fL) != 0) {
      b.put((byte) ((v & 0x7f) | 0x80));
      v >>>= 7;
    }
    b.put((byte) v);
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

  /** Bytes that do not follow the format; callers turn it into a corruption report. */
  static final class Malformed extends RuntimeException {
    Malformed(String message) {
      super(message, null, false, false);
    }
  }
}
