package dev.sluice.operators.internal;

import java.util.Arrays;

/** A growable byte buffer: encoders append to one instead of allocating streams. */
public final class ByteSink {
  private byte[] bytes;
  private int size;

  public ByteSink(int capacity) {
    bytes = new byte[Math.max(capacity, 16)];
  }

  public ByteSink put(int b) {
    ensure(1);
    bytes[size++] = (byte) b;
    return this;
  }

  public ByteSink put(byte[] source) {
    return put(source, 0, source.length);
  }

  public ByteSink put(byte[] source, int offset, int length) {
    ensure(length);
    System.arraycopy(source, offset, bytes, size, length);
    size += length;
    return this;
  }

  public ByteSink putInt(int value) {
    ensure(4);
    bytes[size++] = (byte) (value >>> 24);
    bytes[size++] = (byte) (value >>> 16);
    bytes[size++] = (byte) (value >>> 8);
    bytes[size++] = (byte) value;
    return this;
  }

  public ByteSink putLong(long value) {
    ensure(8);
    for (var shift = 56; shift >= 0; shift -= 8) {
      bytes[size++] = (byte) (value >>> shift);
    }
    return this;
  }

  /** Overwrites the eight bytes at {@code at}, which were put before, with {@code value}. */
  public ByteSink putLongAt(int at, long value) {
    if (at < 0 || at + 8 > size) {
      throw new IndexOutOfBoundsException("bytes " + at + " to " + (at + 8) + " of " + size);
    }
    for (var shift = 56; shift >= 0; shift -= 8) {
      bytes[at++] = (byte) (value >>> shift);
    }
    return this;
  }

  /** Unsigned LEB128: small counts and lengths take one byte. */
  public ByteSink putVarLong(long value) {
    ensure(10); // the longest a long takes: one check for all its bytes
    var b = bytes;
    var at = size;
    while ((value & ~0x7FL) != 0) {
      b[at++] = (byte) ((value & 0x7F) | 0x80);
      value >>>= 7;
    }
    b[at++] = (byte) value;
    size = at;
    return this;
  }

  /** Puts the bytes {@code [from, to)} that were put into {@code other}. */
  public ByteSink put(ByteSink other, int from, int to) {
    if (from < 0 || from > to || to > other.size) {
      throw new IndexOutOfBoundsException("bytes " + from + " to " + to + " of " + other.size);
    }
    return put(other.bytes, from, to - from);
  }

  /** Forgets what was put, keeping the room it took. */
  public void clear() {
    size = 0;
  }

  public int size() {
    return size;
  }

  public byte[] toByteArray() {
    return Arrays.copyOf(bytes, size);
  }

  private void ensure(int more) {
    if (size + more > bytes.length) {
      bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + more));
    }
  }
}
