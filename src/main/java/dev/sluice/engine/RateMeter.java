package dev.sluice.engine;

/** Events per second over the last few seconds, in one-second buckets. */
final class RateMeter {
  private static final int SECONDS = 5;
  private final long[] counts = new long[SECONDS];
  private final long[] secondOf = new long[SECONDS];

  synchronized void add(long n) {
    long second = System.currentTimeMillis() / 1000;
    int i = (int) (second % SECONDS);
    if (secondOf[i] != second) {
      secondOf[i] = second;
      counts[i] = 0;
    }
    counts[i] += n;
  }

  synchronized double perSecond() {
    long now = System.currentTimeMillis() / 1000;
    long total = 0;
    for (int i = 0; i < SECONDS; i++) {
      // Only whole past seconds count; the current one is still filling.
      if (secondOf[i] < now && secondOf[i] >= now - SECONDS + 1) {
        total += counts[i];
      }
    }
    return total / (double) (SECONDS - 1);
  }
}
