package dev.sluice.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.locks.LockSupport;

/**
 * How late this machine wakes a sleeping thread: one thread per core sleeps a short while over and
 * over and notes how much later than asked it woke. On the project's idle virtual machine a thread
 * wakes milliseconds late a few times a second while the kernel counts no steal at all
 * (docs/benchmarks.md, 2026-12-04). A request that passes through several threads meets every such
 * stall of the cores it runs on, so a millisecond-scale latency target is read beside this.
 */
public final class HostJitter {
  /** A wake-up this much later than asked counts as a stall. */
  static final long STALL_NANOS = 1_000_000;

  private HostJitter() {}

  /**
   * What a run saw: sleeps of {@code sleepMicros}, over all threads; {@code stalledPct}: the share
   * of the threads' time spent in stalls (wake-ups later than {@link #STALL_NANOS}), counting a
   * stall's whole lateness.
   */
  public record Result(int threads, long sleepMicros, double seconds, long sleeps, double lateP50Ms, double lateP99Ms, long stalls,
      double stalledPct, double longestMs) {
    public String line() {
      return String.format(Locale.ROOT,
          "host: %d threads sleeping %d µs for %.0f s, %,d sleeps: woke late by p50 %.3f ms  p99 %.3f ms; "
              + "%d stalls over %.0f ms (%.2f %% of the threads' time, %.1f a second per thread), the longest %.1f ms",
          threads, sleepMicros, seconds, sleeps, lateP50Ms, lateP99Ms, stalls, STALL_NANOS / 1e6, stalledPct, stalls / seconds / threads,
          longestMs);
    }
  }

  /** One sleeping thread's count. */
  static final class Tally {
    final Histogram late = new Histogram();
    long sleeps;
    long stalls;
    long stalledNanos;
    long longestNanos;

    void note(long lateNanos) {
      late.recordNanos(lateNanos);
      sleeps++;
      if (lateNanos > STALL_NANOS) {
        stalls++;
        stalledNanos += lateNanos;
        longestNanos = Math.max(longestNanos, lateNanos);
      }
    }
  }

  public static Result run(int threads, long sleepMicros, Duration duration) throws InterruptedException {
    long sleepNanos = sleepMicros * 1000;
    List<Tally> tallies = new ArrayList<>();
    List<Thread> sleepers = new ArrayList<>();
    long started = System.nanoTime();
    long end = started + duration.toNanos();
    for (int t = 0; t < threads; t++) {
      Tally tally = new Tally();
      tallies.add(tally);
      Thread sleeper = new Thread(() -> {
        while (System.nanoTime() < end) {
          long start = System.nanoTime();
          LockSupport.parkNanos(sleepNanos);
          tally.note(Math.max(0, System.nanoTime() - start - sleepNanos));
        }
      }, "host-jitter-" + t);
      sleeper.setDaemon(true);
      sleepers.add(sleeper);
    }
    sleepers.forEach(Thread::start);
    for (Thread t : sleepers) {
      t.join();
    }
    return summarize(tallies, sleepMicros, (System.nanoTime() - started) / 1e9);
  }

  static Result summarize(List<Tally> tallies, long sleepMicros, double seconds) {
    Histogram late = new Histogram();
    long sleeps = 0;
    long stalls = 0;
    long stalledNanos = 0;
    long longestNanos = 0;
    for (Tally t : tallies) {
      late.add(t.late);
      sleeps += t.sleeps;
      stalls += t.stalls;
      stalledNanos += t.stalledNanos;
      longestNanos = Math.max(longestNanos, t.longestNanos);
    }
    return new Result(tallies.size(), sleepMicros, seconds, sleeps, late.quantileMs(0.5), late.quantileMs(0.99), stalls,
        100.0 * stalledNanos / 1e9 / seconds / tallies.size(), longestNanos / 1e6);
  }
}
