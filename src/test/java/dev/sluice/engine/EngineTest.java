package dev.sluice.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.language.LanguageException;
import dev.sluice.language.Parser;
import dev.sluice.language.ast.Statement;
import dev.sluice.log.AppendResult;
import dev.sluice.log.ErrorCode;
import dev.sluice.log.Event;
import dev.sluice.log.EventLog;
import dev.sluice.log.LogException;
import dev.sluice.log.Record;
import dev.sluice.log.StreamKind;
import dev.sluice.log.StreamSpec;
import dev.sluice.log.Token;
import dev.sluice.log.embedded.EmbeddedLog;
import dev.sluice.operators.BatchEvaluator;
import dev.sluice.operators.Input;
import dev.sluice.operators.RowKey;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EngineTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final String REVENUE = "FROM orders |> WHERE status = 'paid' |> JOIN customers USING (customer_id)"
      + " |> AGGREGATE count(*) AS orders, sum(amount) AS revenue GROUP BY country";

  @TempDir Path dir;
  EventLog log;
  Engine engine;

  /** The log the views run on; the same log again when called again (a restart). */
  EventLog openLog() {
    return EmbeddedLog.open(dir.resolve("log"), EmbeddedLog.Options.defaults());
  }

  @BeforeEach
  void open() {
    log = openLog();
    log.create(new StreamSpec("orders", StreamKind.STREAM, "order_id", 3), false);
    log.create(new StreamSpec("customers", StreamKind.TABLE, "customer_id", 2), false);
    engine = Engine.open(log, dir.resolve("views"));
  }

  @AfterEach
  void close() {
    engine.close();
    log.close();
  }

  private void reopen() {
    engine.close();
    log.close();
    log = openLog();
    engine = Engine.open(log, dir.resolve("views"));
  }

  private Token append(String stream, String... json) throws Exception {
    List<Event> events = new ArrayList<>();
    for (String j : json) {
      JsonNode node = JSON.readTree(j);
      String keyField = log.stream(stream).orElseThrow().keyField();
      boolean delete = node.has("_delete");
      if (delete) {
        ((com.fasterxml.jackson.databind.node.ObjectNode) node).remove("_delete");
      }
      events.add(new Event(node.get(keyField).asText(), null, null, List.of(), delete, JSON.writeValueAsBytes(node)));
    }
    AppendResult r = log.append(stream, events).get(30, TimeUnit.SECONDS);
    return r.token();
  }

  private Map<String, String> rows(String view, Token after) {
    Map<String, String> rows = new TreeMap<>();
    for (Engine.KeyedJson row : engine.scan(view, null, null, null, 100_000, after, WAIT)) {
      rows.put(row.key().toString(), new String(row.json(), StandardCharsets.UTF_8));
    }
    return rows;
  }

  /** The same pipeline as a batch over everything in the log now: the reference. */
  private Map<String, String> batch(String pipelineText) {
    List<Input> inputs = new ArrayList<>();
    for (StreamSpec spec : log.streams()) {
      for (int p = 0; p < spec.partitions(); p++) {
        // A read may answer fewer records than there are (Kafka answers one fetch): read on.
        for (List<Record> records = log.read(spec.name(), p, 0, 1_000_000); !records.isEmpty();
            records = log.read(spec.name(), p, records.get(records.size() - 1).offset() + 1, 1_000_000)) {
          records.forEach(r -> inputs.add(Input.of(spec.name(), r)));
        }
      }
    }
    Statement.Query q = (Statement.Query) Parser.parseStatement(pipelineText);
    Map<String, String> rows = new TreeMap<>();
    for (BatchEvaluator.KeyedRow row : BatchEvaluator.view(q.pipeline(), engine.catalog(), pipelineText, inputs).rows()) {
      rows.put(row.key().toString(), new String(row.row().toJson(), StandardCharsets.UTF_8));
    }
    return rows;
  }

  @Test
  void aViewOverHistoryAndLiveEventsEqualsTheBatchResultAndSurvivesRestart() throws Exception {
    // A client that wants to read all its writes merges their tokens: a token names only its own write.
    Token earlier = append("customers", "{\"customer_id\":\"c1\",\"country\":\"FR\"}", "{\"customer_id\":\"c2\",\"country\":\"DE\"}")
        .merge(append("orders", "{\"order_id\":\"o1\",\"customer_id\":\"c1\",\"amount\":30,\"status\":\"paid\"}",
            "{\"order_id\":\"o2\",\"customer_id\":\"c2\",\"amount\":12,\"status\":\"open\"}"));
    engine.create("revenue", REVENUE, false, false);
    Token token = earlier.merge(append("orders", "{\"order_id\":\"o3\",\"customer_id\":\"c2\",\"amount\":5,\"status\":\"paid\"}",
        "{\"order_id\":\"o4\",\"customer_id\":\"c1\",\"amount\":7,\"status\":\"paid\"}"));
    Map<String, String> rows = rows("revenue", token);
    assertThat(rows).isEqualTo(batch(REVENUE)).hasSize(2);
    assertThat(JSON.readTree(rows.get("\"FR\"")).get("revenue").asLong()).isEqualTo(37);

    // A table update moves the customer's orders to the new country: the old contribution is retracted.
    token = token.merge(append("customers", "{\"customer_id\":\"c1\",\"country\":\"DE\"}"));
    rows = rows("revenue", token);
    assertThat(rows).isEqualTo(batch(REVENUE)).containsOnlyKeys("\"DE\"");
    assertThat(JSON.readTree(rows.get("\"DE\"")).get("orders").asLong()).isEqualTo(3);

    reopen();
    token = token.merge(append("orders", "{\"order_id\":\"o5\",\"customer_id\":\"c2\",\"amount\":1,\"status\":\"paid\"}"));
    assertThat(rows("revenue", token)).isEqualTo(batch(REVENUE));
    // After a restart a view reports building until its first pass over the log; then it is live.
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (engine.view("revenue").orElseThrow().state() != ViewState.LIVE && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertThat(engine.view("revenue").orElseThrow().state()).isEqualTo(ViewState.LIVE);
  }

  @Test
  void lateEventsAreCountedInTheStatusAndTheCountSurvivesRestart() throws Exception {
    String perMinute = "FROM orders |> WINDOW TUMBLE(_time, INTERVAL 1 MINUTE) LATENESS INTERVAL 0 SECONDS"
        + " |> AGGREGATE count(*) AS n GROUP BY window_start";
    engine.create("per_minute", perMinute, false, false);
    // One key, so one partition, in this order: 2 min, then 30 s (its window ended at 1 min) is late.
    Token token = appendAt("o", 120_000).merge(appendAt("o", 30_000)).merge(appendAt("o", 150_000));
    Map<String, String> rows = rows("per_minute", token);
    assertThat(rows).isEqualTo(batch(perMinute)).hasSize(1);
    assertThat(engine.view("per_minute").orElseThrow().lateEvents()).isEqualTo(1);

    reopen();
    assertThat(engine.view("per_minute").orElseThrow().lateEvents()).isEqualTo(1);
  }

  @Test
  void eventsAViewCannotProcessAreKeptAsDeadLettersWithTheReasonTheNewestOnesBounded() throws Exception {
    engine.create("doubled", "FROM orders |> EXTEND amount * 2 AS twice", false, false);
    int bad = ViewTask.DEAD_LETTERS_KEPT + 5;
    List<String> events = new ArrayList<>();
    for (int i = 0; i < bad; i++) {
      events.add("{\"order_id\":\"o" + i + "\",\"amount\":\"lots\"}");
    }
    events.add("{\"order_id\":\"ok\",\"amount\":2}");
    Token token = append("orders", events.toArray(String[]::new));
    assertThat(rows("doubled", token)).hasSize(1);
    assertThat(engine.view("doubled").orElseThrow().deadLetters()).isEqualTo(bad);

    List<byte[]> kept = engine.deadLetters("doubled", 0, 100_000);
    assertThat(kept).hasSize(ViewTask.DEAD_LETTERS_KEPT);
    JsonNode oldest = JSON.readTree(kept.get(0));
    assertThat(oldest.get("sequence").asLong()).isEqualTo(5);
    assertThat(oldest.get("source").asText()).isEqualTo("orders");
    assertThat(oldest.get("reason").asText()).isEqualTo("cannot apply * to string and integer");
    assertThat(oldest.get("line").asInt()).isEqualTo(1);
    // The record names the event: reading it back gives the event that failed.
    Record event = log.read("orders", oldest.get("partition").asInt(), oldest.get("offset").asLong(), 1).get(0);
    assertThat(JSON.readTree(event.value()).get("amount").asText()).isEqualTo("lots");

    reopen();
    assertThat(engine.deadLetters("doubled", bad - 2, 10))
        .extracting(json -> JSON.readTree(json).get("sequence").asLong())
        .containsExactly((long) bad - 2, (long) bad - 1);
  }

  private Token appendAt(String orderId, long timeMs) throws Exception {
    byte[] value = ("{\"order_id\":\"" + orderId + "\"}").getBytes(StandardCharsets.UTF_8);
    return log.append("orders", List.of(new Event(orderId, null, timeMs, List.of(), false, value)))
        .get(30, TimeUnit.SECONDS).token();
  }

  @Test
  void randomHistoriesWithUpdatesAndDeletesMatchTheBatchResult() throws Exception {
    engine.create("revenue", REVENUE, false, false);
    Random random = new Random(42);
    Token token = null;
    for (int round = 0; round < 30; round++) {
      List<String> customers = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        String id = "c" + random.nextInt(6);
        customers.add(random.nextInt(5) == 0
            ? "{\"customer_id\":\"" + id + "\",\"_delete\":true}"
            : "{\"customer_id\":\"" + id + "\",\"country\":\"" + List.of("FR", "DE", "US").get(random.nextInt(3)) + "\"}");
      }
      Token t1 = append("customers", customers.toArray(String[]::new));
      List<String> orders = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        orders.add("{\"order_id\":\"o" + round + "-" + i + "\",\"customer_id\":\"c" + random.nextInt(6) + "\",\"amount\":"
            + random.nextInt(100) + ",\"status\":\"" + (random.nextBoolean() ? "paid" : "open") + "\"}");
      }
      Token t2 = append("orders", orders.toArray(String[]::new));
      token = t1.merge(t2).merge(token == null ? Token.empty() : token);
      if (round == 15) {
        reopen();
      }
    }
    assertThat(rows("revenue", token)).isEqualTo(batch(REVENUE));
  }

  @Test
  void createOrReplaceServesTheOldVersionUntilTheNewOneHasCaughtUp() throws Exception {
    Token first = append("orders", "{\"order_id\":\"o1\",\"customer_id\":\"c1\",\"amount\":30,\"status\":\"paid\"}");
    String byStatus = "FROM orders |> AGGREGATE count(*) AS n GROUP BY status";
    engine.create("v", byStatus, false, false);
    Token token = first.merge(append("orders", "{\"order_id\":\"o2\",\"customer_id\":\"c1\",\"amount\":1,\"status\":\"open\"}"));
    assertThat(rows("v", token)).containsOnlyKeys("\"open\"", "\"paid\"");
    String byCustomer = "FROM orders |> AGGREGATE count(*) AS n GROUP BY customer_id";
    engine.create("v", byCustomer, true, false);
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (engine.view("v").orElseThrow().version() != 2 && System.nanoTime() < deadline) {
      // Until the swap, every read is a whole result of one version: never a mix, never half built.
      Map<String, String> seen = rows("v", null);
      assertThat(seen.keySet()).isIn(java.util.Set.of("\"open\"", "\"paid\""), java.util.Set.of("\"c1\""));
      Thread.sleep(5);
    }
    assertThat(engine.view("v").orElseThrow().version()).isEqualTo(2);
    assertThat(rows("v", token)).isEqualTo(batch(byCustomer));
  }

  @Test
  void dropRemovesTheViewAndUnknownViewsAreNamedWithAHint() throws Exception {
    engine.create("revenue", REVENUE, false, false);
    assertThatThrownBy(() -> engine.row("revenu", RowKey.of("FR"), null, WAIT))
        .isInstanceOfSatisfying(LogException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND);
          assertThat(e.getMessage()).contains("did you mean revenue");
        });
    assertThat(engine.drop("revenue", false)).isTrue();
    assertThat(engine.views()).isEmpty();
    reopen();
    assertThat(engine.views()).isEmpty();
  }

  @Test
  void aBadPipelineIsRefusedWithLineAndColumn() {
    assertThatThrownBy(() -> engine.create("v", "FROM ordrs |> WHERE amount > 1", false, false))
        .isInstanceOfSatisfying(LanguageException.class, e -> {
          assertThat(e.line()).isEqualTo(1);
          assertThat(e.column()).isEqualTo(6);
          assertThat(e.getMessage()).contains("orders");
        });
    assertThat(engine.views()).isEmpty();
  }

  @Test
  void readsAfterATokenTheViewCannotReachTimeOutWithTheLag() throws Exception {
    engine.create("v", "FROM orders |> AGGREGATE count(*) AS n", false, false);
    Token future = Token.decode(Token.ofEnds("orders", new long[] {0, 0, 99}).encode());
    assertThatThrownBy(() -> engine.scan("v", null, null, null, 10, future, Duration.ofMillis(200)))
        .isInstanceOfSatisfying(LogException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.TIMEOUT));
  }

  @Test
  void aDerivedStreamHoldsOneEventPerMatchingInputWithDeterministicIdsAcrossRestarts() throws Exception {
    append("orders", "{\"order_id\":\"o1\",\"customer_id\":\"c1\",\"amount\":3000,\"status\":\"paid\"}",
        "{\"order_id\":\"o2\",\"customer_id\":\"c1\",\"amount\":5,\"status\":\"paid\"}");
    String pipeline = "FROM orders |> WHERE amount > 1000 |> SELECT order_id, amount";
    Statement.Query q = (Statement.Query) Parser.parseStatement(pipeline);
    engine.createDerivedStream(new StreamSpec("big_orders", StreamKind.STREAM, "order_id", 2), q.pipeline(), pipeline, false);
    append("orders", "{\"order_id\":\"o3\",\"customer_id\":\"c2\",\"amount\":1001,\"status\":\"open\"}");
    awaitDerived(2);
    reopen();
    append("orders", "{\"order_id\":\"o4\",\"customer_id\":\"c2\",\"amount\":7000,\"status\":\"open\"}");
    List<Record> derived = awaitDerived(3);
    assertThat(derived).extracting(Record::key).containsExactlyInAnyOrder("o1", "o3", "o4");
    assertThat(derived).extracting(Record::id).doesNotHaveDuplicates().allSatisfy(id -> assertThat(id).contains("/"));
    for (Record r : derived) {
      assertThat(r.causes()).hasSize(1);
      assertThat(r.id()).startsWith("orders/" + r.causes().get(0) + "/");
      assertThat(JSON.readTree(r.value()).get("amount").asLong()).isGreaterThan(1000);
    }
  }

  @Test
  void aDerivedStreamSavedButNotYetDeclaredWhenTheProcessDiedIsDeclaredOnRestart() throws Exception {
    String pipeline = "FROM orders |> WHERE amount > 1000";
    Statement.Query q = (Statement.Query) Parser.parseStatement(pipeline);
    engine.createDerivedStream(new StreamSpec("big_orders", StreamKind.STREAM, "order_id", 2), q.pipeline(), pipeline, false);
    engine.close();
    log.close();
    // The catalog as it stands between saving the definition and declaring the stream: a log
    // without big_orders and no view state.
    Path views = dir.resolve("views-after-crash");
    java.nio.file.Files.createDirectories(views);
    java.nio.file.Files.copy(dir.resolve("views").resolve("views.json"), views.resolve("views.json"));
    log = EmbeddedLog.open(dir.resolve("log-after-crash"), EmbeddedLog.Options.defaults());
    log.create(new StreamSpec("orders", StreamKind.STREAM, "order_id", 3), false);
    engine = Engine.open(log, views);

    assertThat(log.stream("big_orders")).get().extracting(StreamSpec::partitions).isEqualTo(2);
    append("orders", "{\"order_id\":\"o1\",\"amount\":3000}");
    assertThat(awaitDerived(1)).extracting(Record::key).containsExactly("o1");
  }

  private List<Record> awaitDerived(int expected) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    List<Record> all = new ArrayList<>();
    while (System.nanoTime() < deadline) {
      all.clear();
      for (int p = 0; p < 2; p++) {
        all.addAll(log.read("big_orders", p, 0, 1000));
      }
      if (all.size() >= expected) {
        break;
      }
      Thread.sleep(10);
    }
    assertThat(all).as("derived events; status %s", engine.view("big_orders")).hasSize(expected);
    return all;
  }
}
