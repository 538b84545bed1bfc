package dev.sluice.operators;

import dev.sluice.operators.internal.ByteSink;
import dev.sluice.operators.internal.KeyEncoding;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * The key of a row in a view: a value (a string, a number, or a list of values for composite keys)
 * and its order-preserving encoding. Keys compare and are equal by their bytes, so the engine can
 * store rows under {@link #bytes()} and range scans come back in key order.
 */
public final class RowKey implements Comparable<RowKey> {
  /** The value; for a stream row's key, built on first use from {@link #stream}. */
  private Object value;
  private final RowKey[] parts;

  /**
   * A stream row's position, when this is one's key [_key, _partition, _offset]: kept as it is, so
   * an event whose key nothing reads (a stream feeding an aggregate) costs one object.
   */
  private final StreamPosition stream;

  private record StreamPosition(String key, int partition, long offset) {}

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
    this.stream = null;
  }

  private RowKey(StreamPosition stream) {
    this.parts = null;
    this.stream = stream;
  }

  /**
   * The key of the stream event at {@code partition}/{@code offset} whose _key is {@code key}: the
   * same key as {@code list(of(key), of((long) partition), of(offset))}, its value and encoding
   * built only when asked for.
   */
  public static RowKey stream(String key, int partition, long offset) {
    java.util.Objects.requireNonNull(key, "key");
    return new RowKey(new StreamPosition(key, partition, offset));
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
      values[i] = parts[i].value();
    }
    return new RowKey(Collections.unmodifiableList(Arrays.asList(values)), null, parts);
  }

  public Object value() {
    var known = value;
    if (known == null && stream != null) {
      // Immutable and equal whoever builds it: a race builds it twice, harmlessly.
      known = List.of(stream.key(), (long) stream.partition(), stream.offset());
      value = known;
    }
    return known;
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
    if (stream != null) {
      var sink = new ByteSink(24 + stream.key().length());
      sink.put(0x40);
      KeyEncoding.encode(stream.key(), sink);
      KeyEncoding.encode((long) stream.partition(), sink);
      KeyEncoding.encode(stream.offset(), sink);
      return sink.put(0x00).toByteArray();
    }
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
      known = dev.sluice.operators.internal.JsonValues.text(value());
      text = known;
    }
    return known;
  }
}
