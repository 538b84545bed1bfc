package dev.sluice.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class HostJitterTest {
  @Test
  void onlyWakeUpsLaterThanAMillisecondAreStallsAndTheyAreTimedWhole() {
    HostJitter.Tally a = new HostJitter.Tally();
    a.note(100_000);
    a.note(1_000_000); // exactly the threshold: not a stall
    a.note(2_000_000);
    HostJitter.Tally b = new HostJitter.Tally();
    b.note(5_000_000);
    b.note(50_000);

    HostJitter.Result r = HostJitter.summarize(List.of(a, b), 350, 2.0);

    assertThat(r.sleeps()).isEqualTo(5);
    assertThat(r.stalls()).isEqualTo(2);
    assertThat(r.longestMs()).isCloseTo(5.0, within(1e-9));
    // 7 ms stalled over two threads' 2 s each.
    assertThat(r.stalledPct()).isCloseTo(100.0 * 0.007 / 4.0, within(1e-9));
    assertThat(r.lateP50Ms()).isCloseTo(1.0, within(0.01));
    assertThat(r.line()).contains("2 threads sleeping 350 µs for 2 s, 5 sleeps").contains("2 stalls over 1 ms (0.18 %").contains("the longest 5.0 ms");
  }

  @Test
  void aRunSleepsForItsDurationOnEveryThread() throws Exception {
    HostJitter.Result r = HostJitter.run(2, 350, Duration.ofMillis(300));

    assertThat(r.seconds()).isGreaterThanOrEqualTo(0.3);
    // Each sleep lasts at least its 350 µs: at most 300 ms / 350 µs of them per thread.
    assertThat(r.sleeps()).isBetween(2L, 2L * 858);
    assertThat(r.lateP50Ms()).isGreaterThanOrEqualTo(0.0).isLessThanOrEqualTo(r.lateP99Ms());
    assertThat(r.stalledPct()).isBetween(0.0, 100.0);
  }
}
