package dev.sluice.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.language.Parser;
import dev.sluice.language.ast.Statement;
import dev.sluice.log.Event;
import dev.sluice.log.StreamKind;
import dev.sluice.log.StreamSpec;
import dev.sluice.log.Token;
import dev.sluice.log.embedded.EmbeddedLog;
import dev.sluice.operators.Input;
import dev.sluice.stores.Batch;
import dev.sluice.stores.KeyValueStore;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a view's state keeps through a crash. A version that has caught up serves reads: killed right
 * after its views caught up — one created fresh, one that replaced an older version, whose old state
 * is gone — a child's views must come back whole, not empty and rebuilding from offset 0 while they
 * serve (they did, while view state was written without RocksDB's write-ahead log). And a derived
 * stream that replays inputs whose events it had already appended — a crash between its append and
 * its commit — must still count every event the stream holds.
 */
class ViewDurabilityTest {
  private static final String BY_STATUS = "FROM orders |> AGGREGATE count(*) AS n, sum(amount) AS total GROUP BY status";
  private static final String BY_CUSTOMER = "FROM orders |> AGGREGATE count(*) AS n, max(amount) AS largest GROUP BY customer_id";
  private static final StreamSpec BIG_ORDERS = new StreamSpec("big_orders", StreamKind.STREAM, "order_id", 2);
  private static final String BIG_ORDERS_PIPELINE = "FROM orders |> WHERE amount >= 500 |> SELECT order_id, amount";
  private static final int REQUESTS = 20;
  private static final int REQUEST_EVENTS = 500;

  @TempDir Path tmp;

  @Test
  void viewsThatCaughtUpComeBackWholeAfterASigkill() throws Exception {
    Path data = tmp.resolve("data");
    runUntilLiveThenKill(data);

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

  @Test
  void aDerivedStreamThatReplaysEventsItAlreadyAppendedStillCountsEveryEventItHolds() throws Exception {
    Path data = tmp.resolve("data");
    try (EmbeddedLog log = EmbeddedLog.open(data.resolve("log"), EmbeddedLog.Options.defaults())) {
      log.create(new StreamSpec("orders", StreamKind.STREAM, "order_id", 3), false);
      Token written = Child.appendOrders(log);
      try (Engine engine = Engine.open(log, data.resolve("views"))) {
        engine.createDerivedStream(BIG_ORDERS, ((Statement.Query) Parser.parseStatement(BIG_ORDERS_PIPELINE)).pipeline(),
            BIG_ORDERS_PIPELINE, false);
        engine.scan(BIG_ORDERS.name(), null, null, null, 1, written, Duration.ofSeconds(60));
      }
      forgetCommittedWork(data.resolve("views"), BIG_ORDERS.name());
      try (Engine engine = Engine.open(log, data.resolve("views"))) {
        engine.scan(BIG_ORDERS.name(), null, null, null, 1, written, Duration.ofSeconds(60));
        List<Input> derived = Recomputation.history(log).stream().filter(i -> i.source().equals(BIG_ORDERS.name())).toList();
        assertThat(derived).extracting(Input::id).doesNotHaveDuplicates();
        assertThat(derived).hasSize(Recomputation.batch(BIG_ORDERS_PIPELINE, log, Recomputation.history(log)).size());
        assertThat(engine.view(BIG_ORDERS.name()).orElseThrow().rows()).as("events the status says the stream holds")
            .isEqualTo(derived.size());
      }
    }
  }

  /**
   * Leaves a derived stream's version as a crash between appending its events and committing its
   * positions leaves it: the events are in the log, the state says none of its input was read. The
   * pipeline keeps no operator state, so positions and counters back at zero are a state it has been in.
   */
  private static void forgetCommittedWork(Path views, String name) throws IOException {
    try (KeyValueStore store = KeyValueStore.open(views.resolve("state")); Batch batch = store.space("view:" + name + ":1").batch()) {
      for (int p = 0; p < 3; p++) {
        batch.delete(Keys.position("orders", p));
      }
      batch.put(Keys.META, "{\"rows\":0,\"dead_letters\":0,\"last_dead_letter\":null,\"events\":0}".getBytes(StandardCharsets.UTF_8));
      batch.commit();
    }
  }

  /** Runs {@link Child} on {@code data} and SIGKILLs it once it says {@code live}. */
  private void runUntilLiveThenKill(Path data) throws Exception {
    Path stderr = tmp.resolve("child.err");
    Process child = ChildJvm.start(stderr, Child.class, data.toString());
    try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = out.readLine()) != null; ) {
        if (line.equals("live")) {
          child.toHandle().destroyForcibly();
        }
      }
    }
    assertThat(child.waitFor(60, TimeUnit.SECONDS)).as("the child ended").isTrue();
    assertThat(child.exitValue()).as("exit status of a SIGKILLed child; stderr: %s", Files.readString(stderr)).isEqualTo(128 + 9);
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
      appendOrders(log);
      Engine engine = Engine.open(log, dir.resolve("views"));
      engine.create("by_status", BY_STATUS, false, false);
      engine.create("by_customer", BY_STATUS, false, false);
      engine.create("by_customer", BY_CUSTOMER, true, false);
      awaitLive(engine, "by_status", 1);
      awaitLive(engine, "by_customer", 2);
      PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
      out.println("live");
      Thread.sleep(TimeUnit.MINUTES.toMillis(1));
    }

    private static Token appendOrders(EmbeddedLog log) throws Exception {
      Random random = new Random(7);
      Token written = Token.empty();
      for (int r = 0; r < REQUESTS; r++) {
        List<Event> events = new ArrayList<>();
        for (int i = 0; i < REQUEST_EVENTS; i++) {
          String id = "o" + r + "-" + i;
          String json = "{\"order_id\":\"" + id + "\",\"customer_id\":\"c" + random.nextInt(500) + "\",\"amount\":"
              + random.nextInt(1000) + ",\"status\":\"" + List.of("paid", "open").get(random.nextInt(2)) + "\"}";
          events.add(Event.of(id, json.getBytes(StandardCharsets.UTF_8)));
        }
        written = written.merge(log.append("orders", events).get(60, TimeUnit.SECONDS).token());
      }
      return written;
    }

    /** A client watches a view come live by polling its status; there is nothing to await. */
    private static void awaitLive(Engine engine, String view, long version) throws InterruptedException {
      while (true) {
        ViewStatus status = engine.view(view).orElseThrow();
        if (status.version() == version && status.replacing() == null && status.state() == ViewState.LIVE) {
          return;
        }
        Thread.sleep(5);
      }
    }
  }
}
