package dev.sluice.bench;

/**
 * Latencies in log-linear buckets (about 1% wide) from 1 µs to about 100 s: constant memory
 * whatever the run length, quantiles within a bucket's width. Thread-safe by synchronization; the
 * recorders are few.
 */
public final class Histogram {
  private static final int SUB_BUCKETS = 128;
  private static final int MAGNITUDES = 28;
  private final long[] counts = new long[SUB_BUCKETS * MAGNITUDES];
  private long total;
  private long maxNanos;

  public void recordNanos(long nanos) {
    recordNanos(nanos, 1);
  }

  /** Records {@code count} latencies of {@code nanos} each (the events of one acknowledged batch). */
  public synchronized void recordNanos(long nanos, long count) {
    long micros = Math.max(1, nanos / 1000);
    counts[index(micros)] += count;
    total += count;
    maxNanos = Math.max(maxNanos, nanos);
  }

  public synchronized void add(Histogram other) {
    synchronized (other) {
      for (int i = 0; i < counts.length; i++) {
        counts[i] += other.counts[i];
      }
      total += other.total;
      maxNanos = Math.max(maxNanos, other.maxNanos);
    }
  }

  /** Forgets everything recorded so far. */
  public synchronized void reset() {
    java.util.Arrays.fill(counts, 0);
    total = 0;
    maxNanos = 0;
  }

  public synchronized long count() {
    return total;
  }

  /** The value at quantile {@code q} (0..1), in milliseconds. */
  public synchronized double quantileMs(double q) {
    if (total == 0) {
      return 0;
    }
    long rank = (long) Math.ceil(q * total);
    long seen = 0;
    for (int i = 0; i < counts.length; i++) {
      seen += counts[i];
      if (seen >= rank) {
        return upperMicros(i) / 1000.0;
      }
    }
    return maxNanos / 1e6;
  }

  private static int index(long micros) {
    int magnitude = 63 - Long.numberOfLeadingZeros(micros);
    if (magnitude < 7) {
      return (int) micros;
    }
    int sub = (int) (micros >>> (magnitude - 7)) - SUB_BUCKETS;
    int i = (magnitude - 6) * SUB_BUCKETS + sub;
    return Math.min(i, SUB_BUCKETS * MAGNITUDES - 1);
  }

  private static long upperMicros(int index) {
    if (index < SUB_BUCKETS) {
      return index;
    }
    int magnitude = index / SUB_BUCKETS + 6;
    int sub = index % SUB_BUCKETS;
    return ((long) (SUB_BUCKETS + sub + 1) << (magnitude - 7)) - 1;
  }
}
