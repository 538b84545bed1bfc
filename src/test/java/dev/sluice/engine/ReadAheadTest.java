package dev.sluice.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.log.Event;
import dev.sluice.log.StreamKind;
import dev.sluice.log.StreamSpec;
import dev.sluice.log.Token;
import dev.sluice.log.embedded.EmbeddedLog;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A backlog read on two threads ({@code ViewTask.ReadAhead}) builds the view one thread builds: the
 * same rows as the pipeline evaluated as a batch, the same dead letters in the same order, the same
 * lineage, through backfill, the hand-over to live maintenance and a burst that puts the view far
 * behind again. Histories hold what the in-place path must get right: decimals, sums past 64 bits,
 * events without the group field (a NULL group), values that are not JSON objects, sums over
 * strings, ids given by the writer, and more events than fit one read or one pass.
 */
class ReadAheadTest {
  private static final String PIPELINE = "FROM orders |> WHERE status = 'paid' OR amount > 900"
      + " |> AGGREGATE sum(amount) AS total, count(*) AS n, max(amount) AS largest, avg(amount) AS mean GROUP BY customer";
  private static final String BY_TWO = "FROM orders |> WHERE status <> 'open'"
      + " |> AGGREGATE count(*) AS n, sum(amount) AS total GROUP BY customer, status";

  @TempDir Path tmp;

  @Test
  void aBacklogReadAheadMakesTheViewOneThreadMakes() throws Exception {
    Random random = new Random(20261202);
    try (EmbeddedLog log = EmbeddedLog.open(tmp.resolve("log"), EmbeddedLog.Options.defaults())) {
      log.create(new StreamSpec("orders", StreamKind.STREAM, "customer", 3), false);
      append(log, random, 0, 40_000);
      try (Engine engine = Engine.open(log, tmp.resolve("views"))) {
        create(engine, "ahead", PIPELINE, "1");
        create(engine, "ahead_two", BY_TWO, "1");
        create(engine, "direct", PIPELINE, "-1");
        create(engine, "direct_two", BY_TWO, "-1");
        Token end = Recomputation.endOf(log);
        assertSame(engine, log, end, true);
        assertThat(threadNamed("sluice-view-ahead-v1-read-ahead")).as("the backfill read ahead on a second thread").isTrue();
        assertThat(threadNamed("sluice-view-direct-v1-read-ahead")).as("the view told not to read ahead").isFalse();

        // Live, then a burst that leaves the views far behind again.
        // Live, then a burst that leaves the views far behind again: when each view reads what
        // depends on when the appends land, so partitions interleave differently, each in order.
        append(log, random, 40_000, 300);
        assertSame(engine, log, Recomputation.endOf(log), false);
        append(log, random, 40_300, 25_000);
        assertSame(engine, log, Recomputation.endOf(log), false);
      }
    } finally {
      System.clearProperty("sluice.view.read-ahead-records");
    }
  }

  private static void create(Engine engine, String name, String pipeline, String readAheadRecords) {
    System.setProperty("sluice.view.read-ahead-records", readAheadRecords);
    engine.create(name, pipeline, false, false);
  }

