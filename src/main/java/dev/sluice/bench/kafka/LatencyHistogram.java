package dev.sluice.bench.kafka;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Latencies in nanoseconds in log-linear buckets, as HdrHistogram keeps them: exact below 128 ns,
 * then 64 buckets per power of two, so a reported percentile is at most 1/64 (1.6 %) above the
 * true value. Fixed size (under 30 KiB) whatever the number of samples; safe to record into from
 * many threads.
 */
final class LatencyHistogram {
  private static final int SUB_BUCKET_BITS = 6;
  private static final int SUB_BUCKETS = 1 << SUB_BUCKET_BITS;
  private static final int EXACT_BELOW = 2 * SUB_BUCKETS;
  // Values below EXACT_BELOW take one bucket each; each shift from 1 to 57 adds SUB_BUCKETS.
  private static final int BUCKETS = EXACT_BELOW + (Long.SIZE - 1 - SUB_BUCKET_BITS) * SUB_BUCKETS;

  private final AtomicLongArray counts = new AtomicLongArray(BUCKETS);

  void record(long nanos) {
    counts.incrementAndGet(index(Math.max(0, nanos)));
  }

  long count() {
    long total = 0;
    for (int i = 0; i < BUCKETS; i++) {
      total += counts.get(i);
    }
    return total;
  }

  /**
   * The smallest bucket top such that at least {@code quantile} of the samples are at or below it
   * (0 when empty). Call once recording has stopped.
   */
  long valueAt(double quantile) {
    if (quantile < 0 || quantile > 1) {
      throw new IllegalArgumentException("quantile " + quantile + " is not within [0, 1]");
    }
    long total = count();
    long rank = Math.max(1, (long) Math.ceil(quantile * total));
    long seen = 0;
    for (int i = 0; i < BUCKETS; i++) {
      seen += counts.get(i);
      if (seen >= rank && total > 0) {
        return highestValueIn(i);
      }
    }
    return 0;
  }

  static int index(long value) {
    if (value < EXACT_BELOW) {
      return (int) value;
    }
    // shift >= 1 makes value >>> shift fall in [SUB_BUCKETS, 2 * SUB_BUCKETS).
    int shift = Long.SIZE - Long.numberOfLeadingZeros(value) - 1 - SUB_BUCKET_BITS;
    int subBucket = (int) (value >>> shift) - SUB_BUCKETS;
    return EXACT_BELOW + (shift - 1) * SUB_BUCKETS + subBucket;
  }

  static long highestValueIn(int index) {
    if (index < EXACT_BELOW) {
      return index;
    }
    int shift = (index - EXACT_BELOW) / SUB_BUCKETS + 1;
    long subBucket = (index - EXACT_BELOW) % SUB_BUCKETS + SUB_BUCKETS;
    return ((subBucket + 1) << shift) - 1;
  }
}
