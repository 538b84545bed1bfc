package dev.sluice.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;

class SteadyWarmupTest {
  /** Answers the counts in order, one per call, then the last one again. */
  private static LongSupplier counts(long... values) {
    AtomicInteger call = new AtomicInteger();
    return () -> values[Math.min(call.getAndIncrement(), values.length - 1)];
  }

  private static SluiceAppendBench.Timing measure(LongSupplier done) throws InterruptedException {
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
    SluiceAppendBench.Timing timing = SluiceAppendBench.measure(Duration.ZERO, Duration.ofMillis(100), measuring, stop, List.of(worker), null, done);
    assertThat(measured).as("the window was flagged").isTrue();
    assertThat(worker.isAlive()).isFalse();
    return timing;
  }

  @Test
  void aScenarioWarmsUpWhileItsSecondsStillGetFaster() throws InterruptedException {
    // Seconds of 100, 200, 400, then 400 events: the fourth is no faster than the third.
    SluiceAppendBench.Timing timing = measure(counts(0, 100, 300, 700, 1100));
    assertThat(timing.warmupS()).isBetween(3.9, 5.5);
    assertThat(timing.measuredS()).isBetween(0.09, 1.0);
  }

  @Test
  void aScenarioAlreadySteadyWarmsUpForTwoSecondsOfComparison() throws InterruptedException {
    // Seconds of 1000 and 1020 events: under 5 % faster, so steady.
    SluiceAppendBench.Timing timing = measure(counts(0, 1000, 2020));
    assertThat(timing.warmupS()).isBetween(1.9, 3.5);
  }
}
