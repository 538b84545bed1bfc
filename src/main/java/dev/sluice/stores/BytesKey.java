package dev.sluice.stores;

import java.util.Arrays;

/**
 * A byte array as a hash map key: compared by content, its hash computed once. The array is taken
 * over: the caller does not modify it afterwards.
 */
public final class BytesKey implements Comparable<BytesKey> {
  private final byte[] bytes;
  private final int hash;

  public BytesKey(byte[] bytes) {
    this.bytes = bytes;
    this.hash = Arrays.hashCode(bytes);
  }

  public byte[] bytes() {
    return bytes;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof BytesKey k && k.hash == hash && Arrays.equals(k.bytes, bytes);
  }

  @Override
  public int hashCode() {
    return hash;
  }

  /** Unsigned, as RocksDB orders keys. */
  @Override
  public int compareTo(BytesKey other) {
    return Arrays.compareUnsigned(bytes, other.bytes);
  }
}
