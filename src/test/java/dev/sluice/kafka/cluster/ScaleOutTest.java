package dev.sluice.kafka.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.kafka.TestKafka;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three instances of one cluster divide the work through Kafka's consumer group; one is killed
 * with SIGKILL while events flow, and the two left take over its partitions and answer every read
 * — each count exactly what was acknowledged, through either of them; and a subscriber of the
 * view's changes through a survivor, resuming with its last id, ends up holding the same.
 */
@Tag("kafka")
class ScaleOutTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration WAIT = Duration.ofSeconds(90);
  private static final int CUSTOMERS = 12;
  /** The session timeout of every instance: how soon the group notices the killed one. */
  private static final Duration SESSION = Duration.ofSeconds(6);

  @TempDir Path dir;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final List<AutoCloseable> open = new ArrayList<>();

  /** An instance in this JVM, assembled as {@code sluice serve --backend kafka} assembles one. */
  private String inProcess(String cluster, String name) throws Exception {
    InProcessInstance instance = new InProcessInstance(cluster, dir.resolve(name), SESSION);
    open.add(instance);
    return instance.url;
  }

  /** An instance in a child JVM, as a user starts it; killed with SIGKILL by the test. */
  private ChildInstance child(String cluster, String name) throws Exception {
    ChildInstance child = ChildInstance.start(cluster, dir.resolve(name), SESSION);
    open.add(child);
    return child;
  }

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : open.reversed()) {
      c.close();
    }
  }

  private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return http.send(request.timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private JsonNode get(String url, String path) throws Exception {
    HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(url + path)).GET());
    assertThat(r.statusCode()).as(path + " → " + r.body()).isEqualTo(200);
    return JSON.readTree(r.body());
  }

  private void statements(String url, String text) throws Exception {
    HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(url + "/statements"))
        .header("Content-Type", "text/plain").POST(HttpRequest.BodyPublishers.ofString(text)));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
  }

  /** Appends one event, resending it with the same _id until some instance acknowledges it. */
  private void appendOnce(List<String> urls, String id, String customer, long amount) throws Exception {
    String body = "{\"_id\":\"" + id + "\",\"customer\":\"" + customer + "\",\"amount\":" + amount + "}";
    long deadline = System.nanoTime() + WAIT.toNanos();
    for (int attempt = 0; ; attempt++) {
      String url = urls.get(attempt % urls.size());
      try {
        HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(url + "/streams/orders/events"))
            .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)));
        if (r.statusCode() == 200) {
          return;
        }
      } catch (java.io.IOException refused) {
        // that instance is gone: another one takes the resend
      }
      assertThat(System.nanoTime()).as("event %s acknowledged in time", id).isLessThan(deadline);
      Thread.sleep(100);
    }
  }

  /** The row's answer through {@code url}, or its error's status and body. */
  private String row(String url, String view, String key) throws Exception {
    HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(url + "/views/" + view + "/rows/"
        + URLEncoder.encode(key, StandardCharsets.UTF_8) + "?timeout_ms=5000")).GET());
    if (r.statusCode() != 200) {
      return r.statusCode() + " " + r.body();
    }
    JsonNode row = JSON.readTree(r.body());
    return "n=" + row.path("n").asLong() + " total=" + row.path("total").asLong();
  }

  /** The view's rows by customer, as one scan through {@code url} answers them. */
  private Map<String, String> scan(String url, String view) throws Exception {
    return scan(url, view, "customer");
  }

  /** The view's rows by the group field {@code field}, as one scan through {@code url} answers them. */
  private Map<String, String> scan(String url, String view, String field) throws Exception {
    Map<String, String> rows = new TreeMap<>();
    for (JsonNode row : get(url, "/views/" + view + "/rows?limit=1000")) {
      rows.put(row.path(field).asText(), "n=" + row.path("n").asLong() + " total=" + row.path("total").asLong());
    }
    return rows;
  }

  private static void await(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("not within %d s: %s", WAIT.toSeconds(), what).isLessThan(deadline);
      Thread.sleep(200);
    }
  }

  private Set<String> members(String url) {
    try {
      Set<String> members = new TreeSet<>();
      get(url, "/status").path("cluster").path("members").fieldNames().forEachRemaining(members::add);
      return members;
    } catch (Exception e) {
      return Set.of();
    }
  }

  @Test
  void killingOneOfThreeInstancesUnderLoadMovesItsPartitionsAndEveryReadStaysExact() throws Exception {
    String cluster = TestKafka.newCluster("scale");
    String a = inProcess(cluster, "a");
    statements(a, "CREATE STREAM orders KEY customer PARTITIONS 4;"
        + " CREATE VIEW spend AS FROM orders |> AGGREGATE count(*) AS n, sum(amount) AS total GROUP BY customer;"
        + " CREATE VIEW everything AS FROM orders |> AGGREGATE count(*) AS n, sum(amount) AS total;"
        // Grouped by a field that is not the key: divided through its repartition stream.
        + " CREATE VIEW by_amount AS FROM orders |> AGGREGATE count(*) AS n, sum(amount) AS total GROUP BY amount;");
    assertThat(get(a, "/views/by_amount").path("definition").asText()).as("by_amount runs over its repartition stream")
        .startsWith("FROM by_amount_v1_repartition").contains("|> AGGREGATE");
    String b = inProcess(cluster, "b");
    ChildInstance c = child(cluster, "c");
    await("the group has the three instances", () -> members(a).equals(new TreeSet<>(List.of(a, b, c.url()))));

    // Load through the two that stay, before, during and after the kill.
    Map<String, long[]> expected = new ConcurrentHashMap<>(); // customer → {count, total}
    Map<String, long[]> byAmount = new ConcurrentHashMap<>(); // amount → {count, total}
    AtomicBoolean loading = new AtomicBoolean(true);
    AtomicInteger appended = new AtomicInteger();
    List<Thread> writers = new ArrayList<>();
    List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
    for (int w = 0; w < 2; w++) {
      int writer = w;
      Thread t = new Thread(() -> {
        try {
          for (int i = 0; loading.get(); i++) {
            String customer = "c" + (i * 7 + writer) % CUSTOMERS;
            long amount = 1 + (i % 5);
            appendOnce(List.of(writer == 0 ? a : b, writer == 0 ? b : a), "w" + writer + "-" + i, customer, amount);
            expected.compute(customer, (k, v) -> v == null ? new long[] {1, amount} : new long[] {v[0] + 1, v[1] + amount});
            byAmount.compute(String.valueOf(amount), (k, v) -> v == null ? new long[] {1, amount} : new long[] {v[0] + 1, v[1] + amount});
            appended.incrementAndGet();
          }
        } catch (Throwable e) {
          failures.add(e);
        }
      });
      t.start();
      writers.add(t);
    }
    await("events flow", () -> appended.get() >= 100);
    // A subscriber through a, whose merged stream has a part from c when c is killed.
    ClusterSubscriber subscriber = new ClusterSubscriber("/views/spend/changes?timeout_ms=20000");
    open.add(subscriber);
    subscriber.connectRetrying(a, WAIT);
    // The killed instance owns a share of the work and has been doing it.
    JsonNode cStatus = get(c.url(), "/status");
    assertThat(cStatus.path("cluster").path("owned").toString()).as("c's share").contains(cluster + ".orders");
    c.kill();
    int atKill = appended.get();
    await("events flow after the kill", () -> appended.get() >= atKill + 100);
    await("the group has the two instances left", () -> members(a).equals(new TreeSet<>(List.of(a, b))));
    loading.set(false);
    for (Thread t : writers) {
      t.join();
    }
    assertThat(failures).isEmpty();

    long[] sum = {0, 0};
    expected.values().forEach(v -> {
      sum[0] += v[0];
      sum[1] += v[1];
    });
    Map<String, String> want = new TreeMap<>();
    expected.forEach((customer, v) -> want.put(customer, "n=" + v[0] + " total=" + v[1]));
    for (String url : List.of(a, b)) {
      Map<String, String> got = new TreeMap<>();
      await("every customer's row through " + url + " counts what was acknowledged", () -> {
        try {
          for (String customer : want.keySet()) {
            got.put(customer, row(url, "spend", customer));
          }
          return got.equals(want);
        } catch (Exception e) {
          return false;
        }
      });
      assertThat(got).isEqualTo(want);
      assertThat(scan(url, "spend")).as("a scan through %s gathers every instance's part", url).isEqualTo(want);
      String[] total = {""};
      await("the whole view through " + url, () -> {
        try {
          total[0] = row(url, "everything", "[]");
          return total[0].equals("n=" + sum[0] + " total=" + sum[1]);
        } catch (Exception e) {
          return false;
        }
      });
    }
    // The subscriber, resuming with its last id whenever its stream ends, holds what was acknowledged.
    java.util.function.Predicate<Map<String, JsonNode>> acknowledged = rows -> {
      Map<String, String> held = new TreeMap<>();
      rows.values().forEach(r -> held.put(r.path("customer").asText(), "n=" + r.path("n").asLong() + " total=" + r.path("total").asLong()));
      return held.equals(want);
    };
    for (int connects = 0; !subscriber.foldUntil(acknowledged, WAIT); connects++) {
      assertThat(connects).as("reconnections of the subscriber").isLessThan(10);
      subscriber.connectRetrying(a, WAIT);
    }
    Map<String, String> wantByAmount = new TreeMap<>();
    byAmount.forEach((amount, v) -> wantByAmount.put(amount, "n=" + v[0] + " total=" + v[1]));
    for (String url : List.of(a, b)) {
      Map<String, String> got = new TreeMap<>();
      await("the repartitioned view through " + url + " counts what was acknowledged, once", () -> {
        try {
          got.clear();
          got.putAll(scan(url, "by_amount", "amount"));
          return got.equals(wantByAmount);
        } catch (Exception | AssertionError e) {
          return false;
        }
      });
      assertThat(got).isEqualTo(wantByAmount);
    }
    // Between them, the two left own every partition, and each says how far it is.
    JsonNode statusA = get(a, "/status");
    JsonNode statusB = get(b, "/status");
    Set<Integer> partitions = new TreeSet<>();
    for (JsonNode s : List.of(statusA, statusB)) {
      s.path("cluster").path("owned").path(cluster + ".orders").forEach(p -> partitions.add(p.asInt()));
    }
    assertThat(partitions).containsExactly(0, 1, 2, 3);
    assertThat(statusA.path("work").toString()).contains("\"view\":\"spend\"");
    // a owns only some partitions: the rows of the others came from b.
    Set<String> servedBy = new TreeSet<>();
    for (String customer : want.keySet()) {
      send(HttpRequest.newBuilder(URI.create(a + "/views/spend/rows/" + customer)).GET())
          .headers().firstValue("Sluice-Served-By").ifPresent(servedBy::add);
    }
    assertThat(servedBy).containsExactly(b);
  }
}
