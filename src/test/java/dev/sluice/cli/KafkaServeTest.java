package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.kafka.TestKafka;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sluice serve --backend kafka} as a user runs it, in a child JVM against a real broker:
 * streams and views declared over HTTP, appends, and views read with the append's token — then the
 * server restarted, and the view going on from where it was.
 */
@Tag("kafka")
class KafkaServeTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern SERVING = Pattern.compile("serving http://localhost:(\\d+) ");
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @TempDir Path data;

  private record Served(Process process, String url) implements AutoCloseable {
    @Override
    public void close() throws InterruptedException {
      process.destroy(); // SIGTERM: the shutdown hook closes server, views and log
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
      }
    }
  }

  private Served serve(String bootstrap, String cluster) throws Exception {
    String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    Process p = new ProcessBuilder(java, "-Xmx384m", "-cp", System.getProperty("java.class.path"), Main.class.getName(),
            "serve", "--backend", "kafka", "--kafka", bootstrap, "--cluster", cluster, "--data", data.toString(), "--port", "0")
        .redirectError(data.resolve("serve-" + System.nanoTime() + ".err").toFile())
        .start();
    BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    String line = out.readLine();
    assertThat(line).as("the server's first line").isNotNull().contains("kafka " + bootstrap + ", cluster " + cluster);
    Matcher m = SERVING.matcher(line);
    assertThat(m.find()).as(line).isTrue();
    return new Served(p, "http://127.0.0.1:" + m.group(1));
  }

  private JsonNode post(String url, String path, String body, String type) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url + path)).header("Content-Type", type)
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(path + " → " + r.body()).isEqualTo(200);
    return JSON.readTree(r.body());
  }

  private JsonNode get(String url, String path) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url + path)).GET().build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(path + " → " + r.body()).isEqualTo(200);
    return JSON.readTree(r.body());
  }

  private JsonNode row(String url, String view, String key, String token) throws Exception {
    return get(url, "/views/" + view + "/rows/" + URLEncoder.encode(key, StandardCharsets.UTF_8)
        + "?timeout_ms=30000&after=" + URLEncoder.encode(token, StandardCharsets.UTF_8));
  }

  @Test
  void viewsOnTheKafkaBackendAnswerWithTheAppendsTokenAndGoOnAfterARestart() throws Exception {
    String bootstrap = TestKafka.bootstrapServers();
    String cluster = TestKafka.newCluster("serve");
    try (Served s = serve(bootstrap, cluster)) {
      post(s.url(), "/statements", "CREATE STREAM orders KEY order_id PARTITIONS 3;"
          + " CREATE VIEW revenue AS FROM orders |> WHERE status = 'paid'"
          + " |> AGGREGATE count(*) AS orders, sum(amount) AS revenue GROUP BY country;", "text/plain");
      JsonNode appended = post(s.url(), "/streams/orders/events", "["
          + "{\"_id\":\"a\",\"order_id\":\"o1\",\"status\":\"paid\",\"amount\":10,\"country\":\"NL\"},"
          + "{\"_id\":\"b\",\"order_id\":\"o2\",\"status\":\"paid\",\"amount\":5,\"country\":\"NL\"},"
          + "{\"_id\":\"c\",\"order_id\":\"o3\",\"status\":\"open\",\"amount\":7,\"country\":\"NL\"},"
          + "{\"_id\":\"d\",\"order_id\":\"o4\",\"status\":\"paid\",\"amount\":3,\"country\":\"FR\"}]", "application/json");
      assertThat(appended.path("appended").asInt()).isEqualTo(4);
      JsonNode nl = row(s.url(), "revenue", "NL", appended.path("token").asText());
      assertThat(nl.path("orders").asLong()).isEqualTo(2);
      assertThat(nl.path("revenue").asDouble()).isEqualTo(15.0);

      JsonNode again = post(s.url(), "/streams/orders/events",
          "{\"_id\":\"a\",\"order_id\":\"o1\",\"status\":\"paid\",\"amount\":10,\"country\":\"NL\"}", "application/json");
      assertThat(again.path("duplicates").asInt()).isEqualTo(1);
      JsonNode original = appended.path("positions").get(0);
      assertThat(again.path("positions").get(0).toString()).isEqualTo(
          "{\"partition\":" + original.path("partition") + ",\"offset\":" + original.path("offset") + ",\"duplicate\":true}");
    }

    try (Served s = serve(bootstrap, cluster)) {
      JsonNode more = post(s.url(), "/streams/orders/events",
          "{\"_id\":\"e\",\"order_id\":\"o5\",\"status\":\"paid\",\"amount\":1,\"country\":\"NL\"}", "application/json");
      JsonNode nl = row(s.url(), "revenue", "NL", more.path("token").asText());
      assertThat(nl.path("orders").asLong()).as("counted once each, across the restart").isEqualTo(3);
      assertThat(nl.path("revenue").asDouble()).isEqualTo(16.0);
      JsonNode views = get(s.url(), "/views");
      assertThat(views.toString()).contains("\"revenue\"");
    }
  }

  @Test
  void theKafkaOptionsAreCheckedBeforeAnythingStarts() {
    assertOneLine(2, "sluice: --backend kafka needs --kafka HOST:PORT[,…]", "serve", "--backend", "kafka");
    assertOneLine(2, "sluice: --kafka is for --backend kafka", "serve", "--kafka", "localhost:9092");
    assertOneLine(2, "sluice: --backend must be 'embedded' or 'kafka', got 'pulsar'", "serve", "--backend", "pulsar");
    assertOneLine(2, "sluice: invalid cluster name 'a.b'", "serve", "--backend", "kafka", "--kafka", "localhost:1", "--cluster", "a.b");
    assertOneLine(2, "sluice: --kafka-config is for --backend kafka", "serve", "--kafka-config", "client.properties");
    assertOneLine(2, "sluice: cannot read --kafka-config " + data.resolve("missing.properties"),
        "serve", "--backend", "kafka", "--kafka", "localhost:1", "--kafka-config", data.resolve("missing.properties").toString());
  }

  private static void assertOneLine(int exit, String line, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int status = Main.run(args, new ByteArrayInputStream(new byte[0]),
        new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    String text = err.toString(StandardCharsets.UTF_8);
    assertThat(status).as(text).isEqualTo(exit);
    assertThat(text).startsWith(line);
    assertThat(text.lines()).hasSize(1);
  }
}