  /** With {@code backlog}, the views read a log that did not grow: the same passes, in the same order. */
  private static void assertSame(Engine engine, EmbeddedLog log, Token end, boolean backlog) {
    var history = Recomputation.history(log);
    Map<String, String> expected = Recomputation.batch(PIPELINE, log, history);
    Map<String, String> expectedTwo = Recomputation.batch(BY_TWO, log, history);
    Duration wait = Duration.ofSeconds(60);
    assertThat(Recomputation.rows(engine, "ahead", end, wait)).isEqualTo(expected);
    assertThat(Recomputation.rows(engine, "direct", end, wait)).isEqualTo(expected);
    assertThat(Recomputation.rows(engine, "ahead_two", end, wait)).isEqualTo(expectedTwo);
    assertThat(Recomputation.rows(engine, "direct_two", end, wait)).isEqualTo(expectedTwo);
    assertThat(expected).hasSizeGreaterThan(100);

    assertThat(deadLetters(engine, "ahead", backlog)).isEqualTo(deadLetters(engine, "direct", backlog)).isNotEmpty();
    assertThat(deadLetters(engine, "ahead_two", backlog)).isEqualTo(deadLetters(engine, "direct_two", backlog)).isNotEmpty();
    var ahead = engine.view("ahead").orElseThrow();
    var direct = engine.view("direct").orElseThrow();
    assertThat(ahead.deadLetters()).isEqualTo(direct.deadLetters());
    assertThat(ahead.eventsProcessed()).isEqualTo(direct.eventsProcessed());
    assertThat(ahead.rows()).isEqualTo(direct.rows());

    // What lineage says of an event: the same for both, whoever read it.
    for (String id : List.of("order-8", "order-12346", "order-39998")) {
      var report = engine.lineage("orders", id).orElseThrow();
      var effects = report.views().stream().collect(java.util.stream.Collectors.toMap(v -> v.view(), v -> v));
      assertThat(effects.get("ahead").keys()).isEqualTo(effects.get("direct").keys());
      assertThat(effects.get("ahead").applied()).isEqualTo(effects.get("direct").applied()).isTrue();
    }
  }

  /**
   * The view's dead letters as JSON; unless {@code inOrder}, without their sequence numbers and
   * partition after partition (each in its order).
   */
  private static List<String> deadLetters(Engine engine, String view, boolean inOrder) {
    List<String> letters = engine.deadLetters(view, 0, Integer.MAX_VALUE).stream()
        .map(b -> new String(b, StandardCharsets.UTF_8))
        .toList();
    if (inOrder) {
      return letters;
    }
    return letters.stream()
        .map(l -> l.replaceFirst("\\{\"sequence\":[0-9]+,", "{"))
        .sorted(java.util.Comparator.comparing(l -> l.substring(l.indexOf("\"partition\":"), l.indexOf(",\"offset\""))))
        .toList();
  }

  private static boolean threadNamed(String name) {
    return Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals(name));
  }

  private static void append(EmbeddedLog log, Random random, int first, int count) throws Exception {
    for (int i = first; i < first + count; ) {
      List<Event> batch = new ArrayList<>();
      for (int n = 0; n < 500 && i < first + count; n++, i++) {
        String customer = "c" + random.nextInt(400);
        String json = switch (random.nextInt(40)) {
          case 0 -> "[1, 2]"; // not an object: a dead letter
          case 1 -> "{\"customer\":\"" + customer + "\",\"status\":\"paid\",\"amount\":\"lots\"}"; // sum of a string
          case 2 -> "{\"status\":\"paid\",\"amount\":5}"; // no customer: the NULL group
          case 3 -> "{\"customer\":\"" + customer + "\",\"status\":\"paid\",\"amount\":" + (Long.MAX_VALUE - random.nextInt(10)) + "}";
          case 4 -> "{\"customer\":\"" + customer + "\",\"status\":\"paid\",\"amount\":" + random.nextInt(1000) + "." + random.nextInt(100) + "}";
          case 5 -> "{\"customer\":\"caf\\u00e9 " + random.nextInt(3) + "\",\"status\":\"paid\",\"amount\":1}"; // an escaped group
          case 6 -> "{\"customer\":" + random.nextInt(5) + ",\"status\":\"paid\",\"amount\":2}"; // a number as group
          default -> "{\"customer\":\"" + customer + "\",\"status\":\"" + (random.nextBoolean() ? "paid" : "open")
              + "\",\"amount\":" + random.nextInt(1000) + ",\"pad\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}";
        };
        String id = i % 2 == 0 ? "order-" + i : null; // the others get the log's ids
        String key = customer;
        batch.add(new Event(key, id, null, List.of(), false, json.getBytes(StandardCharsets.UTF_8)));
      }
      log.append("orders", batch).get(60, TimeUnit.SECONDS);
    }
  }
}
