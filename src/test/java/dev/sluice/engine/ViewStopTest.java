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
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A view version stops when it is dropped or replaced, often in the middle of reading the log. The
 * log is shared by every view and every client, so stopping one reader must leave it readable for
 * all the others.
 */
class ViewStopTest {
  private static final String BY_STATUS = "FROM orders |> AGGREGATE count(*) AS n GROUP BY status";
  private static final String BY_CUSTOMER = "FROM orders |> AGGREGATE count(*) AS n GROUP BY customer_id";
  private static final int EVENTS = 60_000;
  private static final int TRIES = 20;

  @TempDir Path dir;
  private EmbeddedLog log;
  private Engine engine;
  private Token written = Token.empty();

  @BeforeEach
  void fillTheLog() throws Exception {
    log = EmbeddedLog.open(dir.resolve("log"), EmbeddedLog.Options.defaults());
    log.create(new StreamSpec("orders", StreamKind.STREAM, "order_id", 3), false);
    for (int r = 0; r < EVENTS / 1000; r++) {
      List<Event> events = new ArrayList<>();
      for (int i = 0; i < 1000; i++) {
        String id = "o" + r + "-" + i;
        String json = "{\"order_id\":\"" + id + "\",\"customer_id\":\"c" + (i % 97) + "\",\"status\":\"" + (i % 3 == 0 ? "open" : "paid") + "\"}";
        events.add(Event.of(id, json.getBytes(StandardCharsets.UTF_8)));
      }
      written = written.merge(log.append("orders", events).get(60, TimeUnit.SECONDS).token());
    }
    engine = Engine.open(log, dir.resolve("views"));
  }

  @AfterEach
  void close() {
    engine.close();
    log.close();
  }

  @Test
  void droppingViewsWhileTheyBackfillLeavesTheLogReadable() {
    for (int i = 0; i < TRIES; i++) {
      engine.create("v" + i, BY_STATUS, false, false);
      awaitSomeProgress("v" + i);
      engine.drop("v" + i, false);
    }
    assertThat(Recomputation.history(log)).hasSize(EVENTS);
    engine.create("last", BY_STATUS, false, false);
    assertThat(Recomputation.rows(engine, "last", written, Duration.ofSeconds(60))).hasSize(2);
  }

  @Test
  void replacingViewsWhileTheyReadLeavesTheLogReadable() {
    engine.create("v", BY_STATUS, false, false);
    for (int i = 0; i < TRIES; i++) {
      awaitSomeProgress("v");
      engine.create("v", i % 2 == 0 ? BY_CUSTOMER : BY_STATUS, true, false);
    }
    assertThat(Recomputation.history(log)).hasSize(EVENTS);
    assertThat(engine.view("v").orElseThrow().state()).isNotEqualTo(ViewState.FAILED);
  }

  /** Lets the newest version read a little, so that stopping it lands while it reads. */
  private void awaitSomeProgress(String view) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      ViewStatus status = engine.view(view).orElseThrow();
      ViewStatus newest = status.replacing() != null ? status.replacing() : status;
      assertThat(newest.state()).as("%s: %s", view, newest.error()).isNotEqualTo(ViewState.FAILED);
      if (newest.eventsProcessed() > 0) {
        return;
      }
      Thread.onSpinWait();
    }
    throw new AssertionError(view + " read nothing in 30 s");
  }
}
