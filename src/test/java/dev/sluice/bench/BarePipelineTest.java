package dev.sluice.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BarePipelineTest {
  @TempDir Path dir;

  @Test
  void theCallersGetEveryRequestAnsweredAtTheirPaceAndTheFileGoes() throws Exception {
    BarePipeline.Result run = BarePipeline.run(dir, 4, 4096, 400, Duration.ofMillis(200), Duration.ofMillis(500));

    // 400 a second for the half-second window; a caller waits for its answer, so a slow fsync can only lower it.
    assertThat(run.requests()).isBetween(100L, 210L);
    // A request is answered no sooner than an fdatasync after its write: never in no time at all.
    assertThat(run.p50Ms()).isPositive();
    assertThat(run.p50Ms()).isLessThanOrEqualTo(run.p99Ms());
    assertThat(run.p99Ms()).isLessThanOrEqualTo(run.p999Ms());
    assertThat(run.line()).contains("4 paced callers, 4,096-byte requests 400 times a second");
    try (var left = Files.list(dir)) {
      assertThat(left).as("the pipeline's file is removed").isEmpty();
    }
  }
}
