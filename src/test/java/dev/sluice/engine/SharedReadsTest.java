package dev.sluice.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.log.Event;
import dev.sluice.log.EventLog;
import dev.sluice.log.Record;
import dev.sluice.log.StreamKind;
import dev.sluice.log.StreamSpec;
import dev.sluice.log.Token;
import dev.sluice.log.embedded.EmbeddedLog;
import dev.sluice.operators.RowKey;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A stream partition is read once, however many views consume it: views taking records whole share
 * one read, and a view applying records in place visits the log's kept batches.
 */
class SharedReadsTest {
  @TempDir Path dir;

  @Test
  void threeLiveViewsReadEachRecordFromTheLogOnce() throws Exception {
    AtomicLong recordsRead = new AtomicLong();
    AtomicLong recordsVisited = new AtomicLong();
    try (EmbeddedLog embedded = EmbeddedLog.open(dir.resolve("log"), EmbeddedLog.Options.defaults())) {
      EventLog log = counting(embedded, recordsRead, recordsVisited);
      log.create(new StreamSpec("orders", StreamKind.STREAM, "order_id", 2), false);
      try (Engine engine = Engine.open(log, dir.resolve("views"))) {
        engine.create("paid", "FROM orders |> WHERE status = 'paid'", false, false);
        engine.create("per_status", "FROM orders |> AGGREGATE count(*) AS n GROUP BY status", false, false);
        engine.create("amounts", "FROM orders |> SELECT order_id, amount", false, false);
        int appends = 50;
        for (int i = 0; i < appends; i++) {
          String json = "{\"order_id\":\"o" + i + "\",\"status\":\"" + (i % 3 == 0 ? "paid" : "open") + "\",\"amount\":" + i + "}";
          Token token = log.append("orders", List.of(Event.of("o" + i, json.getBytes(StandardCharsets.UTF_8))))
              .get(30, TimeUnit.SECONDS).token();
          // Every view includes the append before the next, so they all ask for the same records.
          for (String view : List.of("paid", "per_status", "amounts")) {
            engine.row(view, RowKey.of("none"), token, Duration.ofSeconds(30));
          }
        }
        assertThat(engine.views()).allSatisfy(v -> assertThat(v.eventsProcessed()).isEqualTo(appends));
        // per_status applies records in place: it visits the log's verified batches, building no
        // records, or takes the records another view's read kept, if that read came first.
        assertThat(recordsRead.get()).as("records read from the log for the two views taking them whole").isEqualTo(appends);
        assertThat(recordsVisited.get()).as("records visited in place for the aggregate").isLessThanOrEqualTo(appends);
      }
    }
  }

  /** The log, counting the records its reads return and its visits visit. */
  private static EventLog counting(EventLog log, AtomicLong records, AtomicLong visited) {
    return (EventLog) Proxy.newProxyInstance(EventLog.class.getClassLoader(), new Class<?>[] {EventLog.class}, (proxy, method, args) -> {
      try {
        Object result = method.invoke(log, args);
        if (method.getName().equals("read")) {
          records.addAndGet(((List<?>) result).size());
        } else if (method.getName().equals("visit")) {
          visited.addAndGet((Integer) result);
        }
        return result;
      } catch (InvocationTargetException e) {
        throw e.getCause();
      }
    });
  }
}
