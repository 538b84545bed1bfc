package dev.sluice.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.log.AppendResult;
import dev.sluice.log.Event;
import dev.sluice.log.LogException;
import dev.sluice.log.StreamKind;
import dev.sluice.log.StreamSpec;
import dev.sluice.log.Token;
import dev.sluice.log.embedded.EmbeddedLog;
import dev.sluice.operators.RowKey;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChangelogTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final String TOTALS = "FROM orders |> AGGREGATE count(*) AS n, sum(amount) AS total GROUP BY customer";

  @TempDir Path dir;
  EmbeddedLog log;
  Engine engine;
  ChangelogRetention retention = ChangelogRetention.DEFAULT;

  @BeforeEach
  void open() {
    log = EmbeddedLog.open(dir.resolve("log"), EmbeddedLog.Options.defaults());
    log.create(new StreamSpec("orders", StreamKind.STREAM, "order_id", 3), false);
    engine = Engine.open(log, dir.resolve("views"), retention);
  }

  @AfterEach
  void close() {
    engine.close();
    log.close();
  }

  private void reopen() {
    engine.close();
    log.close();
    log = EmbeddedLog.open(dir.resolve("log"), EmbeddedLog.Options.defaults());
    engine = Engine.open(log, dir.resolve("views"), retention);
  }

  private int orders;

  /** Appends {@code n} orders spread over {@code customers} customers, one append each. */
  private Token appendOrders(int n, int customers) throws Exception {
    Token token = Token.empty();
    for (int i = 0; i < n; i++) {
      int id = orders++;
      String json = "{\"order_id\":\"o" + id + "\",\"customer\":\"c" + (id % customers) + "\",\"amount\":" + (id % 7) + "}";
      AppendResult r = log.append("orders", List.of(new Event("o" + id, null, null, List.of(), false,
          json.getBytes(StandardCharsets.UTF_8)))).get(30, TimeUnit.SECONDS);
      token = token.merge(r.token());
    }
    return token;
  }

  private Map<String, JsonNode> rows(String view, Token after) throws Exception {
    Map<String, JsonNode> rows = new TreeMap<>();
    for (Engine.KeyedJson row : engine.scan(view, null, null, null, 100_000, after, WAIT)) {
      rows.put(row.key().toString(), JSON.readTree(row.json()));
    }
    return rows;
  }

  /** Folds (unless null) every event the subscription has until it stays quiet; returns the kinds seen. */
  private static List<Subscription.Kind> drain(Subscription subscription, ChangeFold fold) throws Exception {
    List<Subscription.Kind> kinds = new ArrayList<>();
    while (true) {
      List<Subscription.Event> events = subscription.next(300);
      if (events.isEmpty()) {
        return kinds;
      }
      for (Subscription.Event e : events) {
        kinds.add(e.kind());
        if (e.kind() == Subscription.Kind.OVERFLOW || e.kind() == Subscription.Kind.ENDED) {
          return kinds;
        }
        if (fold != null) {
          fold.apply(e.kind().wireName(), new String(e.json(), StandardCharsets.UTF_8));
        }
      }
    }
  }

  @Test
  void aFreshSubscriberGetsASnapshotThenEveryChangeAndFoldsToTheRows() throws Exception {
    Token token = appendOrders(50, 5);
    engine.create("totals", TOTALS, false, false);
    try (Subscription subscription = engine.subscribe("totals", Subscription.Filter.ALL, null, token, WAIT)) {
      ChangeFold fold = new ChangeFold(true);
      assertThat(drain(subscription, fold)).startsWith(Subscription.Kind.SNAPSHOT_BEGIN).contains(Subscription.Kind.SNAPSHOT_END);
      assertThat(fold.rows()).isEqualTo(rows("totals", token)).hasSize(5);

      token = appendOrders(40, 8);
      assertThat(drain(subscription, fold)).containsOnly(Subscription.Kind.CHANGE);
      assertThat(fold.rows()).isEqualTo(rows("totals", token)).hasSize(8);
      // A commit folds the changes it makes to one key into one: at most one change per order.
      assertThat(fold.changes()).isBetween(8L, 40L);
    }
  }

  @Test
  void resumingFromAnyPositionDeliversExactlyTheChangesAfterItAlsoAfterARestart() throws Exception {
    engine.create("totals", TOTALS, false, false);
    Token token = appendOrders(30, 4);
    ChangeFold fold = new ChangeFold(true).startingAt("1:0");
    int first;
    try (Subscription s = engine.subscribe("totals", Subscription.Filter.ALL, "1:0", token, WAIT)) {
      // One change per order, fewer where a commit took several orders of one customer: 4 to 30.
      List<Subscription.Kind> kinds = drain(s, fold);
      assertThat(kinds).containsOnly(Subscription.Kind.CHANGE).hasSizeBetween(4, 30);
      first = kinds.size();
    }
    String resume = fold.resumeId();
    assertThat(resume).isEqualTo("1:" + first);

    reopen();
    token = appendOrders(20, 6);
    try (Subscription again = engine.subscribe("totals", Subscription.Filter.ALL, resume, token, WAIT)) {
      assertThat(drain(again, fold)).hasSizeBetween(6, 20).containsOnly(Subscription.Kind.CHANGE);
    }
    assertThat(fold.rows()).isEqualTo(rows("totals", token));
  }

  @Test
  void resumingInsideOneCommitsChangesAfterARestartStartsRightAfterThePosition() throws Exception {
    log.create(new StreamSpec("single", StreamKind.STREAM, "order_id", 1), false);
    engine.create("counts", "FROM single |> AGGREGATE count(*) AS n GROUP BY customer", false, false);
    List<Event> events = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      String json = "{\"order_id\":\"s" + i + "\",\"customer\":\"k" + (i % 9) + "\"}";
      events.add(new Event("s" + i, null, null, List.of(), false, json.getBytes(StandardCharsets.UTF_8)));
    }
    // One append to one partition: the view commits its 40 events together, folded to one net
    // change per customer: 9 changes, at positions 1 to 9.
    Token token = log.append("single", events).get(30, TimeUnit.SECONDS).token();
    assertThat(engine.scan("counts", null, null, null, 1, token, WAIT)).hasSize(1);
    reopen(); // the ring is empty: the subscriber reads the stored changelog
    for (int from : new int[] {0, 1, 5, 8}) {
      List<Subscription.Kind> kinds;
      List<Long> positions = new ArrayList<>();
      try (Subscription s = engine.subscribe("counts", Subscription.Filter.ALL, "1:" + from, token, WAIT)) {
        kinds = new ArrayList<>();
        for (List<Subscription.Event> batch; !(batch = s.next(0)).isEmpty(); ) {
          for (Subscription.Event e : batch) {
            kinds.add(e.kind());
            positions.add(JSON.readTree(e.json()).get("position").asLong());
          }
        }
      }
      assertThat(kinds).containsOnly(Subscription.Kind.CHANGE);
      assertThat(positions).as("changes after %d", from)
          .isEqualTo(java.util.stream.LongStream.rangeClosed(from + 1, 9).boxed().toList());
    }
  }

  @Test
  void eachChangeNamesTheLastOperationOfItsCommitThatTouchedTheKeyAlsoAfterARestart() throws Exception {
    log.create(new StreamSpec("single", StreamKind.STREAM, "order_id", 1), false);
    engine.create("counts", "FROM single |> AGGREGATE count(*) AS n GROUP BY customer", false, false);
    List<Event> events = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      String json = "{\"order_id\":\"s" + i + "\",\"customer\":\"k" + (i % 2) + "\"}";
      // Odd events carry a client's operation id; even ones get the log's generated id.
      events.add(new Event("s" + i, i % 2 == 1 ? "op-\"" + i + "\"" : null, null, List.of(), false, json.getBytes(StandardCharsets.UTF_8)));
    }
    Token token = log.append("single", events).get(30, TimeUnit.SECONDS).token();
    assertThat(engine.scan("counts", null, null, null, 2, token, WAIT)).hasSize(2);
    reopen(); // from the stored changelog, not the ring
    List<String> causes = new ArrayList<>();
    try (Subscription s = engine.subscribe("counts", Subscription.Filter.ALL, "1:0", token, WAIT)) {
      for (List<Subscription.Event> batch; !(batch = s.next(0)).isEmpty(); ) {
        for (Subscription.Event e : batch) {
          causes.add(JSON.readTree(e.json()).get("cause").asText());
        }
      }
    }
    // One append, one commit: k0's net change was last touched by event 4 (a generated id), k1's
    // by event 5 (the client's id), in the order the commit first touched them.
    assertThat(causes).containsExactly("@0.4", "op-\"5\"");
  }

  @Test
  void aKeyOrPrefixSubscriberSeesOnlyItsRows() throws Exception {
    engine.create("totals", TOTALS, false, false);
    Token token = appendOrders(24, 12);
    ChangeFold one = new ChangeFold(false);
    try (Subscription s = engine.subscribe("totals", new Subscription.Filter(List.of(RowKey.of("c3")), null), null, token, WAIT)) {
      drain(s, one);
    }
    assertThat(one.rows()).containsOnlyKeys("\"c3\"");
    assertThat(one.rows().get("\"c3\"").get("n").asLong()).isEqualTo(2);

    ChangeFold prefixed = new ChangeFold(false).startingAt("1:0");
    try (Subscription s = engine.subscribe("totals", new Subscription.Filter(null, "c1"), "0", token, WAIT)) {
      drain(s, prefixed);
    }
    assertThat(prefixed.rows()).containsOnlyKeys("\"c1\"", "\"c10\"", "\"c11\"");
  }

  @Test
  void aSubscriberOlderThanRetentionGetsASnapshotInstead() throws Exception {
    retention = new ChangelogRetention(5, Duration.ofHours(1));
    reopen();
    engine.create("totals", TOTALS, false, false);
    for (int i = 0; i < 4; i++) {
      // Waited for, so no commit holds more than 5 changes: a stored entry goes only as a whole.
      rows("totals", appendOrders(5, 20));
    }
    reopen(); // the first commit after opening trims
    Token token = appendOrders(1, 20);
    ChangeFold fold = new ChangeFold(true);
    try (Subscription s = engine.subscribe("totals", Subscription.Filter.ALL, "1:2", token, WAIT)) {
      assertThat(drain(s, fold)).startsWith(Subscription.Kind.SNAPSHOT_BEGIN);
    }
    assertThat(fold.rows()).isEqualTo(rows("totals", token)).hasSize(20);
    try (Subscription s = engine.subscribe("totals", Subscription.Filter.ALL, "1:18", token, WAIT)) {
      // Changes 19 to 21 are still held: no snapshot.
      assertThat(drain(s, null)).hasSize(3).containsOnly(Subscription.Kind.CHANGE);
    }
  }

  @Test
  void droppingAViewEndsItsSubscribersWithThePositionToResumeFrom() throws Exception {
    engine.create("totals", TOTALS, false, false);
    Token token = appendOrders(3, 3);
    try (Subscription s = engine.subscribe("totals", Subscription.Filter.ALL, "0", token, WAIT)) {
      drain(s, new ChangeFold(true).startingAt("1:0"));
      engine.drop("totals", false);
      List<Subscription.Event> last = s.next(5_000);
      assertThat(last).hasSize(1);
      assertThat(last.get(0).kind()).isEqualTo(Subscription.Kind.ENDED);
      assertThat(last.get(0).id()).isEqualTo("1:3");
      assertThat(s.over()).isTrue();
    }
  }

  @Test
  void aLiveSubscriberThatFallsAWholeRingBehindIsEndedWithThePositionToResumeFrom() throws Exception {
    engine.create("totals", TOTALS, false, false);
    Token token = appendOrders(2, 2);
    try (Subscription s = engine.subscribe("totals", Subscription.Filter.ALL, "0", token, WAIT)) {
      assertThat(drain(s, null)).hasSize(2);
      // The view goes on without waiting for this subscriber, which reads nothing meanwhile.
      List<Event> burst = new ArrayList<>();
      for (int i = 0; i < Changelog.RING_CHANGES + 10; i++) {
        String json = "{\"order_id\":\"b" + i + "\",\"customer\":\"k" + i + "\",\"amount\":1}";
        burst.add(new Event("b" + i, null, null, List.of(), false, json.getBytes(StandardCharsets.UTF_8)));
      }
      Token after = log.append("orders", burst).get(30, TimeUnit.SECONDS).token();
      assertThat(engine.scan("totals", null, null, null, 1, after, WAIT)).hasSize(1);
      List<Subscription.Event> last = s.next(5_000);
      assertThat(last).hasSize(1);
      assertThat(last.get(0).kind()).isEqualTo(Subscription.Kind.OVERFLOW);
      assertThat(last.get(0).id()).isEqualTo("1:2");
    }
    // Resuming from there reads the stored changelog: every change once.
    ChangeFold fold = new ChangeFold(true);
    try (Subscription s = engine.subscribe("totals", Subscription.Filter.ALL, null, token, WAIT)) {
      drain(s, fold);
    }
    ChangeFold resumed = new ChangeFold(true).startingAt("1:0");
    try (Subscription s = engine.subscribe("totals", Subscription.Filter.ALL, "1:0", token, WAIT)) {
      drain(s, resumed);
    }
    assertThat(resumed.rows()).isEqualTo(fold.rows()).hasSize(Changelog.RING_CHANGES + 12);
    assertThat(resumed.changes()).isEqualTo(Changelog.RING_CHANGES + 12);
  }

  @Test
  void aPositionThatIsNotOneIsRefusedByName() throws Exception {
    engine.create("totals", TOTALS, false, false);
    Token token = appendOrders(2, 2);
    assertThatThrownBy(() -> engine.subscribe("totals", Subscription.Filter.ALL, "yesterday", token, WAIT))
        .isInstanceOf(LogException.class).hasMessageContaining("'yesterday' is not a change position");
    assertThatThrownBy(() -> engine.subscribe("totals", Subscription.Filter.ALL, "1:99", token, WAIT))
        .isInstanceOf(LogException.class).hasMessageContaining("past the view's last change (1:2)");
  }
}
