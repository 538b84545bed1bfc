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
     * Indexes a batch whose checksum {@link BatchReader#verifyChecksum} accepted, of a stream of
     * {@code partitions}, checking its records' structure as {@link BatchReader#verify} does in the
     * same pass ({@link BatchReader#walk}).
     *
     * @throws Varints.Malformed when the records do not tile the batch, or one names a partition the
     *     stream does not have
     */
    static Kept of(ByteBuffer checksummedBatch, int partitions) {
      int declared = BatchReader.declaredRecords(checksummedBatch);
      // A count no batch of this size can hold is left to the walk to name.
      Indexing indexing = new Indexing(Math.max(0, Math.min(declared, checksummedBatch.remaining())), partitions);
      BatchReader.walk(checksummedBatch, indexing);
      int[] from = indexing.from;
      for (int p = 0; p < partitions; p++) {
        from[p + 1] += from[p];
      }
      int n = indexing.n;
      int[] filled = from.clone();
      int[] starts = new int[n];
      for (int r = 0; r < n; r++) {
        starts[filled[indexing.partitionOf[r]]++] = indexing.startOf[r];
      }
      return new Kept(checksummedBatch, starts, from);
    }
  }

  /** What {@link Kept#of} notes of each record as the walk passes it. */
  private static final class Indexing implements BatchReader.Visit {
    final int[] partitionOf;
    final int[] startOf;
    final int[] from;
    final int partitions;
    int n;

    Indexing(int records, int partitions) {
      this.partitionOf = new int[records];
      this.startOf = new int[records];
      this.from = new int[partitions + 1];
      this.partitions = partitions;
    }

    @Override
    public void record(int p, int start) {
      if (p < 0 || p >= partitions) {
        throw new Varints.Malformed("malformed record: record of partition " + p + " in a stream of " + partitions);
      }
      partitionOf[n] = p;
      startOf[n++] = start;
      from[p + 1]++;
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
