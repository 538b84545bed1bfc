package dev.sluice.log.embedded;

import static dev.sluice.log.embedded.Fixtures.event;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.log.AppendResult;
import dev.sluice.log.ErrorCode;
import dev.sluice.log.Event;
import dev.sluice.log.LogException;
import dev.sluice.log.Position;
import dev.sluice.log.Record;
import dev.sluice.log.StreamKind;
import dev.sluice.log.StreamSpec;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * The writer's group commit (docs/log-format.md §8): many threads append at once, waiting in
 * different ways (blocking, with a timeout, through a callback); every request is acknowledged
 * once, at dense positions in one total order, and only after an fsync that covers it.
 */
class GroupCommitTest {
  private static final Path DATA = Path.of("/sluice");
  private static final String STREAM = "s";
  private static final int PARTITIONS = 3;
  private static final String[] KEY = Fixtures.keysByPartition(PARTITIONS);
  /** Durable copies of the disk taken while appending, each checked after. */
  private static final int COPIES_MAX = 25;

  /** How a writer thread waits for its appends. */
  enum Waiting {
    JOIN,
    GET_WITH_TIMEOUT,
    /** Waits on a future derived by a callback: nobody waits on the append itself. */
    CALLBACK
  }

  /** One acknowledged request: its events and where the log put them. */
  private record Acknowledged(List<Event> events, AppendResult result) {}

  @Property(tries = 12)
  void concurrentAppendersGetDenseOrderedPositionsAcknowledgedOnlyAfterAnFsync(
      @ForAll @IntRange(min = 2, max = 12) int writers,
      @ForAll @IntRange(min = 1, max = 25) int requestsPerWriter,
      @ForAll @IntRange(min = 1, max = 5) int eventsMax,
      @ForAll long seed,
      @ForAll boolean throughPageCache) throws Exception {
    FaultyStorage disk = throughPageCache ? new FaultyStorage(seed).appendingThroughPageCache() : new FaultyStorage(seed);
    List<Acknowledged> acknowledged = Collections.synchronizedList(new ArrayList<>());
    /** Durable copies of the disk, each with the requests acknowledged before it was taken. */
    List<Map.Entry<FaultyStorage, Integer>> copies = new ArrayList<>();
    try (EmbeddedLog log = EmbeddedLog.open(DATA, EmbeddedLog.Options.defaults().withStorage(disk).withSegmentBytes(4096))) {
      log.create(new StreamSpec(STREAM, StreamKind.STREAM, null, PARTITIONS), false);
      List<Thread> threads = new ArrayList<>();
      List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
      for (int w = 0; w < writers; w++) {
        Waiting waiting = Waiting.values()[w % Waiting.values().length];
        Random random = new Random(seed + w);
        String name = "w" + w;
        threads.add(Thread.ofPlatform().start(() -> {
          try {
            for (int r = 0; r < requestsPerWriter; r++) {
              List<Event> request = request(random, name + "r" + r, eventsMax);
              append(log, request, waiting, acknowledged);
            }
          } catch (Throwable e) {
            failures.add(e);
          }
        }));
      }
      AtomicBoolean appending = new AtomicBoolean(true);
      Thread copier = Thread.ofPlatform().start(() -> {
        while (appending.get() && copies.size() < COPIES_MAX) {
          int before = acknowledged.size();
          copies.add(Map.entry(disk.durableCopy(), before));
          Thread.onSpinWait();
          try {
            Thread.sleep(1);
          } catch (InterruptedException e) {
            return;
          }
        }
      });
      for (Thread t : threads) {
        t.join(60_000);
      }
      appending.set(false);
      copier.join(60_000);
      assertThat(failures).as("appends that failed").isEmpty();
      List<Acknowledged> all = List.copyOf(acknowledged);
      assertThat(all).as("acknowledged requests").hasSize(writers * requestsPerWriter);
      assertDenseAndInOneOrder(all, ends(log));
      for (int p = 0; p < PARTITIONS; p++) {
        List<Record> records = Fixtures.readAll(log, STREAM, p);
        for (Acknowledged a : all) {
          for (int i = 0; i < a.events().size(); i++) {
            Position at = a.result().positions().get(i);
            if (at.partition() == p) {
              assertThat(Fixtures.holds(records.get((int) at.offset()), a.events().get(i)))
                  .as("the event acknowledged at %s", at).isTrue();
            }
          }
        }
      }
    }
    for (Map.Entry<FaultyStorage, Integer> copy : copies) {
      assertHolds(copy.getKey(), List.copyOf(acknowledged).subList(0, copy.getValue()));
    }
  }

