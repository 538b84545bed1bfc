package dev.sluice.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;

class SteadyWarmupTest {
  /** The warm-up's slices here: 100 ms, not a second, to keep the test short. */
  private static final Duration SLICE = Duration.ofMillis(100);

  /** Answers the counts in order, one per call, then the last one again. */
  private static LongSupplier counts(long... values) {
    AtomicInteger call = new AtomicInteger();
    return () -> values[Math.min(call.getAndIncrement(), values.length - 1)];
  }

  private static SluiceAppendBench.Timing measure(LongSupplier done) throws InterruptedException {
    return measure(done, Duration.ofSeconds(30));
  }

  private static SluiceAppendBench.Timing measure(LongSupplier done, Duration warmupMax) throws InterruptedException {
    AtomicBoolean measuring = new AtomicBoolean();
    AtomicBoolean stop = new AtomicBoolean();
    AtomicBoolean measured = new AtomicBoolean();
    Thread worker = new Thread(() -> {
      while (!stop.get()) {
        measured.compareAndSet(false, measuring.get());
        Thread.onSpinWait();
      }
    });
    worker.start();
    SluiceAppendBench.Timing timing = SluiceAppendBench.measure(Duration.ZERO, Duration.ofMillis(50), stop, List.of(worker), () -> measuring.set(true),
        () -> measuring.set(false), done, SLICE, warmupMax);
    assertThat(measured).as("the window was flagged").isTrue();
    assertThat(worker.isAlive()).isFalse();
    return timing;
  }

  @Test
  void aScenarioWarmsUpWhileItsThroughputStillRises() throws InterruptedException {
    // Slices of 100, 200, 400, 400, 400 events: the last two are no faster than the third.
    SluiceAppendBench.Timing timing = measure(counts(0, 100, 300, 700, 1100, 1500));
    assertThat(timing.warmupS()).isBetween(0.49, 1.5);
    assertThat(timing.measuredS()).isBetween(0.049, 0.5);
  }

  @Test
  void oneSlowSliceDoesNotEndTheWarmUp() throws InterruptedException {
    // 100, 200, then a dip to 150 on a noisy host, then 400, 400, 400.
    SluiceAppendBench.Timing timing = measure(counts(0, 100, 300, 450, 850, 1250, 1650));
    assertThat(timing.warmupS()).isBetween(0.59, 1.6);
  }

  @Test
  void aScenarioAlreadySteadyWarmsUpForThreeSlices() throws InterruptedException {
    // 1000, 1020, 1010: under 5 % faster than the fastest before, twice.
    SluiceAppendBench.Timing timing = measure(counts(0, 1000, 2020, 3030));
    assertThat(timing.warmupS()).isBetween(0.29, 1.2);
  }

  @Test
  void aThroughputThatKeepsRisingStopsAtTheLongestWarmUp() throws InterruptedException {
    long[] rising = new long[100];
    for (int i = 1; i < rising.length; i++) {
      rising[i] = rising[i - 1] + (long) (100 * Math.pow(1.1, i));
    }
    SluiceAppendBench.Timing timing = measure(counts(rising), Duration.ofSeconds(1));
    assertThat(timing.warmupS()).isBetween(0.89, 2.5);
  }
}
