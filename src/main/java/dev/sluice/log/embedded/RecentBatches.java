package dev.sluice.log.embedded;

import java.nio.ByteBuffer;

/**
 * The last few batches a stream's readers read and verified, by segment and byte position. A batch
 * holds the records of every partition, and a reader (a view) reads one partition at a time, so
 * without this each batch was read from the file and its checksum verified once per partition.
 *
 * <p>Safe to share: a batch at an indexed position is never rewritten (a failed append is cut off
 * before it is indexed), and readers only read the buffers, through duplicates.
 */
final class RecentBatches {
  /** Batches kept: a view reading one partition's next thousand records, then the next partition's. */
  static final int BATCHES_MAX = 16;

  private final Segment[] segments = new Segment[BATCHES_MAX];
  private final long[] positions = new long[BATCHES_MAX];
  private final ByteBuffer[] batches = new ByteBuffer[BATCHES_MAX];
  private int next;

  synchronized ByteBuffer get(Segment segment, long position) {
    for (int i = 0; i < BATCHES_MAX; i++) {
      if (segments[i] == segment && positions[i] == position) {
        return batches[i];
      }
    }
    return null;
  }

  /** Keeps a verified batch, in place of the oldest kept. */
  synchronized void put(Segment segment, long position, ByteBuffer verifiedBatch) {
    segments[next] = segment;
    positions[next] = position;
    batches[next] = verifiedBatch;
    next = (next + 1) % BATCHES_MAX;
  }
}
