package dev.sluice.log.embedded;

import java.nio.ByteBuffer;

/**
 * The last few batches a stream's readers read and verified, by segment and byte position, each
 * with where its records of each partition start. A batch holds the records of every partition,
 * and a reader (a view) reads one partition at a time, so without this each batch was read from the
 * file and its checksum verified once per partition, and every partition's read passed over the
 * records of all the others.
 *
 * <p>Safe to share: a batch at an indexed position is never rewritten (a failed append is cut off
 * before it is indexed), and readers only read the buffers, through duplicates.
 */
final class RecentBatches {
  /** Batches kept: a view reading one partition's next thousand records, then the next partition's. */
  static final int BATCHES_MAX = 16;

  private final Segment[] segments = new Segment[BATCHES_MAX];
  private final long[] positions = new long[BATCHES_MAX];
  private final Kept[] batches = new Kept[BATCHES_MAX];
  private int next;

  /**
   * A verified batch and its records' starts in its body, partition by partition: those of partition
   * p are {@code starts[from[p]]} to {@code starts[from[p + 1] - 1]}, in the batch's order.
   */
  record Kept(ByteBuffer batch, int[] starts, int[] from) {
    /**
     * Indexes a batch {@link BatchReader#verify} accepted, of a stream of {@code partitions}.
     *
     * @throws Varints.Malformed when a record names a partition the stream does not have
     */
    static Kept of(ByteBuffer verifiedBatch, int partitions) {
      BatchReader reader = BatchReader.over(verifiedBatch);
      int records = reader.recordsLeft();
      int[] partitionOf = new int[records];
      int[] startOf = new int[records];
      int[] from = new int[partitions + 1];
      int n = 0;
      while (reader.next()) {
        int p = reader.partition();
        if (p < 0 || p >= partitions) {
          throw new Varints.Malformed("record of partition " + p + " in a stream of " + partitions);
        }
        partitionOf[n] = p;
        startOf[n++] = reader.recordStart();
        from[p + 1]++;
      }
      for (int p = 0; p < partitions; p++) {
        from[p + 1] += from[p];
      }
      int[] filled = from.clone();
      int[] starts = new int[n];
      for (int r = 0; r < n; r++) {
        starts[filled[partitionOf[r]]++] = startOf[r];
      }
      return new Kept(verifiedBatch, starts, from);
    }
  }

  synchronized Kept get(Segment segment, long position) {
    for (int i = 0; i < BATCHES_MAX; i++) {
      if (segments[i] == segment && positions[i] == position) {
        return batches[i];
      }
    }
    return null;
  }

  /** Keeps a verified batch, in place of the oldest kept. */
  synchronized void put(Segment segment, long position, Kept kept) {
    segments[next] = segment;
    positions[next] = position;
    batches[next] = kept;
    next = (next + 1) % BATCHES_MAX;
  }
}
