package dev.sluice.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class HostUsageTest {
  private static volatile long sink;

  @Test
  void aBusyThreadShowsAsTheJvmsCpuAndTheCoresTimeAddsUp() {
    java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
    HostUsage before = HostUsage.sample();
    long threadCpu = threads.getCurrentThreadCpuTime();
    long end = System.nanoTime() + 300_000_000L;
    long x = 1;
    while (System.nanoTime() < end) {
      x = x * 6364136223846793005L + 1442695040888963407L;
    }
    sink = x;
    double threadCpuSeconds = (threads.getCurrentThreadCpuTime() - threadCpu) / 1e9;
    HostUsage.Delta d = HostUsage.sample().since(before);

    assertThat(d.seconds()).isGreaterThanOrEqualTo(0.3);
    assertThat(threadCpuSeconds).as("the spinning thread ran").isGreaterThan(0.02);
    double threadCores = threadCpuSeconds / d.seconds();
    assertThat(d.jvmCores()).as("the JVM's CPU includes the spinning thread's").isGreaterThan(threadCores * 0.9);
    // The kernel counts in clock ticks (10 ms here): half the thread's share of all cores at least.
    assertThat(d.busyPct()).as("the cores ran at least that thread").isBetween(threadCores * 0.5 * 100 / Runtime.getRuntime().availableProcessors(), 100.0);
    assertThat(d.stealPct()).isBetween(0.0, 100.0);
    assertThat(d.iowaitPct()).isBetween(0.0, 100.0);
    assertThat(d.busyPct() + d.iowaitPct() + d.stealPct()).isLessThanOrEqualTo(100.0 + 1e-9);
  }

  @Test
  void aWindowTellsTheP99OfEachSecondApartAndOnlyOfItsOwnSeconds() {
    SluiceAppendBench.Window w = new SluiceAppendBench.Window(Duration.ofMillis(2500));
    for (int i = 0; i < 100; i++) {
      w.record(System.nanoTime(), 90_000_000L); // the warm-up's: forgotten when the window begins
    }
    w.begin();
    long begin = System.nanoTime();
    for (int i = 0; i < 100; i++) {
      w.record(begin + 100_000_000L, 1_000_000L); // second 0: 1 ms each
      w.record(begin + 1_500_000_000L, 5_000_000L); // second 1: 5 ms each
    }
    w.record(begin + 9_000_000_000L, 20_000_000L); // after the window's last second: counted in it
    w.end();
    w.record(begin + 1_500_000_000L, 500_000_000L); // after the window's end: not in its figures

    assertThat(w.p99BySecondMs()).hasSize(3);
    assertThat(w.p99BySecondMs().get(0)).isCloseTo(1.0, within(0.02));
    assertThat(w.p99BySecondMs().get(1)).isCloseTo(5.0, within(0.05));
    assertThat(w.p99BySecondMs().get(2)).isCloseTo(20.0, within(0.2));
    assertThat(w.describe()).containsPattern("\\(ms\\): 1\\.0\\d 5\\.0\\d 20\\.\\d\\d").contains("stolen by the hypervisor");
  }
}
