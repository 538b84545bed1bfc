package dev.sluice.log.embedded;

import java.io.IOException;

/**
 * For one segment: the byte position of the batch holding each offset of each partition
 * (docs/log-format.md §4). Dense — entry i of partition p is offset base[p] + i — so a seek is one
 * array access.
 */
interface PositionIndex {
  /** Records of partition {@code p} in the segment. */
  long count(int p);

  /** Positions of entries {@code from .. from + n - 1} of partition {@code p}, into {@code out}. */
  void positions(int p, long from, int[] out, int n) throws IOException;
}
