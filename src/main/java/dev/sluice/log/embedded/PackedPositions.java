package dev.sluice.log.embedded;

import dev.sluice.log.Position;
import java.util.AbstractList;
import java.util.RandomAccess;

/**
 * The positions of one append request, in request order, as two arrays rather than an object per
 * event: the writer answers a million events a second, and what it allocates per event sets how
 * often the collector pauses appends. A {@link Position} is made only when one is asked for.
 */
final class PackedPositions extends AbstractList<Position> implements RandomAccess {
  private static final int DUPLICATE = 1 << 31;

  /** Each event's partition, with {@link #DUPLICATE} set when it was already in the log. */
  private final int[] partitions;
  private final long[] offsets;

  PackedPositions(int size) {
    partitions = new int[size];
    offsets = new long[size];
  }

  void set(int i, int partition, long offset, boolean duplicate) {
    partitions[i] = partition | (duplicate ? DUPLICATE : 0);
    offsets[i] = offset;
  }

  int partition(int i) {
    return partitions[i] & ~DUPLICATE;
  }

  boolean duplicate(int i) {
    return (partitions[i] & DUPLICATE) != 0;
  }

  /** For each of {@code partitionCount} partitions, one past the highest offset named, or 0. */
  long[] ends(int partitionCount) {
    long[] ends = new long[partitionCount];
    for (int i = 0; i < offsets.length; i++) {
      int p = partition(i);
      ends[p] = Math.max(ends[p], offsets[i] + 1);
    }
    return ends;
  }

  @Override
  public Position get(int i) {
    return new Position(partition(i), offsets[i], duplicate(i));
  }

  @Override
  public int size() {
    return offsets.length;
  }
}
