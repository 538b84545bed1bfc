package dev.sluice.log.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.log.AppendResult;
import dev.sluice.log.Event;
import dev.sluice.log.LogException;
import dev.sluice.log.Position;
import dev.sluice.log.Record;
import dev.sluice.log.StreamKind;
import dev.sluice.log.StreamSpec;
import dev.sluice.log.embedded.FaultyStorage.Tear;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Writers append concurrently while segments roll; the power fails at a random moment (a random
 * number of file appends in); the disk keeps, loses or tears every unsynced byte and folder entry.
 * After each restart: every acknowledged event is at its acknowledged position, every record is one
 * that was sent, present once, each request whole or absent, and what a recovery showed stays. Then
 * the writers retry the requests left in doubt: the rebuilt dedup index must keep them single.
 */
class PowerLossTest {
  private static final Path DATA = Path.of("/sluice");
  private static final String STREAM = "s";
  private static final int PARTITIONS = 4;
  private static final int WRITERS = 3;
  private static final int REQUESTS_PER_WRITER = 40;
  private static final int POWER_LOSSES = 4;
  /** Each request is at least one file append, so the power always fails before the writers finish. */
  private static final int APPENDS_BEFORE_POWER_LOSS_MAX = 60;

  static LongStream seeds() {
    return LongStream.rangeClosed(1, 25);
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  void acknowledgedAppendsSurviveAPowerLossAtAnyMoment(long seed) throws Exception {
    Random random = new Random(seed);
    FaultyStorage disk = new FaultyStorage(seed);
    History history = new History();
    for (int generation = 0; generation < POWER_LOSSES; generation++) {
      EmbeddedLog log = open(disk);
      try {
        if (generation == 0) {
          log.create(new StreamSpec(STREAM, StreamKind.STREAM, null, PARTITIONS), false);
        } else {
          history.check(log);
        }
        long appendsBefore = disk.appends();
        List<List<Event>> retries = history.unacknowledgedWithIds();
        List<Thread> writers = new ArrayList<>();
        for (int w = 0; w < WRITERS; w++) {
          List<List<Event>> mine = new ArrayList<>();
          for (int i = w; i < retries.size(); i += WRITERS) {
            mine.add(retries.get(i));
          }
          writers.add(Thread.ofPlatform().start(writer(log, history, mine, "g" + generation + "w" + w, random.nextLong())));
        }
        disk.awaitAppends(appendsBefore + 1 + random.nextInt(APPENDS_BEFORE_POWER_LOSS_MAX));
        disk = disk.crash(Tear.ANY);
        for (Thread writer : writers) {
          writer.join(30_000);
          assertThat(writer.isAlive()).as("a writer still waits for an answer after the power loss").isFalse();
        }
      } finally {
        log.close();
      }
    }
    try (EmbeddedLog log = open(disk)) {
      history.check(log);
    }
    assertThat(history.acknowledged).as("acknowledged events over all generations").isNotEmpty();
  }

  private static EmbeddedLog open(FaultyStorage disk) {
    return EmbeddedLog.open(DATA, EmbeddedLog.Options.defaults().withStorage(disk).withSegmentBytes(4096));
  }

  /**
   * Retries, as a client would, requests whose outcome the last power loss left unknown (those with
   * an id on every event, which makes a retry safe), then sends new ones, one after the other, until
   * the log fails. Every event carries a unique tag in its value.
   */
  private static Runnable writer(EmbeddedLog log, History history, List<List<Event>> retries, String name, long seed) {
    return () -> {
      Random random = new Random(seed);
      for (int r = 0; r < retries.size() + REQUESTS_PER_WRITER; r++) {
        List<Event> request = r < retries.size() ? retries.get(r) : newRequest(random, name + "r" + r);
        history.sent(request);
        try {
          history.acknowledged(request, log.append(STREAM, request).get(30, TimeUnit.SECONDS));
        } catch (LogException | ExecutionException failed) {
          return; // the power is gone
        } catch (Exception e) {
          throw new AssertionError(e);
        }
      }
    };
  }

  /** One to six events; on a third of the requests every event has an id, else three in four. */
  private static List<Event> newRequest(Random random, String name) {
    boolean idOnEvery = random.nextInt(3) == 0;
    int size = 1 + random.nextInt(6);
    List<Event> request = new ArrayList<>();
    for (int e = 0; e < size; e++) {
      String tag = name + "e" + e;
      String value = "{\"tag\":\"" + tag + "\",\"pad\":\"" + "x".repeat(random.nextInt(120)) + "\"}";
      request.add(Fixtures.event("key" + random.nextInt(20), idOnEvery || random.nextInt(4) > 0 ? tag : null, value));
    }
    return request;
  }

  /** What was sent and acknowledged, and what each recovery showed. */
  private static final class History {
    final Map<String, Event> sentByTag = new ConcurrentHashMap<>();
    final List<List<String>> requests = new CopyOnWriteArrayList<>();
    final Map<String, Position> acknowledged = new ConcurrentHashMap<>();
    final List<List<String>> recovered = new ArrayList<>();

    void sent(List<Event> request) {
      if (sentByTag.containsKey(tagOf(request.get(0).value()))) {
        return; // a retry
      }
      List<String> tags = new ArrayList<>();
      for (Event e : request) {
        sentByTag.put(tagOf(e.value()), e);
        tags.add(tagOf(e.value()));
      }
      requests.add(tags);
    }

    void acknowledged(List<Event> request, AppendResult result) {
      for (int i = 0; i < request.size(); i++) {
        Position at = result.positions().get(i);
        acknowledged.put(tagOf(request.get(i).value()), new Position(at.partition(), at.offset(), false));
      }
    }

    List<List<Event>> unacknowledgedWithIds() {
      List<List<Event>> retries = new ArrayList<>();
      for (List<String> tags : requests) {
        List<Event> request = tags.stream().map(sentByTag::get).toList();
        if (!acknowledged.containsKey(tags.get(0)) && request.stream().allMatch(e -> e.id() != null)) {
          retries.add(request);
        }
      }
      return retries;
    }

    void check(EmbeddedLog log) {
      assertThat(log.damageReports()).isEmpty();
      Map<String, Position> present = new HashMap<>();
      List<List<String>> partitions = new ArrayList<>();
      for (int p = 0; p < PARTITIONS; p++) {
        List<String> tags = new ArrayList<>();
        List<Record> records = Fixtures.readAll(log, STREAM, p);
        for (int i = 0; i < records.size(); i++) {
          Record record = records.get(i);
          String tag = tagOf(record.value());
          Event sent = sentByTag.get(tag);
          assertThat(record.offset()).isEqualTo(i);
          assertThat(sent).as("the event sent as %s", Fixtures.text(record)).isNotNull();
          assertThat(Fixtures.holds(record, sent)).as("%s is what was sent", Fixtures.text(record)).isTrue();
          assertThat(present.put(tag, new Position(p, i, false))).as("a second copy of %s", tag).isNull();
          tags.add(tag);
        }
        partitions.add(tags);
      }
      acknowledged.forEach((tag, at) -> assertThat(present.get(tag)).as("acknowledged %s", tag).isEqualTo(at));
      for (List<String> request : requests) {
        long there = request.stream().filter(present::containsKey).count();
        assertThat(there).as("events of request %s present", request).isIn(0L, (long) request.size());
      }
      for (int p = 0; p < recovered.size(); p++) {
        Fixtures.assertBeginsWith(partitions.get(p), recovered.get(p), "partition " + p + " after the last recovery");
      }
      recovered.clear();
      recovered.addAll(partitions);
    }

    private static String tagOf(byte[] value) {
      String text = new String(value, StandardCharsets.UTF_8);
      int from = text.indexOf("\"tag\":\"");
      // A value without a tag is returned whole: no event was sent under that tag.
      return from < 0 ? text : text.substring(from + 7, text.indexOf('"', from + 7));
    }
  }
}
