package dev.sluice.log.embedded;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * One segment file of a stream (docs/log-format.md §1–§2) and its position index. All partitions of
 * a stream share the segment, so one batch — one request — is one write and one checksum, which is
 * what makes a request atomic across partitions.
 */
final class Segment implements AutoCloseable {
  private static final int READ_AHEAD_BYTES = 64 * 1024;

  /** Each reading thread's buffer for the bytes read ahead of a batch's length. */
  private static final ThreadLocal<ByteBuffer> SCRATCH = ThreadLocal.withInitial(() -> ByteBuffer.allocate(READ_AHEAD_BYTES));

  final Path path;
  final SegmentHeader header;
  final Storage.StorageFile file;
  /** Bytes of whole batches in the file; the writer appends at this position. */
  volatile long size;

  volatile PositionIndex index;
  volatile long lastAppendTimeMs;
  /**
   * A segment a roll started is not durable, its header nor its name, until the writer has synced
   * it and then its folder; nothing written to it is acknowledged before (docs/log-format.md §1).
   */
  volatile boolean folderUnsynced;

  Segment(Path path, SegmentHeader header, Storage.StorageFile file, long size, PositionIndex index, long lastAppendTimeMs) {
    this.path = path;
    this.header = header;
    this.file = file;
    this.size = size;
    this.index = index;
    this.lastAppendTimeMs = lastAppendTimeMs;
  }

  long endOffset(int p) {
    return header.baseOffsets()[p] + index.count(p);
  }

  String fileName() {
    return path.getFileName().toString();
  }

  /**
   * Reads and verifies the batch starting at {@code position}; throws {@link Damaged} with the
   * reason when the bytes there are not a sound batch.
   */
  ByteBuffer readBatch(long position, long limit) throws IOException, Damaged {
    return checked(read(position, limit), BatchReader::verify);
  }

  /**
   * {@link #readBatch} for a reader that walks the records next ({@link RecentBatches.Kept#of}):
   * checks the batch's length and CRC here, its records' structure in that walk.
   */
  ByteBuffer readChecksummedBatch(long position, long limit) throws IOException, Damaged {
    return checked(read(position, limit), BatchReader::verifyChecksum);
  }

  /** The batch, if {@code check} finds no problem in it (it returns null). */
  private static ByteBuffer checked(ByteBuffer batch, java.util.function.Function<ByteBuffer, String> check) throws Damaged {
    String problem = check.apply(batch);
    if (problem != null) {
      throw new Damaged(problem);
    }
    return batch;
  }

  private ByteBuffer read(long position, long limit) throws IOException, Damaged {
    if (position < header.size() || position + LogFormat.BATCH_PREFIX_BYTES > limit) {
      throw new Damaged("batch position " + position + " is outside the segment");
    }
    ByteBuffer head = SCRATCH.get().clear().limit((int) Math.min(READ_AHEAD_BYTES, limit - position));
    // Read ahead only as far as the file goes: the bytes after the durable ones may not be in it yet
    // (a direct file holds a round's appends in memory until its sync, docs/log-format.md §8).
    int read;
    do {
      read = file.read(head, position + head.position());
    } while (read >= 0 && head.hasRemaining());
    if (head.position() < LogFormat.BATCH_PREFIX_BYTES) {
      throw new EOFException("end of file at " + (position + head.position()));
    }
    int length = head.getInt(0);
    if (length < 4 + LogFormat.BATCH_BODY_HEADER_BYTES || length > LogFormat.BATCH_BYTES_MAX || position + 4 + length > limit) {
      throw new Damaged("implausible batch length " + length);
    }
    // The batch gets a buffer of its own size (it may be kept: RecentBatches), the bytes read
    // ahead copied in and only the rest read.
    ByteBuffer batch = ByteBuffer.allocate(length + 4);
    batch.put(head.flip().limit(Math.min(head.limit(), length + 4)));
    file.readFully(batch, position + batch.position());
    return batch.flip();
  }

  @Override
  public void close() throws IOException {
    file.close();
    if (index instanceof SealedIndex sealed) {
      sealed.close();
    }
  }

  /** Bytes that are not a sound batch. */
  static final class Damaged extends Exception {
    Damaged(String reason) {
      super(reason, null, false, false);
    }
  }
}
