package dev.sluice.log.embedded;

import static dev.sluice.log.embedded.Fixtures.event;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.log.AppendResult;
import dev.sluice.log.ErrorCode;
import dev.sluice.log.Event;
import dev.sluice.log.LogException;
import dev.sluice.log.Partitioner;
import dev.sluice.log.Position;
import dev.sluice.log.Record;
import dev.sluice.log.StreamKind;
import dev.sluice.log.StreamSpec;
import dev.sluice.log.embedded.FaultyStorage.Tear;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The log on a disk that tears writes, loses unsynced bytes, flips bits, fills up and fails fsyncs
 * ({@link FaultyStorage}). Whatever happens, it never serves wrong data: it recovers everything it
 * acknowledged, or the damaged partition refuses reads with an error that says where.
 */
class RecoveryTest {
  private static final Path DATA = Path.of("/sluice");
  private static final String STREAM = "s";
  private static final int PARTITIONS = 3;
  private static final StreamSpec SPEC = new StreamSpec(STREAM, StreamKind.STREAM, null, PARTITIONS);
  private static final String[] KEY = Fixtures.keysByPartition(PARTITIONS);
  private static final Path STREAM_DIR = DATA.resolve("streams").resolve(STREAM);
  private static final Path SEGMENT_0 = STREAM_DIR.resolve(LogFormat.segmentName(0));
  private static final long ONE_SEGMENT = 1 << 20;

  private FaultyStorage disk;
  private EmbeddedLog log;
  private final List<FaultyStorage.HeldSyncs> held = new ArrayList<>();

  @AfterEach
  void closeLog() {
    held.forEach(FaultyStorage.HeldSyncs::release);
    if (log != null) {
      log.close();
    }
  }

  // ---- power loss ----

  static Stream<Arguments> tears() {
    return Stream.of(Tear.LOSE, Tear.PARTIAL, Tear.PARTIAL_WITH_GARBAGE)
        .flatMap(tear -> LongStream.rangeClosed(1, 8).mapToObj(seed -> Arguments.of(tear, seed)));
  }

