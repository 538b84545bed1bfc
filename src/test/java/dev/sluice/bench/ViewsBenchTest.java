package dev.sluice.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A small run of {@code sluice bench views}: every figure is there, and each backfill ran on the threads it says. */
class ViewsBenchTest {
  @Test
  void aSmallRunReportsEachBackfillOnItsThreadsAndEndsWithItsJsonLine() throws Exception {
    var bytes = new ByteArrayOutputStream();
    ViewsBench.run(new ViewsBench.Settings(250_000, 2_000, Duration.ofMillis(500)), new PrintStream(bytes, true, StandardCharsets.UTF_8));
    var lines = bytes.toString(StandardCharsets.UTF_8).strip().lines().toList();

    // The backlog is long enough for the first views to read ahead; the third stays on one thread.
    assertThat(lines).anyMatch(l -> l.startsWith("backfill (the first view") && l.contains("on 2 threads"));
    assertThat(lines).anyMatch(l -> l.startsWith("backfill (a third view") && l.contains("on 1 thread (the view's)"));
    JsonNode json = new ObjectMapper().readTree(lines.getLast());
    assertThat(json.get("bench").asText()).isEqualTo("views");
    assertThat(json.get("events").asLong()).isEqualTo(250_000);
    assertThat(json.get("backfill_threads").asInt()).isEqualTo(2);
    for (var figure : new String[] {"events_per_s", "events_per_cpu_s", "compiled_events_per_s", "one_core_events_per_s",
        "one_core_events_per_cpu_s", "backfill_10m_s", "lookup_p99_us", "http_lookup_p99_ms", "e2e_p99_ms"}) {
      assertThat(json.get(figure).asDouble()).as(figure).isPositive();
    }
    // On one thread the CPU it used is at most the wall time it took.
    assertThat(json.get("one_core_events_per_cpu_s").asDouble()).isGreaterThanOrEqualTo(json.get("one_core_events_per_s").asDouble() * 0.95);
    assertThat(System.getProperty("sluice.view.read-ahead-records")).as("the bench restores the setting").isNull();
  }
}
