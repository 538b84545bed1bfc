package dev.sluice.engine;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The layout of a view version's space: one byte of prefix, then the key.
 *
 * <pre>
 *   0x01 row key bytes            → the row, as JSON
 *   0x02 operator state key       → operator state
 *   0x03 source 0x00 partition:i4 → next offset to read (i8)
 *   0x04 "meta"                   → counters (rows, dead letters, initialized)
 *   0x05 row key bytes            → empty: a search index's row changed since its last Lucene commit
 * </pre>
 */
final class Keys {
  static final byte ROW = 1;
  static final byte STATE = 2;
  static final byte POSITION = 3;
  static final byte[] META = {4, 'm', 'e', 't', 'a'};
  static final byte DIRTY = 5;

  private Keys() {}

  static byte[] row(byte[] rowKey) {
    return prefixed(ROW, rowKey);
  }

  static byte[] dirty(byte[] rowKey) {
    return prefixed(DIRTY, rowKey);
  }

  static byte[] state(byte[] key) {
    return prefixed(STATE, key);
  }

  static byte[] position(String source, int partition) {
    byte[] name = source.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(1 + name.length + 1 + 4).put(POSITION).put(name).put((byte) 0).putInt(partition).array();
  }

  private static byte[] prefixed(byte prefix, byte[] key) {
    byte[] out = new byte[key.length + 1];
    out[0] = prefix;
    System.arraycopy(key, 0, out, 1, key.length);
    return out;
  }

  static byte[] longBytes(long v) {
    return ByteBuffer.allocate(8).putLong(v).array();
  }

  static long longOf(byte[] b) {
    return ByteBuffer.wrap(b).getLong();
  }
}
