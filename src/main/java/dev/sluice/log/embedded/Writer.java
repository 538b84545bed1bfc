package dev.sluice.log.embedded;

import dev.sluice.log.AppendResult;
import dev.sluice.log.ErrorCode;
import dev.sluice.log.Ids;
import dev.sluice.log.LogException;
import dev.sluice.log.Position;
import dev.sluice.log.Token;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The write path (docs/log-format.md §8). A sequencer thread takes the requests queued, in arrival
 * order, decides duplicates, assigns offsets, encodes each request as one batch and appends it to its
 * stream's active segment. Under {@code --fsync always}, with segment files written by their sync
 * (direct writes), the sequencer then syncs the round itself and acknowledges its requests in order:
 * what arrives meanwhile queues and shares the next round (group commit). Otherwise it hands the
 * round to a syncer thread, which fsyncs every file written since its last fsync and then
 * acknowledges, while the sequencer goes on writing.
 */
final class Writer {
  private static final Logger LOG = LoggerFactory.getLogger(Writer.class);

  /** Requests the sequencer takes at once: bounds a round of group commit. */
  private static final int GROUP_MAX = 1024;

  private static final long SUBMIT_WAIT_MS = 30_000;

  private final EmbeddedLog.Options options;
  private final MeterRegistry meters;
  private final BlockingQueue<Pending> queue;
  private final BlockingQueue<List<Pending>> written = new LinkedBlockingQueue<>();
  /** Segments the sequencer syncs itself ({@link #syncHere}); touched by the sequencer alone. */
  private final Set<Segment> syncedHere = Collections.newSetFromMap(new IdentityHashMap<>());
  /** Groups put on {@link #written} that the syncer has not answered yet. */
  private final AtomicInteger handedOff = new AtomicInteger();
  private final BatchWriter batch = new BatchWriter();
  private final ContentArrays contentArrays = new ContentArrays();
  private final Thread sequencer = new Thread(this::sequence, "sluice-log-sequencer");
  private final Thread syncer = new Thread(this::sync, "sluice-log-syncer");
  /** Writes the index files of sealed segments, so that a roll does not hold up appends. */
  private final ExecutorService sealer = Executors.newSingleThreadExecutor(task -> {
    Thread t = new Thread(task, "sluice-log-sealer");
    t.setDaemon(true);
    return t;
  });
  private volatile LogException failure;
  private volatile boolean closing;
  private final Timer fsyncs;
  private final Timer acknowledgements;
  private final Timer writes;
  private final Timer rolls;
  private final DistributionSummary groupSizes;
  /** The sequencer's counters of each stream; touched by the sequencer thread alone. */
  private final Map<String, StreamMeters> streamMeters = new HashMap<>();

  /** What the sequencer counts of one stream. */
  private record StreamMeters(Counter events, Counter duplicates, Counter bytes) {}

  /** One append request on its way through the writer. */
  private static final class Pending {
    final StreamLog stream;
    final String name;
    final EncodedEvents events;
    final CompletableFuture<AppendResult> future = new CompletableFuture<>();
    final long submittedNanos = System.nanoTime();
    LogException error;
    AppendResult result;
    int bytes;
    long[] ends;
    Segment segment;

    Pending(StreamLog stream, String name, EncodedEvents events) {
      this.stream = stream;
      this.name = name;
      this.events = events;
    }
  }

  Writer(EmbeddedLog.Options options) {
    this.options = options;
    this.queue = new ArrayBlockingQueue<>(options.queuedRequestsMax());
    MeterRegistry meters = options.meters();
    this.fsyncs = Timer.builder("sluice.log.fsync")
        .description("One sync of a segment file by the log's writer: its direct write, or its fsync")
        .publishPercentileHistogram()
        .register(meters);
    this.acknowledgements = Timer.builder("sluice.log.append.acknowledgement")
        .description("An append request from its arrival at the writer to its durable acknowledgement")
        .publishPercentileHistogram()
        .register(meters);
    this.writes = Timer.builder("sluice.log.append.written")
        .description("An append request from its arrival at the writer until its batch is in the segment (before the fsync)")
        .publishPercentileHistogram()
        .register(meters);
    this.rolls = Timer.builder("sluice.log.roll")
        .description("The writer's pause to seal a full segment and start the next")
        .publishPercentileHistogram()
        .register(meters);
    this.groupSizes = DistributionSummary.builder("sluice.log.group.requests")
        .description("Append requests acknowledged together after one round of fsyncs (group commit)")
        .register(meters);
    this.meters = meters;
    sequencer.setDaemon(true);
    syncer.setDaemon(true);
  }

  void start() {
    sequencer.start();
    syncer.start();
  }

  /** An array for an appending thread to lay out a request's contents in ({@link EncodedEvents}). */
  byte[] contentArray(int bytes) {
    return contentArrays.take(bytes);
  }