  @ParameterizedTest(name = "{0}, seed {1}")
  @MethodSource("tears")
  void aPowerLossKeepsEveryAcknowledgedEventAndNoPartOfAnUnfinishedRequest(Tear tear, long seed) throws Exception {
    // Through the page cache, several requests can be written and not yet synced when the power
    // goes; a file written by its sync holds one round unsynced at most, which this covers too.
    openOn(new FaultyStorage(seed).appendingThroughPageCache(), ONE_SEGMENT);
    log.create(SPEC, false);
    List<List<Event>> acknowledged = List.of(request("a1", 0, 1, 2), request("a2", 2, 2, 0), request("a3", 1));
    for (List<Event> request : acknowledged) {
      append(request);
    }
    long durableBytes = disk.size(SEGMENT_0);

    FaultyStorage.HeldSyncs syncs = holdSyncs();
    long appendsBefore = disk.appends();
    List<List<Event>> unfinished = List.of(request("b1", 0, 1, 2, 0), request("b2", 1, 2), request("b3", 2, 0, 1));
    List<CompletableFuture<AppendResult>> pending = unfinished.stream().map(r -> log.append(STREAM, r)).toList();
    syncs.reached().get(10, TimeUnit.SECONDS);
    disk.awaitAppends(appendsBefore + unfinished.size());
    long writtenBytes = disk.size(SEGMENT_0);
    FaultyStorage crashed = disk.crash(tear);
    syncs.release();
    for (CompletableFuture<AppendResult> future : pending) {
      assertThatThrownBy(() -> future.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(LogException.class);
    }

    long survivingBytes = crashed.size(SEGMENT_0);
    switch (tear) {
      case LOSE -> assertThat(survivingBytes).isEqualTo(durableBytes);
      case PARTIAL -> assertThat(survivingBytes).isBetween(durableBytes + 1, writtenBytes - 1);
      default -> assertThat(survivingBytes).isGreaterThan(durableBytes);
    }
    restartOn(crashed);
    assertThat(log.damageReports()).isEmpty();
    int survivors = unfinishedRequestsPresent(acknowledged, unfinished);
    assertThat(survivors).isLessThan(tear == Tear.LOSE ? 1 : unfinished.size());

    List<List<Event>> history = new ArrayList<>(acknowledged);
    history.addAll(unfinished.subList(0, survivors));
    List<Event> next = request("c", 0, 1, 2, 2);
    assertLandsAtTheEnd(next, append(next), history);
    history.add(next);
    assertLogHolds(history);

    restartOn(disk.crash(Tear.LOSE));
    assertLogHolds(history);
  }

  /**
   * A roll leaves the sealed segment's index file to a thread of its own. Whether the power goes
   * before that write, during it or after it, opening the log finds every acknowledged event, and a
   * sealed segment left without a sound index gets one again.
   */
  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
  void aPowerLossWhileSealedSegmentsGetTheirIndexesLosesNothingAcknowledged(long seed) throws Exception {
    openOn(new FaultyStorage(seed), 4096);
    log.create(SPEC, false);
    List<List<Event>> history = new ArrayList<>();
    Random random = new Random(seed);
    for (int i = 0; !disk.exists(STREAM_DIR.resolve(LogFormat.segmentName(3))) || random.nextInt(4) != 0; i++) {
      List<Event> request = request("r" + i, random.nextInt(PARTITIONS), random.nextInt(PARTITIONS));
      append(request);
      history.add(request);
    }

    restartOn(disk.crash(Tear.ANY));
    assertThat(log.damageReports()).isEmpty();
    assertLogHolds(history);
    log.awaitSealed();
    for (long sealed = 0; disk.exists(STREAM_DIR.resolve(LogFormat.segmentName(sealed + 1))); sealed++) {
      assertThat(disk.exists(STREAM_DIR.resolve(LogFormat.indexName(sealed)))).as("index of segment %d", sealed).isTrue();
    }
  }

  // ---- flipped bits ----

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
  void aFlippedBitInTheLastBatchDropsThatBatchLikeATornWrite(long seed) throws Exception {
    openOn(new FaultyStorage(seed), ONE_SEGMENT);
    log.create(SPEC, false);
    List<Event> first = request("a1", 0, 1, 2);
    List<Event> second = request("a2", 1, 2);
    append(first);
    append(second);
    Written last = appendLocated(request("a3", 0, 2));
    disk.flipBit(last.segment(), last.anyByte(new Random(seed)));

    restart();
    assertThat(log.damageReports()).isEmpty();
    assertLogHolds(List.of(first, second));
    List<Event> next = request("c", 0, 1, 2);
    assertLandsAtTheEnd(next, append(next), List.of(first, second));
    restart();
    assertLogHolds(List.of(first, second, next));
  }

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
  void aFlippedBitBeforeAcknowledgedBatchesMakesThePartitionsItTouchesRefuseReadsFromThere(long seed)
      throws Exception {
    openOn(new FaultyStorage(seed), ONE_SEGMENT);
    log.create(SPEC, false);
    List<Event> first = request("a1", 0, 1, 2, 0);
    List<Event> damaged = request("a2", 0, 1);
    List<Event> third = request("a3", 1, 2, 2);
    append(first);
    Written written = appendLocated(damaged);
    append(third);
    disk.flipBit(written.segment(), written.anyByte(new Random(seed)));

    restart();
    for (int p : new int[] {0, 1}) {
      long from = eventsIn(List.of(first), p).size();
      assertHolds(log.read(STREAM, p, 0, 100), eventsIn(List.of(first), p));
      assertThatThrownBy(() -> log.read(STREAM, p, from, 100))
          .isInstanceOfSatisfying(LogException.class, e -> assertNamesTheDamage(e.getMessage(), p, from, written));
      assertThat(log.damageReports())
          .anySatisfy(report -> assertNamesTheDamage(report, p, from, written));
    }
    assertThat(log.damageReports()).hasSize(2).noneMatch(report -> report.contains("partition 2"));
    assertHolds(Fixtures.readAll(log, STREAM, 2), eventsIn(List.of(first, third), 2));
    assertThat(appendFailure(request("c", 2))).isEqualTo(ErrorCode.CORRUPT_PARTITION);
  }

  static Stream<Arguments> sealedDamage() {
    return Stream.of(false, true).flatMap(index -> LongStream.rangeClosed(1, 6).mapToObj(seed -> Arguments.of(index, seed)));
  }

  @ParameterizedTest(name = "its index damaged too: {0}, seed {1}")
  @MethodSource("sealedDamage")
  void aFlippedBitInASealedSegmentIsReportedAndOnlyItsPartitionRefusesReads(boolean indexDamaged, long seed)
      throws Exception {
    openOn(new FaultyStorage(seed), 4096);
    log.create(SPEC, false);
    List<List<Event>> history = new ArrayList<>();
    Written damaged = null;
    // Request 3, the damaged one, holds partition 0 alone. Until segment 0 is sealed the requests
    // after it hold partitions 0 and 1: partition 2 has nothing after the damage in that segment.
    for (int i = 0; !disk.exists(STREAM_DIR.resolve(LogFormat.segmentName(2))); i++) {
      boolean firstSealed = disk.exists(STREAM_DIR.resolve(LogFormat.segmentName(1)));
      List<Event> request =
          i == 3 ? request("r3", 0) : i < 3 || firstSealed ? request("r" + i, 0, 1, 2) : request("r" + i, 0, 1);
      Written written = appendLocated(request);
      history.add(request);
      if (i == 3) {
        damaged = written;
      }
    }
    assertThat(damaged.segment()).isEqualTo(SEGMENT_0);
    Random random = new Random(seed);
    disk.flipBit(damaged.segment(), damaged.anyByte(random));
    if (indexDamaged) {
      log.awaitSealed();
      // Its header, which says how many records the segment holds: recovery must scan the segment.
      disk.flipBit(STREAM_DIR.resolve(LogFormat.indexName(0)), random.nextInt(8 + 2 + 2 + 8 + 8));
    }

    restart();
    long from = eventsIn(history.subList(0, 3), 0).size();
    assertHolds(log.read(STREAM, 0, 0, (int) from), eventsIn(history.subList(0, 3), 0));
    Written at = damaged;
    assertThatThrownBy(() -> log.read(STREAM, 0, from, 100))
        .isInstanceOfSatisfying(LogException.class, e -> assertNamesTheDamage(e.getMessage(), 0, from, at));
    assertThat(log.damageReports()).singleElement().satisfies(report -> assertNamesTheDamage(report, 0, from, at));
    for (int p : new int[] {1, 2}) {
      assertHolds(Fixtures.readAll(log, STREAM, p), eventsIn(history, p));
    }
  }

  @ParameterizedTest(name = "segment {0}")
  @ValueSource(ints = {0, 1, 2, 3})
  void aFlippedBitInASegmentHeaderRefusesEveryPartitionFromThatSegmentOn(int damagedSegment) throws Exception {
    openOn(new FaultyStorage(damagedSegment), 4096);
    log.create(SPEC, false);
    List<List<Event>> history = new ArrayList<>();
    Path segment = STREAM_DIR.resolve(LogFormat.segmentName(damagedSegment));
    long[] bases = disk.exists(segment) ? ends() : null;
    for (int i = 0; !disk.exists(STREAM_DIR.resolve(LogFormat.segmentName(3))); i++) {
      long[] before = ends();
      List<Event> request = request("r" + i, 0, 1, 2);
      append(request);
      history.add(request);
      if (bases == null && disk.exists(segment)) {
        bases = before;
      }
    }
    disk.flipBit(segment, new Random(damagedSegment).nextInt(SegmentHeader.sizeFor(PARTITIONS)));

    restart();
    assertThat(log.damageReports()).hasSize(PARTITIONS);
    for (int partition = 0; partition < PARTITIONS; partition++) {
      int p = partition;
      long from = bases[p];
      if (from > 0) {
        assertHolds(log.read(STREAM, p, 0, (int) from), eventsIn(history, p).subList(0, (int) from));
      }
      assertThatThrownBy(() -> log.read(STREAM, p, from, 10))
          .isInstanceOfSatisfying(LogException.class, e -> assertThat(e.getMessage())
              .contains("partition " + p).contains("offset " + from).contains(segment.getFileName().toString()));
    }
    assertThat(appendFailure(request("c", 0))).isEqualTo(ErrorCode.CORRUPT_PARTITION);
  }

  /**
   * A roll writes the new segment's header and renames it without waiting for the disk; the syncer
   * makes both durable before acknowledging anything in it. What a power loss in between can leave
   * — the file with no bytes, a torn header, zeros — held nothing acknowledged: opening the log
   * removes it, and the log goes on as if the roll had not begun. (With a sound batch after the
   * unsound header it would be damage: the test above, for the last segment.)
   */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"no bytes", "a torn header", "zeros"})
  void aRollThePowerCutBeforeItsFsyncsIsUndoneWhenTheLogOpens(String left) throws Exception {
    openOn(new FaultyStorage(7), 4096);
    log.create(SPEC, false);
    List<List<Event>> history = new ArrayList<>();
    for (int i = 0; !disk.exists(STREAM_DIR.resolve(LogFormat.segmentName(2))); i++) {
      List<Event> request = request("r" + i, i % PARTITIONS, (i + 1) % PARTITIONS);
      append(request);
      history.add(request);
    }
    log.awaitSealed();
    log.close();
    log = null;
    Path unfinished = STREAM_DIR.resolve(LogFormat.segmentName(3));
    byte[] header = new SegmentHeader(3, 0, new long[PARTITIONS], genesisChains()).encode().array();
    byte[] bytes = switch (left) {
      case "no bytes" -> new byte[0];
      case "a torn header" -> java.util.Arrays.copyOf(header, header.length / 2);
      default -> new byte[header.length];
    };
    try (Storage.StorageFile file = disk.open(unfinished, true)) {
      file.append(java.nio.ByteBuffer.wrap(bytes));
      file.sync();
    }
    disk.syncDirectory(STREAM_DIR);

    openOn(disk, 4096);
    assertThat(log.damageReports()).isEmpty();
    assertThat(disk.exists(unfinished)).isFalse();
    assertLogHolds(history);
    List<Event> next = request("next", 0, 1, 2);
    assertLandsAtTheEnd(next, append(next), history);
    history.add(next);
    restartOn(disk.crash(Tear.LOSE));
    assertLogHolds(history);
  }

  private static byte[][] genesisChains() {
    byte[][] chains = new byte[PARTITIONS][];
    java.util.Arrays.fill(chains, Chains.GENESIS);
    return chains;
  }

  // ---- a full disk ----

  @ParameterizedTest(name = "{0} bytes fit")
  @ValueSource(longs = {0, 7, 60})
  void aFullDiskFailsTheAppendWithStorageFullAndLeavesNoTraceOfIt(long bytesThatFit) throws Exception {
    openOn(new FaultyStorage(bytesThatFit), ONE_SEGMENT);
    log.create(SPEC, false);
    List<Event> first = request("a", 0, 1, 2);
    append(first);
    long bytesBefore = disk.size(SEGMENT_0);
    long[] endsBefore = ends();

    disk.failWritesAfter(bytesThatFit);
    assertThat(appendFailure(request("b", 0, 1, 2, 1))).isEqualTo(ErrorCode.STORAGE_FULL);
    assertThat(ends()).containsExactly(endsBefore);
    assertThat(disk.size(SEGMENT_0)).isEqualTo(bytesBefore);

    disk.restoreSpace();
    List<Event> next = request("c", 0, 1, 2);
    assertLandsAtTheEnd(next, append(next), List.of(first));
    assertLogHolds(List.of(first, next));
    restart();
    assertLogHolds(List.of(first, next));
  }

  @Test
  void aDiskThatFillsWhileRollingASegmentFailsOnlyThatAppend() throws Exception {
    openOn(new FaultyStorage(1), 4096);
    log.create(SPEC, false);
    List<Event> first = request("a", 0, 1, 2);
    append(first);
    List<Event> big = List.of(event(KEY[1], "big", "{\"pad\":\"" + "x".repeat(4000) + "\"}"));

    disk.failWritesAfter(0);
    assertThat(appendFailure(big)).isEqualTo(ErrorCode.STORAGE_FULL);
    disk.restoreSpace();
    assertLandsAtTheEnd(big, append(big), List.of(first));
    assertThat(disk.exists(STREAM_DIR.resolve(LogFormat.segmentName(1)))).isTrue();
    restart();
    assertLogHolds(List.of(first, big));
  }

  // ---- failed fsync ----

  @Test
  void aFailedFsyncFailsTheAppendAndTheLogRefusesWritesUntilRestarted() throws Exception {
    openOn(new FaultyStorage(1), ONE_SEGMENT);
    log.create(SPEC, false);
    List<Event> first = request("a", 0, 1, 2);
    append(first);
    long[] endsBefore = ends();

    disk.failNextSync();
    List<Event> failed = request("b", 0, 1);
    assertThat(appendFailure(failed)).isEqualTo(ErrorCode.LOG_FAILED);
    assertThat(appendFailure(request("c", 2))).isEqualTo(ErrorCode.LOG_FAILED);
    assertThat(ends()).containsExactly(endsBefore);

    restart();
    // Whether the failed request's bytes reached the disk is unknown: it is there whole or not at all.
    int survivors = unfinishedRequestsPresent(List.of(first), List.of(failed));
    List<List<Event>> history = new ArrayList<>(List.of(first));
    history.addAll(List.of(failed).subList(0, survivors));
    List<Event> next = request("d", 0, 1, 2);
    assertLandsAtTheEnd(next, append(next), history);
  }

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {1, 2, 3, 4, 5, 6})
  void aPowerLossAfterAFailedFsyncKeepsEverythingAcknowledgedBeforeIt(long seed) throws Exception {
    openOn(new FaultyStorage(seed), ONE_SEGMENT);
    log.create(SPEC, false);
    List<Event> first = request("a", 0, 1, 2);
    append(first);
    disk.failNextSync();
    List<Event> failed = request("b", 0, 1, 2, 2);
    assertThat(appendFailure(failed)).isEqualTo(ErrorCode.LOG_FAILED);

    restartOn(disk.crash(Tear.ANY));
    // Checks the log holds the acknowledged request, and the failed one whole or not at all.
    unfinishedRequestsPresent(List.of(first), List.of(failed));
  }

  /**
   * Through the page cache the request behind the failing fsync is already written; with files
   * written by their sync it still waits in the queue. Either way it fails too.
   */
  @ParameterizedTest(name = "through the page cache: {0}")
  @ValueSource(booleans = {true, false})
  void afterAFailedFsyncNoAppendBehindTheFailureIsAcknowledged(boolean throughPageCache) throws Exception {
    FaultyStorage storage = new FaultyStorage(1);
    openOn(throughPageCache ? storage.appendingThroughPageCache() : storage, ONE_SEGMENT);
    log.create(SPEC, false);
    append(request("a", 0, 1, 2));
    long[] endsBefore = ends();

    FaultyStorage.HeldSyncs syncs = holdSyncs();
    long appendsBefore = disk.appends();
    CompletableFuture<AppendResult> failing = log.append(STREAM, request("b", 0, 1));
    syncs.reached().get(10, TimeUnit.SECONDS);
    CompletableFuture<AppendResult> writtenBehindIt = log.append(STREAM, request("c", 1, 2));
    if (throughPageCache) {
      disk.awaitAppends(appendsBefore + 2);
    }
    syncs.releaseFailing();

    assertThat(failureOf(failing)).isEqualTo(ErrorCode.LOG_FAILED);
    // Its bytes follow bytes whose fsync failed: a later successful fsync proves nothing of them.
    assertThat(failureOf(writtenBehindIt)).isEqualTo(ErrorCode.LOG_FAILED);
    assertThat(ends()).containsExactly(endsBefore);
  }

  // ---- helpers ----

  /** Where one request's batch landed: its segment and bytes. */
  private record Written(Path segment, long start, long end) {
    long anyByte(Random random) {
      return start + random.nextInt((int) (end - start));
    }
  }

  private void openOn(FaultyStorage storage, long segmentBytes) {
    disk = storage;
    log = EmbeddedLog.open(DATA, EmbeddedLog.Options.defaults().withStorage(storage).withSegmentBytes(segmentBytes));
  }

  private void restart() {
    restartOn(disk);
  }

  private void restartOn(FaultyStorage storage) {
    long segmentBytes = log.options().segmentBytes();
    log.close();
    log = null;
    openOn(storage, segmentBytes);
  }

  private FaultyStorage.HeldSyncs holdSyncs() {
    FaultyStorage.HeldSyncs syncs = disk.holdSyncs();
    held.add(syncs);
    return syncs;
  }

  /** A request with one event for each partition named, with ids except on every third event. */
  private static List<Event> request(String name, int... partitions) {
    List<Event> events = new ArrayList<>();
    for (int i = 0; i < partitions.length; i++) {
      String id = i % 3 == 2 ? null : name + "-" + i;
      events.add(event(KEY[partitions[i]], id, "{\"request\":\"" + name + "\",\"i\":" + i + "}"));
    }
    return events;
  }

  private AppendResult append(List<Event> request) throws Exception {
    return log.append(STREAM, request).get(10, TimeUnit.SECONDS);
  }

  private Written appendLocated(List<Event> request) throws Exception {
    TreeMap<String, Long> before = segmentSizes();
    append(request);
    TreeMap<String, Long> after = segmentSizes();
    for (var entry : after.entrySet()) {
      long was = before.getOrDefault(entry.getKey(), (long) SegmentHeader.sizeFor(PARTITIONS));
      if (entry.getValue() != was) {
        return new Written(STREAM_DIR.resolve(entry.getKey()), was, entry.getValue());
      }
    }
    throw new AssertionError("the append changed no segment");
  }

  private TreeMap<String, Long> segmentSizes() throws IOException {
    TreeMap<String, Long> sizes = new TreeMap<>();
    for (String name : disk.list(STREAM_DIR)) {
      if (name.endsWith(LogFormat.SEGMENT_SUFFIX)) {
        sizes.put(name, disk.size(STREAM_DIR.resolve(name)));
      }
    }
    return sizes;
  }

  private ErrorCode appendFailure(List<Event> request) throws Exception {
    try {
      return failureOf(log.append(STREAM, request));
    } catch (LogException refusedAtOnce) {
      return refusedAtOnce.code();
    }
  }

  private static ErrorCode failureOf(CompletableFuture<AppendResult> future) throws Exception {
    try {
      AppendResult result = future.get(10, TimeUnit.SECONDS);
      throw new AssertionError("the append succeeded: " + result);
    } catch (ExecutionException e) {
      assertThat(e.getCause()).isInstanceOf(LogException.class);
      return ((LogException) e.getCause()).code();
    }
  }

  private long[] ends() {
    long[] ends = new long[PARTITIONS];
    for (int p = 0; p < PARTITIONS; p++) {
      ends[p] = log.endOffset(STREAM, p);
    }
    return ends;
  }

  private static List<Event> eventsIn(List<List<Event>> requests, int partition) {
    List<Event> events = new ArrayList<>();
    for (List<Event> request : requests) {
      for (Event e : request) {
        if (Partitioner.partition(e.key(), PARTITIONS) == partition) {
          events.add(e);
        }
      }
    }
    return events;
  }

  private static void assertHolds(List<Record> records, List<Event> events) {
    assertThat(records).as("records").hasSameSizeAs(events);
    for (int i = 0; i < events.size(); i++) {
      Record record = records.get(i);
      assertThat(record.offset()).isEqualTo(i);
      assertThat(Fixtures.holds(record, events.get(i))).as("%s holds %s", Fixtures.text(record), events.get(i)).isTrue();
    }
  }

  private void assertLogHolds(List<List<Event>> requests) {
    for (int p = 0; p < PARTITIONS; p++) {
      assertHolds(Fixtures.readAll(log, STREAM, p), eventsIn(requests, p));
      assertThat(log.endOffset(STREAM, p)).isEqualTo(eventsIn(requests, p).size());
    }
  }

  /**
   * Requests whose fate is unknown survive whole and in order, or not at all: returns how many of
   * them the log holds, after checking it holds exactly {@code acknowledged} and those.
   */
  private int unfinishedRequestsPresent(List<List<Event>> acknowledged, List<List<Event>> unfinished) {
    List<List<Record>> actual = new ArrayList<>();
    for (int p = 0; p < PARTITIONS; p++) {
      actual.add(Fixtures.readAll(log, STREAM, p));
    }
    for (int survivors = 0; survivors <= unfinished.size(); survivors++) {
      List<List<Event>> history = new ArrayList<>(acknowledged);
      history.addAll(unfinished.subList(0, survivors));
      if (holdsExactly(actual, history)) {
        return survivors;
      }
    }
    throw new AssertionError("the log holds neither the acknowledged requests nor them and some unfinished ones whole: "
        + actual.stream().flatMap(List::stream).map(Fixtures::text).toList());
  }

  private static boolean holdsExactly(List<List<Record>> actual, List<List<Event>> requests) {
    for (int p = 0; p < PARTITIONS; p++) {
      List<Event> events = eventsIn(requests, p);
      List<Record> records = actual.get(p);
      if (records.size() != events.size()) {
        return false;
      }
      for (int i = 0; i < events.size(); i++) {
        if (records.get(i).offset() != i || !Fixtures.holds(records.get(i), events.get(i))) {
          return false;
        }
      }
    }
    return true;
  }

  /** The request landed right after {@code before}, at dense offsets, and reads back. */
  private void assertLandsAtTheEnd(List<Event> request, AppendResult result, List<List<Event>> before) {
    long[] next = new long[PARTITIONS];
    for (int p = 0; p < PARTITIONS; p++) {
      next[p] = eventsIn(before, p).size();
    }
    for (int i = 0; i < request.size(); i++) {
      int p = Partitioner.partition(request.get(i).key(), PARTITIONS);
      assertThat(result.positions().get(i)).isEqualTo(new Position(p, next[p]++, false));
    }
    List<List<Event>> after = new ArrayList<>(before);
    after.add(request);
    assertLogHolds(after);
  }

  private static void assertNamesTheDamage(String message, int partition, long offset, Written at) {
    assertThat(message)
        .contains("'" + STREAM + "'")
        .contains("partition " + partition)
        .contains("offset " + offset)
        .contains(at.segment().getFileName().toString())
        .contains("byte " + at.start());
  }
}
