package dev.sluice.operators;

import dev.sluice.operators.internal.ByteSink;
import dev.sluice.operators.internal.KeyEncoding;
import java.util.Arrays;
import java.util.Collections;

/**
 * The key of a row in a view: a value (a string, a number, or a list of values for composite keys)
 * and its order-preserving encoding. Keys compare and are equal by their bytes, so the engine can
 * store rows under {@link #bytes()} and range scans come back in key order.
 */
public final class RowKey implements Comparable<RowKey> {
  private final Object value;
  private final RowKey[] parts;

  /**
   * Encoded on first use: most keys of stream rows feeding an aggregate are never stored, so they
   * need never be encoded. Volatile so a key handed to another thread is seen whole.
   */
  private volatile byte[] bytes;

  /** The hash of the encoding, kept once asked for (0: not yet; a hash of 0 is recomputed). */
  private int hash;

  /** The JSON text, kept once asked for: the changelog and the lineage index both write it. */
  private volatile String text;

  private RowKey(Object value, byte[] bytes, RowKey[] parts) {
    this.value = value;
    this.bytes = bytes;
    this.parts = parts;
  }

  /** The key of {@code value}; numbers are canonical, so {@code of(1.0)} equals {@code of(1L)}. */
  public static RowKey of(Object value) {
    if (isCanonical(value)) {
      return new RowKey(value, null, null);
    }
    var bytes = KeyEncoding.encode(value);
    return new RowKey(KeyEncoding.decode(bytes), bytes, null);
  }

  /** Values that decode to themselves need no decoding, which keeps keys cheap per event. */
  private static boolean isCanonical(Object value) {
    return value == null
        || value instanceof String
        || value instanceof Long
        || value instanceof Boolean
        || value instanceof Timestamp
        || value instanceof Interval;
  }

  /** The key stored as {@code bytes} by {@link #bytes()}. */
  public static RowKey fromBytes(byte[] bytes) {
    return new RowKey(KeyEncoding.decode(bytes), bytes.clone(), null);
  }

  /** The composite key [a, b, …]: the list of the parts' values, encoded without re-encoding. */
  public static RowKey list(RowKey... parts) {
    var values = new Object[parts.length];
    for (var i = 0; i < parts.length; i++) {
      values[i] = parts[i].value;
    }
    return new RowKey(Collections.unmodifiableList(Arrays.asList(values)), null, parts);
  }

  public Object value() {
    return value;
  }

  /** The encoding. Shared, not copied, for speed: callers must not modify it. */
  public byte[] bytes() {
    var encoded = bytes;
    if (encoded == null) {
      encoded = encode();
      bytes = encoded;
    }
    return encoded;
  }

  private byte[] encode() {
    if (parts == null) {
      return KeyEncoding.encode(value);
    }
    var sink = new ByteSink(16);
    sink.put(0x40);
    for (var part : parts) {
      sink.put(part.bytes());
    }
    return sink.put(0x00).toByteArray();
  }

  @Override
  public int compareTo(RowKey other) {
    return Arrays.compareUnsigned(bytes(), other.bytes());
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof RowKey key && (key == this || hashCode() == key.hashCode() && Arrays.equals(bytes(), key.bytes()));
  }

  @Override
  public int hashCode() {
    var h = hash;
    if (h == 0) {
      h = Arrays.hashCode(bytes());
      hash = h;
    }
    return h;
  }

  /** The key as JSON text, as the HTTP API names composite keys. */
  @Override
  public String toString() {
    var known = text;
    if (known == null) {
      known = dev.sluice.operators.internal.JsonValues.text(value);
      text = known;
    }
    return known;
  }
}