  CompletableFuture<AppendResult> submit(StreamLog stream, String name, EncodedEvents events) {
    LogException failed = failure;
    if (failed != null) {
      throw failed;
    }
    if (closing) {
      throw new LogException(ErrorCode.LOG_FAILED, "the log is closing");
    }
    Pending pending = new Pending(stream, name, events);
    try {
      if (!queue.offer(pending, SUBMIT_WAIT_MS, TimeUnit.MILLISECONDS)) {
        throw new LogException(ErrorCode.OVERLOADED, "the log's write queue stayed full for " + SUBMIT_WAIT_MS + " ms");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new LogException(ErrorCode.OVERLOADED, "interrupted while waiting to append");
    }
    return pending.future;
  }

  // ---- sequencer ----

  private void sequence() {
    List<Pending> group = new ArrayList<>();
    try {
      while (!(closing && queue.isEmpty())) {
        Pending first = queue.poll(50, TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        group.add(first);
        queue.drainTo(group, GROUP_MAX - 1);
        for (Pending pending : group) {
          place(pending);
          // The batch holds a copy of the contents now, written or refused.
          contentArrays.giveBack(pending.events.contents());
        }
        if (syncHere(group)) {
          finishRound(List.of(group), syncedHere, true);
        } else {
          handedOff.incrementAndGet();
          written.put(group);
        }
        group = new ArrayList<>();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException | Error e) {
      fail(new LogException(ErrorCode.LOG_FAILED, "the log writer stopped: " + e, e));
      group.forEach(p -> p.error = failure);
      if (!group.isEmpty()) {
        handedOff.incrementAndGet();
      }
      written.add(group);
    } finally {
      written.add(List.of());
    }
  }

  /** Decides duplicates, assigns offsets, writes the batch; on failure leaves the stream unchanged. */
  private void place(Pending r) {
    if (failure != null) {
      r.error = failure;
      return;
    }
    StreamLog s = r.stream;
    if (s.writeRefusal != null) {
      r.error = s.writeRefusal;
      return;
    }
    long now = options.clock().getAsLong();
    s.dedup.expire(now);
    long[] offsets = s.nextOffset.clone();
    // Chain hashes advance in place, so the request works on copies: a refused request leaves the
    // stream's as they were. A partition's is copied when the request first writes to it: a
    // request of a few events to a stream of many partitions copies only those it touches.
    byte[][] chains = s.chain.clone();
    PackedPositions positions = new PackedPositions(r.events.size());
    Map<String, Position> idsInRequest = null;
    int appended = 0;
    batch.begin(now);
    for (int i = 0; i < positions.size(); i++) {
      String id = r.events.id(i);
      if (id != null) {
        Position original = original(s, id, offsets, idsInRequest);
        if (original == INVALID) {
          r.error = new LogException(
              ErrorCode.INVALID_ID,
              "event " + (i + 1) + ": _id '" + id + "' has the form of a generated id ('@partition.offset') but names no event of '" + r.name + "'");
          return;
        }
        if (original != null) {
          positions.set(i, original.partition(), original.offset(), true);
          continue;
        }
      }
      int p = r.events.partition(i);
      if (chains[p] == s.chain[p]) {
        chains[p] = chains[p].clone();
      }
      long offset = offsets[p]++;
      batch.add(p, offset, r.events, i, chains[p]);
      positions.set(i, p, offset, false);
      if (id != null) {
        if (idsInRequest == null) {
          idsInRequest = new HashMap<>();
        }
        idsInRequest.put(id, new Position(p, offset, true));
      }
      appended++;
    }
    if (appended > 0 && !write(r, s, now, positions, offsets, chains, idsInRequest)) {
      return;
    }
    r.ends = offsets;
    r.result = new AppendResult(positions, appended, positions.size() - appended, Token.ofEnds(r.name, positions.ends(offsets.length)));
    StreamMeters counted = streamMeters.computeIfAbsent(r.name, this::streamMeters);
    counted.events().increment(appended);
    counted.duplicates().increment(positions.size() - appended);
    counted.bytes().increment(r.bytes);
  }

  private StreamMeters streamMeters(String stream) {
    return new StreamMeters(
        Counter.builder("sluice.log.appended.events").description("Events appended to a stream").tag("stream", stream).register(meters),
        Counter.builder("sluice.log.duplicate.events")
            .description("Events whose _id the stream already held, answered with their first position")
            .tag("stream", stream)
            .register(meters),
        Counter.builder("sluice.log.appended.bytes").description("Bytes of batches written to a stream's segments")
            .baseUnit("bytes").tag("stream", stream).register(meters));
  }

  private static final Position INVALID = new Position(-1, -1, true);

  private static Position original(StreamLog s, String id, long[] offsets, Map<String, Position> idsInRequest) {
    long[] generated = Ids.parseGenerated(id);
    if (generated != null) {
      int p = (int) generated[0];
      return p < offsets.length && generated[1] < offsets[p] ? new Position(p, generated[1], true) : INVALID;
    }
    if (Ids.isGeneratedForm(id)) {
      return INVALID;
    }
    if (idsInRequest != null) {
      Position inRequest = idsInRequest.get(id);
      if (inRequest != null) {
        return inRequest;
      }
    }
    long packed = s.dedup.lookup(id);
    return packed < 0 ? null : new Position(DedupIndex.partitionOf(packed), DedupIndex.offsetOf(packed), true);
  }

  private boolean write(
      Pending r, StreamLog s, long now, PackedPositions positions, long[] offsets, byte[][] chains, Map<String, Position> ids) {
    ByteBuffer bytes = batch.finish();
    int length = bytes.remaining();
    Segment segment = s.active();
    if (segment.size + length > options.segmentBytes() && segment.size > segment.header.size()) {
      long rollStarted = System.nanoTime();
      try {
        // Apart from the roll, so that a failed fsync is always fatal (see syncAll). The successor's
        // header must not reach the disk before this segment's tail, nor its name before this one's.
        segment.file.sync();
        syncFolderOfNew(segment);
      } catch (IOException e) {
        r.error = fail(new LogException(ErrorCode.LOG_FAILED, "fsync failed: " + e.getMessage() + "; restart Sluice to recover", e));
        return false;
      }
      try {
        StreamLog.Sealing sealing = s.roll(now);
        sealer.execute(() -> writeIndex(sealing));
        segment = s.active();
        rolls.record(System.nanoTime() - rollStarted, TimeUnit.NANOSECONDS);
      } catch (IOException e) {
        // A roll changes nothing in memory until its files are written, so a full disk fails only this request.
        r.error = noSpace(e)
            ? new LogException(ErrorCode.STORAGE_FULL, "no space left to start a segment of '" + r.name + "'; nothing was appended", e)
            : fail(new LogException(ErrorCode.LOG_FAILED, "sealing a segment of '" + r.name + "' failed: " + e.getMessage(), e));
        return false;
      }
    }
    long at = segment.size;
    try {
      segment.file.append(bytes);
    } catch (IOException e) {
      r.error = undoWrite(segment, at, r.name, e);
      return false;
    }
    segment.size = at + length;
    r.bytes = length;
    writes.record(System.nanoTime() - r.submittedNanos, TimeUnit.NANOSECONDS);
    segment.lastAppendTimeMs = Math.max(segment.lastAppendTimeMs, now);
    ActiveIndex index = (ActiveIndex) segment.index;
    for (int i = 0; i < positions.size(); i++) {
      if (!positions.duplicate(i)) {
        index.add(positions.partition(i), (int) at);
      }
    }
    System.arraycopy(offsets, 0, s.nextOffset, 0, offsets.length);
    System.arraycopy(chains, 0, s.chain, 0, chains.length);
    if (ids != null) {
      ids.forEach((id, position) -> s.dedup.add(id, position.partition(), position.offset(), now));
    }
    r.segment = segment;
    return true;
  }

  private static void writeIndex(StreamLog.Sealing sealing) {
    try {
      sealing.writeIndex();
    } catch (IOException | RuntimeException e) {
      // The index is derived from the segment: lookups stay in memory, and opening the log writes
      // the index again (docs/log-format.md §6 step 5).
      LOG.warn("writing the index of {} failed; it is rebuilt when the log next opens: {}", sealing.describe(), e.toString());
    }
  }

  /** Waits until the index files of the segments sealed so far are written (for tests). */
  void awaitSealed() throws Exception {
    sealer.submit(() -> {}).get(60, TimeUnit.SECONDS);
  }

  /** A failed append leaves no bytes behind; if even that fails, the log stops taking writes. */
  private LogException undoWrite(Segment segment, long at, String stream, IOException cause) {
    try {
      segment.file.truncate(at);
    } catch (IOException truncateFailed) {
      return fail(new LogException(
          ErrorCode.LOG_FAILED,
          "append to '" + stream + "' failed (" + cause.getMessage() + ") and could not be undone; restart Sluice",
          cause));
    }
    if (noSpace(cause)) {
      return new LogException(ErrorCode.STORAGE_FULL, "no space left to append to '" + stream + "'; nothing was appended", cause);
    }
    return new LogException(ErrorCode.LOG_FAILED, "append to '" + stream + "' failed: " + cause.getMessage() + "; nothing was appended", cause);
  }

  private static boolean noSpace(IOException e) {
    String message = String.valueOf(e.getMessage());
    return message.contains("No space left") || message.contains("Disk quota");
  }

  private LogException fail(LogException e) {
    if (failure == null) {
      failure = e;
    }
    return failure;
  }

  // ---- syncer ----

  private void sync() {
    boolean always = options.fsync() == EmbeddedLog.Fsync.ALWAYS;
    long intervalMs = options.fsyncInterval().toMillis();
    Set<Segment> dirty = Collections.newSetFromMap(new IdentityHashMap<>());
    long lastSync = System.nanoTime();
    List<List<Pending>> groups = new ArrayList<>();
    boolean done = false;
    while (!done) {
      groups.clear();
      try {
        List<Pending> first = always ? written.take() : written.poll(intervalMs, TimeUnit.MILLISECONDS);
        if (first != null) {
          groups.add(first);
          written.drainTo(groups);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        done = true;
      }
      for (List<Pending> group : groups) {
        if (group.isEmpty()) {
          done = true; // the sequencer's last word
        }
      }
      boolean sync = always || done || System.nanoTime() - lastSync >= intervalMs * 1_000_000;
      finishRound(groups, dirty, sync);
      if (sync) {
        lastSync = System.nanoTime();
      }
      handedOff.addAndGet(-(int) groups.stream().filter(g -> !g.isEmpty()).count());
    }
  }

  /**
   * Whether the sequencer makes this group durable and answers it itself, rather than hand it to
   * the syncer: under {@code --fsync always}, when every file it wrote is written by its sync
   * ({@link Storage.StorageFile#writesOnSync}), and the syncer has nothing in hand — so that
   * requests are answered in the order they were written. The sync is then one direct write, and a
   * hand-off to another thread would cost more than it overlaps (docs/log-format.md §8).
   */
  private boolean syncHere(List<Pending> group) {
    if (options.fsync() != EmbeddedLog.Fsync.ALWAYS || handedOff.get() > 0) {
      return false;
    }
    for (Pending r : group) {
      if (r.segment != null && !r.segment.file.writesOnSync()) {
        return false;
      }
    }
    return true;
  }

  /**
   * Ends a round of group commit: adds the segments the groups wrote to {@code dirty}, fsyncs them
   * when {@code sync}, and answers every request of the groups.
   */
  private void finishRound(List<List<Pending>> groups, Set<Segment> dirty, boolean sync) {
    for (List<Pending> group : groups) {
      for (Pending r : group) {
        if (r.error == null && r.segment != null) {
          dirty.add(r.segment);
        }
      }
    }
    if (sync) {
      syncAll(dirty);
    }
    // After a failure nothing more is acknowledged, even what was written before it: once an
    // fsync failed, a later one that succeeds says nothing of the bytes whose writeback failed.
    LogException failed = failure;
    if (failed != null) {
      for (List<Pending> group : groups) {
        group.forEach(r -> r.error = r.error == null ? failed : r.error);
      }
    }
    // The round is counted before anyone hears back, so that whoever sees an acknowledgement also
    // sees the round that made it in the meters.
    int requests = 0;
    for (List<Pending> group : groups) {
      requests += group.size();
    }
    if (requests > 0) {
      groupSizes.record(requests);
    }
    for (List<Pending> group : groups) {
      group.forEach(this::acknowledge);
    }
  }

  private void syncAll(Set<Segment> dirty) {
    for (Segment segment : dirty) {
      long started = System.nanoTime();
      try {
        segment.file.sync();
        fsyncs.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
        syncFolderOfNew(segment);
      } catch (IOException e) {
        // After a failed fsync the page cache cannot be trusted: stop writing; recovery at restart decides.
        fail(new LogException(ErrorCode.LOG_FAILED, "fsync failed: " + e.getMessage() + "; restart Sluice to recover", e));
      }
    }
    dirty.clear();
  }

  /** A segment a roll started: its name is made durable too, once its header is (§1). */
  private void syncFolderOfNew(Segment segment) throws IOException {
    if (segment.folderUnsynced) {
      options.storage().syncDirectory(segment.path.getParent());
      segment.folderUnsynced = false;
    }
  }

  private void acknowledge(Pending r) {
    if (r.error != null) {
      r.future.completeExceptionally(r.error);
      return;
    }
    acknowledgements.record(System.nanoTime() - r.submittedNanos, TimeUnit.NANOSECONDS);
    long[] ends = r.ends;
    for (int p = 0; p < ends.length; p++) {
      r.stream.publishDurable(p, ends[p]);
    }
    r.future.complete(r.result);
  }

  void close() {
    closing = true;
    try {
      sequencer.join(60_000);
      syncer.join(60_000);
      sealer.shutdown();
      sealer.awaitTermination(60, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    LogException closed = new LogException(ErrorCode.LOG_FAILED, "the log closed");
    for (Pending left; (left = queue.poll()) != null; ) {
      left.future.completeExceptionally(closed);
    }
  }
}
