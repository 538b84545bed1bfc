package dev.sluice.log.embedded;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * The header of a segment file (docs/log-format.md §1): which partition offsets and chain hashes
 * the segment continues from, so each segment can be read and verified on its own.
 */
record SegmentHeader(long number, long createdMs, long[] baseOffsets, byte[][] baseChains) {

  int partitions() {
    return baseOffsets.length;
  }

  static int sizeFor(int partitions) {
    return LogFormat.SEGMENT_HEADER_FIXED_BYTES + partitions * LogFormat.SEGMENT_HEADER_PARTITION_BYTES + 4;
  }

  int size() {
    return sizeFor(partitions());
  }

  ByteBuffer encode() {
    ByteBuffer b = ByteBuffer.allocate(size());
    b.put(LogFormat.SEGMENT_MAGIC);
    b.putShort(LogFormat.VERSION);
    b.putShort((short) partitions());
    b.putLong(number);
    b.putLong(createdMs);
    for (int p = 0; p < partitions(); p++) {
      b.putLong(baseOffsets[p]);
      b.put(baseChains[p]);
    }
    CRC32C crc = new CRC32C();
    crc.update(b.array(), 0, b.position());
    b.putInt((int) crc.getValue());
    return b.flip();
  }

  /** Decodes a header, or explains why the bytes are not one. */
  static SegmentHeader decode(ByteBuffer b, long expectedNumber) throws FormatException {
    if (b.remaining() < sizeFor(0)) {
      throw new FormatException("segment shorter than its header");
    }
    byte[] magic = new byte[LogFormat.SEGMENT_MAGIC.length];
    b.get(magic);
    if (!Arrays.equals(magic, LogFormat.SEGMENT_MAGIC)) {
      throw new FormatException("not a Sluice segment (bad magic)");
    }
    short version = b.getShort();
    if (version != LogFormat.VERSION) {
      throw new FormatException("segment format version " + version + " is not supported");
    }
    int partitions = b.getShort() & 0xffff;
    if (b.remaining() < sizeFor(partitions) - LogFormat.SEGMENT_MAGIC.length - 4) {
      throw new FormatException("segment shorter than its header");
    }
    long number = b.getLong();
    long createdMs = b.getLong();
    long[] bases = new long[partitions];
    byte[][] chains = new byte[partitions][];
    for (int p = 0; p < partitions; p++) {
      bases[p] = b.getLong();
      chains[p] = new byte[LogFormat.CHAIN_BYTES];
      b.get(chains[p]);
    }
    int end = b.position();
    int stored = b.getInt();
    CRC32C crc = new CRC32C();
    crc.update(b.array(), b.arrayOffset(), end);
    if ((int) crc.getValue() != stored) {
      throw new FormatException("segment header fails its CRC32C");
    }
    if (number != expectedNumber) {
      throw new FormatException("segment header says number " + number + " but the file name says " + expectedNumber);
    }
    return new SegmentHeader(number, createdMs, bases, chains);
  }

  /** The bytes are not in the format; the message says how. */
  static final class FormatException extends Exception {
    FormatException(String message) {
      super(message);
    }
  }
}
