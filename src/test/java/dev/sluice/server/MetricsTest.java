package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.engine.Engine;
import dev.sluice.log.embedded.EmbeddedLog;
import dev.sluice.metrics.SluiceMetrics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code GET /metrics}: the log's, the views', the server's and the JVM's meters in Prometheus text. */
class MetricsTest {
  /** A sample line: a metric name, its labels (whose values may hold braces) and, after a space, the value. */
  private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\\{.*\\})?) (\\S+)$");

  private SluiceMetrics metrics;
  private EmbeddedLog log;
  private Engine engine;
  private TestServer server;

  @BeforeEach
  void start(@TempDir Path data) {
    metrics = SluiceMetrics.create();
    log = EmbeddedLog.open(data, EmbeddedLog.Options.defaults().withMeters(metrics.registry()));
    engine = Engine.open(log, data.resolve("views"));
    server = new TestServer(log, engine, Config.defaults().withDataDir(data), metrics);
    server.exec("CREATE STREAM orders KEY order_id PARTITIONS 2;"
        + " CREATE VIEW by_country AS FROM orders |> AGGREGATE count(*) AS n GROUP BY country");
  }

  @AfterEach
  void stop() {
    server.server.stop();
    engine.close();
    log.close();
    metrics.close();
  }

  @Test
  void theLogCountsWhatItAppendedAndTimesItsFsyncsAndAcknowledgements() {
    server.post("/streams/orders/events", "{\"_id\":\"a\",\"order_id\":\"o1\",\"country\":\"FR\"}\n{\"order_id\":\"o2\",\"country\":\"DE\"}");
    server.post("/streams/orders/events", "{\"_id\":\"a\",\"order_id\":\"o1\",\"country\":\"FR\"}");

    Map<String, Double> samples = scrape();

    assertThat(samples).containsEntry("sluice_log_appended_events_total{stream=\"orders\"}", 2.0);
    assertThat(samples).containsEntry("sluice_log_duplicate_events_total{stream=\"orders\"}", 1.0);
    assertThat(samples.get("sluice_log_appended_bytes_total{stream=\"orders\"}")).isGreaterThan(0.0);
    assertThat(samples.get("sluice_log_fsync_seconds_count")).as("the duplicate wrote nothing to sync").isGreaterThanOrEqualTo(1.0);
    assertThat(samples.get("sluice_log_append_acknowledgement_seconds_count")).isEqualTo(2.0);
    assertThat(samples.get("sluice_log_group_requests_sum")).isEqualTo(2.0);
    assertThat(samples).containsEntry("sluice_stream_events{stream=\"orders\"}", 2.0);
    assertThat(samples).containsEntry("sluice_stream_partitions{stream=\"orders\"}", 2.0);
  }

  @Test
  void eachViewHasItsRowsLagAndProgressUntilItIsDropped() throws Exception {
    server.post("/streams/orders/events", "{\"order_id\":\"o1\",\"country\":\"FR\"}\n{\"order_id\":\"o2\",\"country\":\"DE\"}\n{\"order_id\":\"o3\",\"country\":\"FR\"}");
    String view = "{kind=\"view\",view=\"by_country\"}";
    awaitSample("sluice_view_events_processed_total" + view, 3.0);
    // One scrape reads the gauges one after another, so it may read the lag before the last commit.
    Map<String, Double> samples = awaitSample("sluice_view_lag_events" + view, 0.0);

    assertThat(samples).containsEntry("sluice_view_events_processed_total" + view, 3.0);
    assertThat(samples).containsEntry("sluice_view_rows" + view, 2.0);
    assertThat(samples).containsEntry("sluice_view_lag_events" + view, 0.0);
    assertThat(samples).containsEntry("sluice_view_live" + view, 1.0);
    assertThat(samples).containsEntry("sluice_view_dead_letters_total" + view, 0.0);

    server.exec("DROP VIEW by_country");
    assertThat(scrape().keySet()).noneMatch(name -> name.contains("by_country"));
  }

  @Test
  void requestsAreTimedByRouteNotByPath() throws Exception {
    server.get("/views/by_country/rows/FR");
    server.get("/views/by_country/rows/DE");
    server.get("/no/such/route");

    // A request is timed once its answer is written, so the scrape may come before the last one counts.
    String rows = "sluice_http_requests_seconds_count{method=\"GET\",route=\"/views/{view}/rows/{key}\",status=\"404\"}";
    Map<String, Double> samples = awaitSample(rows, 2.0);

    assertThat(samples).containsEntry(rows, 2.0);
    assertThat(samples.keySet()).noneMatch(name -> name.contains("rows/FR"));
    assertThat(samples).containsKey("sluice_http_follows_open");
    assertThat(samples.get("jvm_memory_used_bytes{area=\"heap\",id=\"G1 Eden Space\"}")).isNotNull();
  }

  @Test
  void anUnknownParameterIsRefusedByName() {
    TestServer.Answer answer = server.get("/metrics?format=json");

    assertThat(answer.status()).isEqualTo(400);
    assertThat(answer.errorMessage()).contains("format");
  }

  private Map<String, Double> awaitSample(String name, double value) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    Map<String, Double> samples = scrape();
    while (!Double.valueOf(value).equals(samples.get(name)) && System.nanoTime() < deadline) {
      Thread.sleep(20);
      samples = scrape();
    }
    return samples;
  }

  private Map<String, Double> scrape() {
    TestServer.Answer answer = server.get("/metrics");
    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.contentType()).startsWith("text/plain; version=0.0.4");
    Map<String, Double> samples = new HashMap<>();
    for (String line : answer.body().split("\n")) {
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      Matcher m = SAMPLE.matcher(line);
      assertThat(m.matches()).as("a sample line: %s", line).isTrue();
      samples.put(m.group(1), Double.parseDouble(m.group(2)));
    }
    return samples;
  }
}