  @Test
  void anFsyncThatFailsInALeadersRoundFailsEveryRequestWaitingOnItAndAcknowledgesNone() throws Exception {
    FaultyStorage disk = new FaultyStorage(7);
    try (EmbeddedLog log = EmbeddedLog.open(DATA, EmbeddedLog.Options.defaults().withStorage(disk))) {
      log.create(new StreamSpec(STREAM, StreamKind.STREAM, null, PARTITIONS), false);
      log.append(STREAM, List.of(event(KEY[0], null, "{\"before\":true}"))).join();
      long[] endsBefore = ends(log);

      FaultyStorage.HeldSyncs syncs = disk.holdSyncs();
      List<CompletableFuture<Object>> outcomes = new ArrayList<>();
      for (int w = 0; w < 8; w++) {
        List<Event> request = List.of(event(KEY[w % PARTITIONS], "id-" + w, "{\"w\":" + w + "}"), event(KEY[(w + 1) % PARTITIONS], null, "{}"));
        outcomes.add(CompletableFuture.supplyAsync(() -> {
          try {
            return log.append(STREAM, request).get(30, TimeUnit.SECONDS);
          } catch (ExecutionException e) {
            return e.getCause();
          } catch (LogException e) {
            return e; // refused at once: the log had already failed
          } catch (Exception e) {
            return new AssertionError(e);
          }
        }, runnable -> Thread.ofPlatform().start(runnable)));
      }
      syncs.reached().get(10, TimeUnit.SECONDS);
      // The leader's fsync is in flight; the other requests queue behind it or are in its group.
      Thread.sleep(50);
      syncs.releaseFailing();

      for (CompletableFuture<Object> outcome : outcomes) {
        Object o = outcome.get(30, TimeUnit.SECONDS);
        assertThat(o).as("a request's outcome").isInstanceOf(LogException.class);
        assertThat(((LogException) o).code()).isEqualTo(ErrorCode.LOG_FAILED);
      }
      assertThat(ends(log)).as("nothing became readable").containsExactly(endsBefore);
      assertThat(log.locate(STREAM, "id-0")).isEmpty();
    }
  }

  @Test
  void throughThePageCacheTheNextGroupIsWrittenWhileTheGroupBeforeItFsyncsAndBothAreAcknowledgedAfter() throws Exception {
    FaultyStorage disk = new FaultyStorage(11).appendingThroughPageCache();
    try (EmbeddedLog log = EmbeddedLog.open(DATA, EmbeddedLog.Options.defaults().withStorage(disk))) {
      log.create(new StreamSpec(STREAM, StreamKind.STREAM, null, PARTITIONS), false);
      FaultyStorage.HeldSyncs syncs = disk.holdSyncs();
      long appendsBefore = disk.appends();
      CompletableFuture<AppendResult> first = CompletableFuture.supplyAsync(
          () -> log.append(STREAM, List.of(event(KEY[0], null, "{\"first\":true}"))).join(), runnable -> Thread.ofPlatform().start(runnable));
      syncs.reached().get(10, TimeUnit.SECONDS);
      CompletableFuture<AppendResult> second = CompletableFuture.supplyAsync(
          () -> log.append(STREAM, List.of(event(KEY[0], null, "{\"second\":true}"))).join(), runnable -> Thread.ofPlatform().start(runnable));

      disk.awaitAppends(appendsBefore + 2);
      assertThat(first).as("acknowledged before its fsync").isNotDone();
      assertThat(second).as("acknowledged before its fsync").isNotDone();
      assertThat(log.endOffset(STREAM, 0)).as("readable before its fsync").isZero();
      syncs.release();

      assertThat(first.get(30, TimeUnit.SECONDS).positions().get(0).offset()).isZero();
      assertThat(second.get(30, TimeUnit.SECONDS).positions().get(0).offset()).isEqualTo(1);
      assertThat(log.endOffset(STREAM, 0)).isEqualTo(2);
    }
  }

