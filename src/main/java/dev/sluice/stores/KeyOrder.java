package dev.sluice.stores;

import java.util.Arrays;

/**
 * Puts many keys in RocksDB's order (bytes compared unsigned) cheaply: each key's first sixteen
 * bytes are read once into two words, and those are radix-sorted a byte at a time, in arrays that
 * stay in the caches; bytes every key shares take no pass. Only keys whose first sixteen bytes tie
 * are compared whole. A comparison sort of the keys themselves reads two arrays scattered over the
 * heap per comparison: for a commit's few hundred thousand keys that cost more than the sorted
 * insert saved.
 */
final class KeyOrder {
  private KeyOrder() {}

  /** The indexes of {@code keys} in the keys' order; equal keys keep their order. */
  static int[] of(byte[][] keys) {
    int n = keys.length;
    long[] high = new long[n];
    long[] low = new long[n];
    for (int i = 0; i < n; i++) {
      high[i] = word(keys[i], 0);
      low[i] = word(keys[i], 8);
    }
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    int[] other = new int[n];
    int[] starts = new int[256];
    // Least significant byte first; each pass is stable, so the order of the passes before holds
    // among keys equal in this byte.
    for (int b = 15; b >= 0; b--) {
      long[] words = b < 8 ? high : low;
      int shift = 8 * (7 - (b & 7));
      Arrays.fill(starts, 0);
      for (int i = 0; i < n; i++) {
        starts[(int) (words[i] >>> shift) & 0xff]++;
      }
      if (n == 0 || starts[(int) (words[0] >>> shift) & 0xff] == n) {
        continue; // every key has the same byte here
      }
      for (int d = 0, at = 0; d < 256; d++) {
        int count = starts[d];
        starts[d] = at;
        at += count;
      }
      for (int i = 0; i < n; i++) {
        int key = order[i];
        other[starts[(int) (words[key] >>> shift) & 0xff]++] = key;
      }
      int[] swap = order;
      order = other;
      other = swap;
    }
    // Runs whose first sixteen bytes tie (a key shorter than that reads as if padded with zeros):
    // ordered by their whole bytes.
    for (int from = 0; from < n; ) {
      int to = from + 1;
      while (to < n && high[order[to]] == high[order[from]] && low[order[to]] == low[order[from]]) {
        to++;
      }
      if (to - from > 1) {
        Integer[] run = new Integer[to - from];
        for (int i = from; i < to; i++) {
          run[i - from] = order[i];
        }
        Arrays.sort(run, (a, c) -> Arrays.compareUnsigned(keys[a], keys[c]));
        for (int i = from; i < to; i++) {
          order[i] = run[i - from];
        }
      }
      from = to;
    }
    return order;
  }

  /** Bytes {@code from} to {@code from + 8} of {@code key}, big-endian, zeros past its end. */
  private static long word(byte[] key, int from) {
    long w = 0;
    for (int i = from; i < from + 8; i++) {
      w = w << 8 | (i < key.length ? key[i] & 0xff : 0);
    }
    return w;
  }
}
