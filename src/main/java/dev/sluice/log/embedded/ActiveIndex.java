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
    System.arraycopy(columns[p].values, (int) from, out, 0, n);
  }

  int[] snapshot(int p) {
    return java.util.Arrays.copyOf(columns[p].values, columns[p].size);
  }

  private static final class Column {
    volatile int[] values = new int[64];
    volatile int size;

    void add(int position) {
      int[] v = values;
      if (size == v.length) {
        v = java.util.Arrays.copyOf(v, v.length * 2);
        values = v;
      }
      v[size] = position;
      size = size + 1;
    }
  }
}
