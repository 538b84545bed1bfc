package dev.sluice.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DiskProbeTest {
  @TempDir Path dir;

  @Test
  void theGroupCommitProbeMakesEveryAppendDurableAndTimesItFromItsWrite() throws Exception {
    DiskProbe.Pipeline run = DiskProbe.groupCommit(dir, 4096, 200, Duration.ofMillis(250));

    assertThat(run.requests()).isEqualTo(50);
    // An append is durable no sooner than an fsync after its write: never in no time at all.
    assertThat(run.p50Ms()).isPositive();
    assertThat(run.p50Ms()).isLessThanOrEqualTo(run.p99Ms());
    assertThat(run.p99Ms()).isLessThanOrEqualTo(run.p999Ms());
    assertThat(run.line()).contains("4,096 bytes appended 200 times a second").contains("50 appends");
    try (var left = Files.list(dir)) {
      assertThat(left).as("the probe's file is removed").isEmpty();
    }
  }
}
