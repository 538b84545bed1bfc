package dev.sluice.log.embedded;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * The position index of a sealed segment, in its {@code .idx} file (docs/log-format.md §4). The
 * header is checksummed; positions are not, because a reader checks that the batch at a position
 * holds the offset it looked up — a damaged position is caught there, never served.
 */
final class SealedIndex implements PositionIndex, AutoCloseable {
  private final Storage.StorageFile file;
  private final Summary summary;
  private final long[] sectionStart;

  /** What the index says of its segment, checked against the segment at open. */
  record Summary(
      long segment, long sealedSize, long lastAppendTimeMs, long[] baseOffsets, long[] counts, byte[][] endChains) {
    int partitions() {
      return baseOffsets.length;
    }

    int headerSize() {
      return 8 + 2 + 2 + 8 + 8 + 8 + partitions() * (8 + 4 + LogFormat.CHAIN_BYTES) + 4;
    }
  }

  private SealedIndex(Storage.StorageFile file, Summary summary) {
    this.file = file;
    this.summary = summary;
    this.sectionStart = new long[summary.partitions()];
    long at = summary.headerSize();
    for (int p = 0; p < summary.partitions(); p++) {
      sectionStart[p] = at;
      at += 4L * summary.counts()[p];
    }
  }

  Summary summary() {
    return summary;
  }

  @Override
  public long count(int p) {
    return summary.counts()[p];
  }

  @Override
  public void positions(int p, long from, int[] out, int n) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(4 * n);
    file.readFully(b, sectionStart[p] + 4 * from);
    b.flip();
    for (int i = 0; i < n; i++) {
      out[i] = b.getInt();
    }
  }

  @Override
  public void close() throws IOException {
    file.close();
  }

  /** Writes the index of a sealed segment durably (temporary file, fsync, rename). */
  static void write(Storage storage, Path path, Summary summary, int[][] positions) throws IOException {
    long total = summary.headerSize();
    for (int[] column : positions) {
      total += 4L * column.length;
    }
    ByteBuffer b = ByteBuffer.allocate(Math.toIntExact(total));
    b.put(LogFormat.INDEX_MAGIC);
    b.putShort(LogFormat.VERSION);
    b.putShort((short) summary.partitions());
    b.putLong(summary.segment());
    b.putLong(summary.sealedSize());
    b.putLong(summary.lastAppendTimeMs());
    for (int p = 0; p < summary.partitions(); p++) {
      b.putLong(summary.baseOffsets()[p]);
      b.putInt(Math.toIntExact(summary.counts()[p]));
      b.put(summary.endChains()[p]);
    }
    CRC32C crc = new CRC32C();
    crc.update(b.array(), 0, b.position());
    b.putInt((int) crc.getValue());
    for (int[] column : positions) {
      for (int position : column) {
        b.putInt(position);
      }
    }
    storage.writeAtomicallyInPieces(path, b.array(), LogFormat.INDEX_PIECE_BYTES, LogFormat.INDEX_PIECE_PAUSE_NANOS);
  }

  /** Opens an index; returns null when it is missing, damaged, or not of this segment. */
  static SealedIndex open(Storage storage, Path path, long segment, int partitions) throws IOException {
    if (!storage.exists(path)) {
      return null;
    }
    Storage.StorageFile file = storage.open(path, false);
    try {
      int headerSize = new Summary(0, 0, 0, new long[partitions], new long[partitions], new byte[partitions][]).headerSize();
      if (file.size() < headerSize) {
        file.close();
        return null;
      }
      ByteBuffer b = ByteBuffer.allocate(headerSize);
      file.readFully(b, 0);
      b.flip();
      byte[] magic = new byte[8];
      b.get(magic);
      CRC32C crc = new CRC32C();
      crc.update(b.array(), 0, headerSize - 4);
      if (!Arrays.equals(magic, LogFormat.INDEX_MAGIC)
          || b.getShort() != LogFormat.VERSION
          || (b.getShort() & 0xffff) != partitions
          || (int) crc.getValue() != b.getInt(headerSize - 4)) {
        file.close();
        return null;
      }
      long number = b.getLong();
      long sealedSize = b.getLong();
      long lastAppend = b.getLong();
      long[] bases = new long[partitions];
      long[] counts = new long[partitions];
      byte[][] chains = new byte[partitions][LogFormat.CHAIN_BYTES];
      long total = headerSize;
      for (int p = 0; p < partitions; p++) {
        bases[p] = b.getLong();
        counts[p] = b.getInt() & 0xffffffffL;
        b.get(chains[p]);
        total += 4 * counts[p];
      }
      if (number != segment || file.size() != total) {
        file.close();
        return null;
      }
      return new SealedIndex(file, new Summary(number, sealedSize, lastAppend, bases, counts, chains));
    } catch (IOException | RuntimeException e) {
      file.close();
      throw e;
    }
  }
}
