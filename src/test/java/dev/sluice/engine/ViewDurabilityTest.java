package dev.sluice.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.log.Event;
import dev.sluice.log.StreamKind;
import dev.sluice.log.StreamSpec;
import dev.sluice.log.embedded.EmbeddedLog;
import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * View state is written without RocksDB's write-ahead log (the event log is the WAL), so after a
 * crash a view keeps what was flushed and replays the rest. A version that has caught up serves
 * reads; these tests kill a child JVM right after its views caught up — one created fresh, one that
 * replaced an older version, whose old state is gone — and check that each comes back whole, not
 * empty and rebuilding from offset 0 while it serves.
 */
class ViewDurabilityTest {
  private static final String BY_STATUS = "FROM orders |> AGGREGATE count(*) AS n, sum(amount) AS total GROUP BY status";
  private static final String BY_CUSTOMER = "FROM orders |> AGGREGATE count(*) AS n, max(amount) AS largest GROUP BY customer_id";
  private static final int REQUESTS = 20;
  private static final int REQUEST_EVENTS = 500;

  @TempDir Path tmp;

  @Test
  void viewsThatCaughtUpComeBackWholeAfterASigkill() throws Exception {
    Path data = tmp.resolve("data");
    Process child = ChildJvm.start(tmp.resolve("child.err"), Child.class, data.toString());
    try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = out.readLine()) != null; ) {
        if (line.equals("live")) {
          child.toHandle().destroyForcibly();
        }
      }
    }
    assertThat(child.waitFor(60, TimeUnit.SECONDS)).as("the child ended").isTrue();
    assertThat(child.exitValue()).as("exit status of a SIGKILLed child; stderr: %s", Files.readString(tmp.resolve("child.err")))
        .isEqualTo(128 + 9);

    try (EmbeddedLog log = EmbeddedLog.open(data.resolve("log"), EmbeddedLog.Options.defaults())) {
      List<Committed> survived = Committed.read(log, data.resolve("views"));
      assertThat(survived).as("durable state of the views that were live")
          .containsExactlyInAnyOrder(new Committed("by_customer", 2, REQUESTS * REQUEST_EVENTS, REQUESTS * REQUEST_EVENTS),
              new Committed("by_status", 1, REQUESTS * REQUEST_EVENTS, REQUESTS * REQUEST_EVENTS));
      var history = Recomputation.history(log);
      try (Engine engine = Engine.open(log, data.resolve("views"))) {
        // Read at once, without a token: what serves must be the whole view, whatever its thread does.
        assertThat(Recomputation.rows(engine, "by_status", null, null)).isEqualTo(Recomputation.batch(BY_STATUS, log, history));
        assertThat(Recomputation.rows(engine, "by_customer", null, null)).isEqualTo(Recomputation.batch(BY_CUSTOMER, log, history));
      }
    }
  }

  /**
   * Appends orders, creates {@code by_status}, creates {@code by_customer} and replaces it, waits
   * until both are live and the replacement serves, prints {@code live}, and waits to be killed.
   */
  static final class Child {
    public static void main(String[] args) throws Exception {
      Path dir = Path.of(args[0]);
      EmbeddedLog log = EmbeddedLog.open(dir.resolve("log"), EmbeddedLog.Options.defaults());
      log.create(new StreamSpec("orders", StreamKind.STREAM, "order_id", 3), false);
      Random random = new Random(7);
      for (int r = 0; r < REQUESTS; r++) {
        List<Event> events = new ArrayList<>();
        for (int i = 0; i < REQUEST_EVENTS; i++) {
          String id = "o" + r + "-" + i;
          String json = "{\"order_id\":\"" + id + "\",\"customer_id\":\"c" + random.nextInt(500) + "\",\"amount\":"
              + random.nextInt(1000) + ",\"status\":\"" + List.of("paid", "open").get(random.nextInt(2)) + "\"}";
          events.add(Event.of(id, json.getBytes(StandardCharsets.UTF_8)));
        }
        log.append("orders", events).get(60, TimeUnit.SECONDS);
      }
      Engine engine = Engine.open(log, dir.resolve("views"));
      engine.create("by_status", BY_STATUS, false, false);
      engine.create("by_customer", BY_STATUS, false, false);
      engine.create("by_customer", BY_CUSTOMER, true, false);
      // A client watches views come live by polling their status; there is nothing to await.
      while (!(live(engine, "by_status", 1) && live(engine, "by_customer", 2))) {
        Thread.sleep(5);
      }
      PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
      out.println("live");
      Thread.sleep(TimeUnit.MINUTES.toMillis(1));
    }

    private static boolean live(Engine engine, String view, long version) {
      ViewStatus status = engine.view(view).orElseThrow();
      return status.version() == version && status.replacing() == null && status.state() == ViewState.LIVE;
    }
  }
}
