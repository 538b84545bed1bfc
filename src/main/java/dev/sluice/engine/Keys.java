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
 *   0x04 "meta"                   → counters (rows, dead letters, late events, digest)
 *   0x04 "changes"                → the last changelog position committed (i8)
 *   0x05, 0x06                    → the lineage index ({@link Lineage}; 0x05 no longer written)
 *   0x07 sequence:i8              → a dead letter, as JSON (the last {@code DEAD_LETTERS_KEPT})
 *   0x08 position:i8              → the changes of one commit, from that position (see {@link Changelog})
 *   0x09 …                        → no longer written (a search index's recovery marks, before the
 *                                   changelog served); a search index deletes any at start
 *   0x0A source 0x00 partition:i4 first:i8 → the lineage of a run of a partition's inputs ({@link Lineage})
 * </pre>
 */
final class Keys {
  static final byte ROW = 1;
  static final byte STATE = 2;
  static final byte POSITION = 3;
  static final byte[] META = {4, 'm', 'e', 't', 'a'};
  static final byte DEAD_LETTER = 7;
  static final byte[] CHANGES_HEAD = {4, 'c', 'h', 'a', 'n', 'g', 'e', 's'};
  static final byte CHANGE = 8;
  static final byte DIRTY = 9;

  private Keys() {}

  static byte[] row(byte[] rowKey) {
    return prefixed(ROW, rowKey);
  }

  static byte[] state(byte[] key) {
    return prefixed(STATE, key);
  }

  static byte[] deadLetter(long sequence) {
    return ByteBuffer.allocate(9).put(DEAD_LETTER).putLong(sequence).array();
  }

  static byte[] position(String source, int partition) {
    byte[] name = source.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(1 + name.length + 1 + 4).put(POSITION).put(name).put((byte) 0).putInt(partition).array();
  }

  /** Big-endian, so changes sort by position; positions are never negative. */
  static byte[] change(long position) {
    return ByteBuffer.allocate(9).put(CHANGE).putLong(position).array();
  }

  static long changePosition(byte[] key) {
    return ByteBuffer.wrap(key, 1, 8).getLong();
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