  /**
   * With files written by their sync (the disk's direct files), the sequencer syncs each round
   * itself: what arrives meanwhile waits in the queue, unwritten, and goes out in one round after.
   */
  @Test
  void requestsArrivingWhileTheSequencerSyncsARoundShareTheNextRoundAndItsSync() throws Exception {
    FaultyStorage disk = new FaultyStorage(12);
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    try (EmbeddedLog log = EmbeddedLog.open(DATA, EmbeddedLog.Options.defaults().withStorage(disk).withMeters(meters))) {
      log.create(new StreamSpec(STREAM, StreamKind.STREAM, null, PARTITIONS), false);
      FaultyStorage.HeldSyncs syncs = disk.holdSyncs();
      long appendsBefore = disk.appends();
      CompletableFuture<AppendResult> first = log.append(STREAM, List.of(event(KEY[0], null, "{\"first\":true}")));
      syncs.reached().get(10, TimeUnit.SECONDS);
      List<CompletableFuture<AppendResult>> behind = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        behind.add(log.append(STREAM, List.of(event(KEY[1], null, "{\"behind\":" + i + "}"))));
      }
      Thread.sleep(50);
      assertThat(disk.appends()).as("requests written while a sync is held").isEqualTo(appendsBefore + 1);
      assertThat(first).as("acknowledged before its sync").isNotDone();
      assertThat(behind).as("acknowledged before their sync").noneMatch(CompletableFuture::isDone);
      syncs.release();

      assertThat(first.get(30, TimeUnit.SECONDS).positions().get(0).offset()).isZero();
      for (int i = 0; i < 3; i++) {
        assertThat(behind.get(i).get(30, TimeUnit.SECONDS).positions().get(0)).isEqualTo(new Position(1, i, false));
      }
      DistributionSummary rounds = meters.get("sluice.log.group.requests").summary();
      assertThat(rounds.count()).as("rounds of group commit").isEqualTo(2);
      assertThat(rounds.max()).as("requests in the second round").isEqualTo(3);
    }
  }

  @Test
  void aRequestNobodyWaitsOnIsStillWrittenAndAcknowledged() throws Exception {
    try (EmbeddedLog log = EmbeddedLog.open(DATA, EmbeddedLog.Options.defaults().withStorage(new FaultyStorage(3)))) {
      log.create(new StreamSpec(STREAM, StreamKind.STREAM, null, PARTITIONS), false);
      CompletableFuture<Long> offset = new CompletableFuture<>();
      log.append(STREAM, List.of(event(KEY[1], null, "{}")))
          .whenComplete((r, e) -> offset.complete(e == null ? r.positions().get(0).offset() : -1L));
      // Only the callback's future is awaited here, so the writer's committer thread leads.
      assertThat(offset.get(30, TimeUnit.SECONDS)).isZero();
      assertThat(log.endOffset(STREAM, 1)).isEqualTo(1);
    }
  }

  /** Appends {@code request}, waiting as {@code waiting} says, and records what was acknowledged. */
  private static void append(EmbeddedLog log, List<Event> request, Waiting waiting, List<Acknowledged> acknowledged) throws Exception {
    switch (waiting) {
      case JOIN -> acknowledged.add(new Acknowledged(request, log.append(STREAM, request).join()));
      case GET_WITH_TIMEOUT -> acknowledged.add(new Acknowledged(request, log.append(STREAM, request).get(30, TimeUnit.SECONDS)));
      case CALLBACK -> acknowledged.add(new Acknowledged(request, log.append(STREAM, request).thenApply(r -> r).get(30, TimeUnit.SECONDS)));
    }
  }

  /** One to {@code eventsMax} events over the partitions, each with an id or none. */
  private static List<Event> request(Random random, String name, int eventsMax) {
    int n = 1 + random.nextInt(eventsMax);
    List<Event> events = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String id = random.nextBoolean() ? name + "-" + i : null;
      events.add(event(KEY[random.nextInt(PARTITIONS)], id, "{\"name\":\"" + name + "\",\"i\":" + i + "}"));
    }
    return events;
  }

  /**
   * Per partition, the acknowledged offsets are exactly 0 up to the end; each request's events of a partition are consecutive and in request order; and the
   * requests are in one order in every partition they share.
   */
  private static void assertDenseAndInOneOrder(List<Acknowledged> all, long[] ends) {
    Map<Integer, Map<Long, Integer>> owner = new HashMap<>();
    for (int r = 0; r < all.size(); r++) {
      List<Position> positions = all.get(r).result().positions();
      assertThat(all.get(r).result().duplicates()).as("duplicates in a request of unique ids").isZero();
      Map<Integer, Long> last = new HashMap<>();
      for (Position at : positions) {
        Long before = last.put(at.partition(), at.offset());
        if (before != null) {
          assertThat(at.offset()).as("the next event of a request in partition %d", at.partition()).isEqualTo(before + 1);
        }
        Integer previous = owner.computeIfAbsent(at.partition(), p -> new HashMap<>()).put(at.offset(), r);
        assertThat(previous).as("another request acknowledged at %s", at).isNull();
      }
    }
    for (int p = 0; p < PARTITIONS; p++) {
      assertThat(owner.getOrDefault(p, Map.of()).keySet())
          .as("acknowledged offsets of partition %d", p)
          .containsExactlyInAnyOrderElementsOf(java.util.stream.LongStream.range(0, ends[p]).boxed().toList());
    }
    // One total order: sorting the requests by their first offset in any shared partition agrees.
    for (int a = 0; a < all.size(); a++) {
      for (int b = a + 1; b < all.size(); b++) {
        Boolean aFirst = null;
        for (Position pa : all.get(a).result().positions()) {
          for (Position pb : all.get(b).result().positions()) {
            if (pa.partition() == pb.partition()) {
              boolean before = pa.offset() < pb.offset();
              assertThat(aFirst == null || aFirst == before).as("requests %d and %d are in one order in every partition", a, b).isTrue();
              aFirst = before;
            }
          }
        }
      }
    }
  }

  /** The log on {@code disk} holds every event of {@code acknowledged} at its acknowledged position. */
  private static void assertHolds(FaultyStorage disk, List<Acknowledged> acknowledged) {
    try (EmbeddedLog log = EmbeddedLog.open(DATA, EmbeddedLog.Options.defaults().withStorage(disk).withSegmentBytes(4096))) {
      assertThat(log.damageReports()).isEmpty();
      List<List<Record>> partitions = new ArrayList<>();
      for (int p = 0; p < PARTITIONS; p++) {
        partitions.add(log.stream(STREAM).isPresent() ? Fixtures.readAll(log, STREAM, p) : List.of());
      }
      for (Acknowledged a : acknowledged) {
        for (int i = 0; i < a.events().size(); i++) {
          Position at = a.result().positions().get(i);
          List<Record> records = partitions.get(at.partition());
          assertThat(records.size()).as("records of partition %d after a power loss", at.partition()).isGreaterThan((int) at.offset());
          assertThat(Fixtures.holds(records.get((int) at.offset()), a.events().get(i)))
              .as("the event acknowledged at %s, after a power loss", at).isTrue();
        }
      }
    }
  }

  private static long[] ends(EmbeddedLog log) {
    long[] ends = new long[PARTITIONS];
    for (int p = 0; p < PARTITIONS; p++) {
      ends[p] = log.endOffset(STREAM, p);
    }
    return ends;
  }
}
