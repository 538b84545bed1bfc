package dev.sluice.log.embedded;

/**
 * The position index of the segment being written, in memory. Only the writer thread appends;
 * readers read entries below the durable end offset they were given, which the writer published
 * after filling them, and the arrays are replaced (never changed in place beyond the published
 * size) when they grow.
 */
final class ActiveIndex implements PositionIndex {
  private final Column[] columns;

  ActiveIndex(int partitions) {
    columns = new Column[partitions];
    for (int p = 0; p < partitions; p++) {
      columns[p] = new Column();
    }
  }

  void add(int p, int position) {
    columns[p].add(position);
  }

  /** Drops entries at or after {@code count}: the writer's undo when an append fails. */
  void truncate(int p, long count) {
    columns[p].size = (int) count;
  }

  @Override
  public long count(int p) {
    return columns[p].size;
  }

  @Override
  public void positions(int p, long from, int[] out, int n) {
    Column c = columns[p];
    int[][] chunks = c.chunks;
    int at = (int) from;
    for (int done = 0; done < n; ) {
      int inChunk = at & Column.CHUNK_MASK;
      int take = Math.min(n - done, Column.CHUNK - inChunk);
      System.arraycopy(chunks[at >>> Column.CHUNK_BITS], inChunk, out, done, take);
      done += take;
      at += take;
    }
  }

  int[] snapshot(int p) {
    int[] out = new int[columns[p].size];
    positions(p, 0, out, out.length);
    return out;
  }

  /**
   * Fixed-size chunks, never copied as the column grows: a segment holds up to millions of records,
   * and doubling one array would copy megabytes on the writer thread and leave large garbage.
   */
  private static final class Column {
    static final int CHUNK_BITS = 14;
    static final int CHUNK = 1 << CHUNK_BITS;
    static final int CHUNK_MASK = CHUNK - 1;

    volatile int[][] chunks = new int[8][];
    volatile int size;

    void add(int position) {
      int at = size;
      int[][] cs = chunks;
      int chunk = at >>> CHUNK_BITS;
      if (chunk == cs.length) {
        cs = java.util.Arrays.copyOf(cs, cs.length * 2);
        chunks = cs;
      }
      if (cs[chunk] == null) {
        cs[chunk] = new int[chunk == 0 ? 64 : CHUNK];
        chunks = cs; // publish the new chunk with the volatile write
      } else if (chunk == 0 && at == cs[0].length && at < CHUNK) {
        cs[0] = java.util.Arrays.copyOf(cs[0], Math.min(CHUNK, at * 4));
        chunks = cs;
      }
      cs[chunk][at & CHUNK_MASK] = position;
      size = at + 1;
    }
  }
}
