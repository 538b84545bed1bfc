package dev.sluice.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The contract of {@link EventLog}: every implementation extends this class and passes it
 * unchanged. {@link #reopen} stands for whatever a restart means to the implementation.
 *
 * <p>Offsets in a partition strictly increase. Whether they are also dense (0, 1, 2, …) is the one
 * thing an implementation declares, by {@link #denseOffsets}: the embedded log's are; Kafka's are
 * not, as each transaction leaves a commit marker at an offset of its own (docs/kafka.md).
 */
public abstract class EventLogContract {
  protected EventLog log;

  /** A fresh, empty log. */
  protected abstract EventLog newLog() throws Exception;

  /** Closes {@code log} and opens the same log again, as after a restart. */
  protected abstract EventLog reopen(EventLog log) throws Exception;

  /** Whether offsets are dense from 0; otherwise they only strictly increase. */
  protected boolean denseOffsets() {
    return true;
  }

  @BeforeEach
  void openLog() throws Exception {
    log = newLog();
  }

  @AfterEach
  void closeLog() {
    if (log != null) {
      log.close();
    }
  }

  protected static byte[] json(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  protected static Event event(String key, String value) {
    return Event.of(key, json(value));
  }

  protected static Event eventWithId(String key, String id, String value) {
    return new Event(key, id, null, List.of(), false, json(value));
  }

  protected AppendResult append(String stream, Event... events) throws Exception {
    return log.append(stream, List.of(events)).get(30, TimeUnit.SECONDS);
  }

  protected List<Record> readAll(String stream, int partition) {
    List<Record> all = new ArrayList<>();
    long next = 0;
    while (true) {
      List<Record> page = log.read(stream, partition, next, 500);
      if (page.isEmpty()) {
        return all;
      }
      all.addAll(page);
      next = page.get(page.size() - 1).offset() + 1;
    }
  }

  @Test
  void createdStreamIsListedWithItsDeclaration() {
    StreamSpec spec = new StreamSpec("orders", StreamKind.STREAM, "order_id", 4);
    log.create(spec, false);
    assertThat(log.stream("orders")).contains(spec);
    assertThat(log.streams()).containsExactly(spec);
    assertThat(log.stats("orders").endOffsets()).containsExactly(0, 0, 0, 0);
  }

  @Test
  void creatingAnExistingStreamFailsUnlessIfNotExistsWithTheSameDeclaration() {
    StreamSpec spec = new StreamSpec("orders", StreamKind.STREAM, "order_id", 2);
    log.create(spec, false);
    assertThat(log.create(spec, true)).isEqualTo(spec);
    assertThatThrownBy(() -> log.create(spec, false))
        .isInstanceOfSatisfying(LogException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.STREAM_EXISTS));
    StreamSpec other = new StreamSpec("orders", StreamKind.STREAM, "order_id", 3);
    assertThatThrownBy(() -> log.create(other, true))
        .isInstanceOfSatisfying(LogException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.STREAM_EXISTS));
  }

  @Test
  void eventsReadBackInOrderInTheirKeysPartitionAtTheOffsetsTheAppendNamed() throws Exception {
    log.create(new StreamSpec("orders", StreamKind.STREAM, null, 3), false);
    List<Event> events = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      events.add(event("k" + (i % 7), "{\"n\":" + i + "}"));
    }
    AppendResult result = log.append("orders", events).get(30, TimeUnit.SECONDS);
    assertThat(result.appended()).isEqualTo(60);
    assertThat(result.duplicates()).isZero();
    long[] next = new long[3];
    for (int i = 0; i < 60; i++) {
      Position position = result.positions().get(i);
      int expectedPartition = Partitioner.partition("k" + (i % 7), 3);
      assertThat(position.partition()).isEqualTo(expectedPartition);
      if (denseOffsets()) {
        assertThat(position.offset()).isEqualTo(next[expectedPartition]);
      } else {
        assertThat(position.offset()).isGreaterThanOrEqualTo(next[expectedPartition]);
      }
      next[expectedPartition] = position.offset() + 1;
      Record record = log.read("orders", position.partition(), position.offset(), 1).get(0);
      assertThat(record.key()).isEqualTo("k" + (i % 7));
      assertThat(new String(record.value(), StandardCharsets.UTF_8)).isEqualTo("{\"n\":" + i + "}");
      assertThat(record.offset()).isEqualTo(position.offset());
    }
    for (int p = 0; p < 3; p++) {
      int partition = p;
      assertThat(log.endOffset("orders", p)).isEqualTo(next[p]);
      List<Record> all = readAll("orders", p);
      assertThat(all).hasSize((int) result.positions().stream().filter(pos -> pos.partition() == partition).count());
      for (int i = 0; i < all.size(); i++) {
        if (denseOffsets()) {
          assertThat(all.get(i).offset()).isEqualTo(i);
        } else if (i > 0) {
          assertThat(all.get(i).offset()).isGreaterThan(all.get(i - 1).offset());
        }
      }
    }
  }

  @Test
  void envelopeMembersArePreserved() throws Exception {
    log.create(new StreamSpec("users", StreamKind.TABLE, "user_id", 1), false);
    Event e = new Event("u1", "op-1", 1_700_000_000_000L, List.of("op-0"), false, json("{\"name\":\"Ada\"}"));
    Event tombstone = new Event("u1", "op-2", 1_700_000_000_001L, List.of(), true, json("{}"));
    append("users", e, tombstone);
    List<Record> records = readAll("users", 0);
    assertThat(records).hasSize(2);
    assertThat(records.get(0).id()).isEqualTo("op-1");
    assertThat(records.get(0).timeMs()).isEqualTo(1_700_000_000_000L);
    assertThat(records.get(0).causes()).containsExactly("op-0");
    assertThat(records.get(0).delete()).isFalse();
    assertThat(records.get(1).delete()).isTrue();
  }

  @Test
  void aVisitSeesInPlaceWhatAReadReturns() throws Exception {
    log.create(new StreamSpec("users", StreamKind.TABLE, "user_id", 2), false);
    append("users",
        new Event("u1", "op-1", 1_700_000_000_000L, List.of("op-0", "op-é"), false, json("{\"name\":\"Ada\"}")),
        event("u2", "{\"name\":\"Grace\"}"),
        new Event("u1", null, 1_700_000_000_001L, List.of(), true, json("{}")),
        event("ü3", "{}"));
    for (int p = 0; p < 2; p++) {
      List<Record> read = readAll("users", p);
      List<Record> visited = new ArrayList<>();
      List<String> seen = new ArrayList<>();
      // Like a read, a visit returns up to its maximum (a Kafka fetch may hold only part of what
      // is there): visit from where the last one ended until one visits nothing, as readAll reads.
      int count = 0;
      for (int n; (n = log.visit("users", p, visited.isEmpty() ? 0 : visited.getLast().offset() + 1, 500, record -> {
        visited.add(record.record());
        byte[] value = java.util.Arrays.copyOfRange(record.valueArray(), record.valueFrom(), record.valueFrom() + record.valueLength());
        String id = record.idGenerated() ? Ids.generated(record.partition(), record.offset()) : record.id();
        seen.add(record.partition() + "/" + record.offset() + " " + record.key() + " " + id + " " + record.timeMs() + " "
            + record.causes() + " " + record.delete() + " " + new String(value, StandardCharsets.UTF_8));
      })) > 0; ) {
        count += n;
      }
      assertThat(count).isEqualTo(read.size());
      assertThat(visited).usingRecursiveFieldByFieldElementComparator().isEqualTo(read);
      assertThat(seen).isEqualTo(read.stream().map(r -> r.partition() + "/" + r.offset() + " " + r.key() + " " + r.id() + " "
          + r.timeMs() + " " + r.causes() + " " + r.delete() + " " + new String(r.value(), StandardCharsets.UTF_8)).toList());
    }
    assertThat(readAll("users", 0).size() + readAll("users", 1).size()).isEqualTo(4);
  }

  @Test
  void eventWithoutIdGetsAUniqueIdNamingItsPosition() throws Exception {
    log.create(new StreamSpec("s", StreamKind.STREAM, null, 2), false);
    AppendResult result = append("s", event("a", "{}"), event("b", "{}"), event("a", "{}"));
    List<String> ids = new ArrayList<>();
    for (Position p : result.positions()) {
      ids.add(log.read("s", p.partition(), p.offset(), 1).get(0).id());
    }
    assertThat(ids).doesNotHaveDuplicates().allSatisfy(id -> assertThat(id).isNotBlank());
  }

  @Test
  void repeatedIdIsAppendedOnceAndAnswersWithTheFirstPosition() throws Exception {
    log.create(new StreamSpec("s", StreamKind.STREAM, null, 4), false);
    AppendResult first = append("s", eventWithId("k1", "id-1", "{\"v\":1}"));
    AppendResult again = append("s", eventWithId("k1", "id-1", "{\"v\":2}"), eventWithId("k2", "id-2", "{}"));
    assertThat(again.appended()).isEqualTo(1);
    assertThat(again.duplicates()).isEqualTo(1);
    Position original = first.positions().get(0);
    assertThat(again.positions().get(0)).isEqualTo(new Position(original.partition(), original.offset(), true));
    assertThat(log.read("s", original.partition(), original.offset(), 10))
        .filteredOn(r -> r.id().equals("id-1"))
        .hasSize(1)
        .allSatisfy(r -> assertThat(new String(r.value(), StandardCharsets.UTF_8)).isEqualTo("{\"v\":1}"));
  }

  @Test
  void repeatedIdWithinOneRequestIsADuplicateOfItsFirstOccurrence() throws Exception {
    log.create(new StreamSpec("s", StreamKind.STREAM, null, 1), false);
    AppendResult result = append("s", eventWithId("k", "x", "{}"), eventWithId("k", "x", "{}"));
    assertThat(result.appended()).isEqualTo(1);
    Position first = result.positions().get(0);
    assertThat(first.duplicate()).isFalse();
    assertThat(result.positions().get(1)).isEqualTo(new Position(0, first.offset(), true));
    assertThat(log.endOffset("s", 0)).isEqualTo(first.offset() + 1);
    assertThat(readAll("s", 0)).hasSize(1);
  }

  @Test
  void idsAreDeduplicatedAfterReopen() throws Exception {
    log.create(new StreamSpec("s", StreamKind.STREAM, null, 2), false);
    AppendResult first = append("s", eventWithId("k", "op-7", "{}"));
    log = reopen(log);
    AppendResult again = append("s", eventWithId("k", "op-7", "{}"));
    assertThat(again.positions().get(0)).isEqualTo(new Position(first.positions().get(0).partition(), first.positions().get(0).offset(), true));
    assertThat(log.endOffset("s", first.positions().get(0).partition())).isEqualTo(first.positions().get(0).offset() + 1);
    assertThat(readAll("s", first.positions().get(0).partition())).hasSize(1);
  }

  @Test
  void everythingAcknowledgedIsThereAfterReopenAtTheSameOffsets() throws Exception {
    log.create(new StreamSpec("s", StreamKind.STREAM, "k", 3), false);
    List<Event> events = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      events.add(event("key" + i, "{\"i\":" + i + "}"));
    }
    log.append("s", events).get(30, TimeUnit.SECONDS);
    List<List<Record>> before = new ArrayList<>();
    for (int p = 0; p < 3; p++) {
      before.add(readAll("s", p));
    }
    log = reopen(log);
    assertThat(log.stream("s")).contains(new StreamSpec("s", StreamKind.STREAM, "k", 3));
    for (int p = 0; p < 3; p++) {
      List<Record> after = readAll("s", p);
      assertThat(after).hasSameSizeAs(before.get(p));
      for (int i = 0; i < after.size(); i++) {
        assertThat(after.get(i).offset()).isEqualTo(before.get(p).get(i).offset());
        assertThat(after.get(i).id()).isEqualTo(before.get(p).get(i).id());
        assertThat(after.get(i).value()).isEqualTo(before.get(p).get(i).value());
      }
    }
    AppendResult next = append("s", event("key0", "{}"));
    List<Record> partitionBefore = before.get(next.positions().get(0).partition());
    long lastBefore = partitionBefore.isEmpty() ? -1 : partitionBefore.get(partitionBefore.size() - 1).offset();
    if (denseOffsets()) {
      assertThat(next.positions().get(0).offset()).isEqualTo(lastBefore + 1);
    } else {
      assertThat(next.positions().get(0).offset()).isGreaterThan(lastBefore);
    }
  }

  @Test
  void appendIsAtomicWhenOneEventIsTooLarge() throws Exception {
    log.create(new StreamSpec("s", StreamKind.STREAM, null, 2), false);
    byte[] huge = new byte[2 * 1024 * 1024];
    java.util.Arrays.fill(huge, (byte) 'a');
    huge[0] = '{';
    List<Event> events = List.of(event("a", "{}"), Event.of("b", huge));
    assertThatThrownBy(() -> log.append("s", events).get(30, TimeUnit.SECONDS))
        .isInstanceOfSatisfying(LogException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.EVENT_TOO_LARGE));
    assertThat(log.endOffset("s", 0) + log.endOffset("s", 1)).isZero();
  }

  @Test
  void deleteIsRefusedOnAStream() {
    log.create(new StreamSpec("s", StreamKind.STREAM, null, 1), false);
    Event tombstone = new Event("k", null, null, List.of(), true, json("{}"));
    assertThatThrownBy(() -> log.append("s", List.of(tombstone)))
        .isInstanceOfSatisfying(LogException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_EVENT));
    assertThat(log.endOffset("s", 0)).isZero();
  }

  @Test
  void unknownStreamAndPartitionAreNamed() {
    assertThatThrownBy(() -> log.append("nope", List.of(event("k", "{}"))))
        .isInstanceOfSatisfying(LogException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNKNOWN_STREAM));
    log.create(new StreamSpec("s", StreamKind.STREAM, null, 2), false);
    assertThatThrownBy(() -> log.read("s", 2, 0, 10))
        .isInstanceOfSatisfying(LogException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNKNOWN_PARTITION));
  }

  @Test
  void readingAtTheEndReturnsNothingAndAwaitCompletesWhenAnEventArrives() throws Exception {
    log.create(new StreamSpec("s", StreamKind.STREAM, null, 1), false);
    assertThat(log.read("s", 0, 0, 10)).isEmpty();
    CompletableFuture<Void> waiting = log.awaitRecord("s", 0, 0);
    assertThat(waiting).isNotDone();
    append("s", event("k", "{}"));
    waiting.get(10, TimeUnit.SECONDS);
    assertThat(log.read("s", 0, 0, 10)).hasSize(1);
    assertThat(log.awaitRecord("s", 0, 0)).isDone();
  }

  @Test
  void readingFromTheLargestOffsetReturnsNothing() throws Exception {
    log.create(new StreamSpec("s", StreamKind.STREAM, null, 1), false);
    append("s", event("k", "{}"), event("k", "{}"));
    assertThat(log.read("s", 0, Long.MAX_VALUE, 1000)).isEmpty();
    assertThat(log.read("s", 0, Long.MAX_VALUE - 1, 1000)).isEmpty();
  }

  @Test
  void tokenNamesTheEndOfEveryPartitionWritten() throws Exception {
    log.create(new StreamSpec("s", StreamKind.STREAM, null, 4), false);
    AppendResult result = append("s", event("a", "{}"), event("b", "{}"), event("c", "{}"));
    Token token = Token.decode(result.token().encode());
    assertThat(token).isEqualTo(result.token());
    for (Position p : result.positions()) {
      assertThat(token.ends().get("s").get(p.partition())).isGreaterThan(p.offset());
    }
  }

  @Test
  void concurrentAppendsAllLandExactlyOnce() throws Exception {
    log.create(new StreamSpec("s", StreamKind.STREAM, null, 2), false);
    List<CompletableFuture<AppendResult>> futures = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 8; t++) {
      int thread = t;
      Thread th = new Thread(() -> {
        for (int i = 0; i < 50; i++) {
          synchronized (futures) {
            futures.add(log.append("s", List.of(eventWithId("k" + i, "t" + thread + "-" + i, "{}"))));
          }
        }
      });
      threads.add(th);
      th.start();
    }
    for (Thread th : threads) {
      th.join();
    }
    java.util.Set<String> positions = new java.util.HashSet<>();
    for (CompletableFuture<AppendResult> f : futures) {
      Position p = f.get(30, TimeUnit.SECONDS).positions().get(0);
      assertThat(positions.add(p.partition() + ":" + p.offset())).isTrue();
    }
    assertThat(readAll("s", 0).size() + readAll("s", 1).size()).isEqualTo(400);
  }
}
