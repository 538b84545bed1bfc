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
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The write path: group commit led by whoever waits (docs/log-format.md §8).
 *
 * <p>A request joins a queue. One thread at a time is the <em>leader</em>: it takes every queued
 * request (a group), decides duplicates, assigns offsets, encodes each request as one batch and
 * appends it to its stream's active segment. While an fsync is in flight it keeps the lead and
 * writes what queues meanwhile; when that fsync ends it takes the sync turn and gives up the lead,
 * so requests arriving during its own fsync are written by their threads. The sync turn takes every
 * group written so far, fsyncs the files they wrote once, makes them readable and only then
 * acknowledges them. A request waits for at most the fsync in flight and its own.
 *
 * <p>The leader is normally a thread that waits on a request's future ({@link Pending#get},
 * {@link Pending#join}): a thread that appends and waits while nobody leads does all of it itself,
 * with no hand-off to another thread. One that finds a leader at work parks until its request is
 * acknowledged, or until it is woken to lead the requests that queued meanwhile: a leader giving up
 * the lead wakes the thread waiting on the first queued request. A committer thread leads only for
 * requests nobody waits on (a caller that chains callbacks instead of waiting), after a short
 * grace, and in {@code --fsync interval} mode fsyncs what was written every interval.
 *
 * <p>The lead ({@link #leading}) guards the streams' writer-owned state, the batch encoder and the
 * meters of streams; the sync turn ({@link #syncTurn}) orders fsyncs and publication, so requests
 * become readable in queue order. Futures are completed, and readers woken, outside both.
 */
final class Writer {
  /** Requests a leader takes at once; bounds one round of write and fsync. */
  private static final int GROUP_MAX = 1024;

  private static final long SUBMIT_WAIT_MS = 30_000;

  /** How long the committer leaves a queued request for its own thread to lead. */
  private static final long GRACE_NANOS = 200_000;

  /** The longest sleep of a waiting thread or of the committer between checks. */
  private static final long PARK_MAX_NANOS = 50_000_000;

  /**
   * While appends arrive (one seen within {@link #BUSY_NANOS}), the committer looks at the queue
   * this often instead of being woken by each request; when they stop, a new request wakes it.
   */
  private static final long BUSY_PARK_NANOS = 1_000_000;

  private static final long BUSY_NANOS = 1_000_000_000;

  /** The longest sleep of a group's writer waiting for another thread's fsync to end. */
  private static final long SYNC_PARK_MAX_NANOS = 5_000_000;

  private final EmbeddedLog.Options options;
  private final boolean always;
  private final MeterRegistry meters;
  private final BlockingQueue<Pending> queue;
  /** Held by the thread that writes the next group; see the class comment. */
  private final AtomicBoolean leading = new AtomicBoolean();
  /** Groups written and not yet synced, in the order they were written. */
  private final java.util.Queue<Group> written = new java.util.concurrent.ConcurrentLinkedQueue<>();
  /** Held by the thread fsyncing and publishing the groups written so far. */
  private final ReentrantLock syncTurn = new ReentrantLock();
  private final BatchWriter batch = new BatchWriter();
  private final Thread committer = new Thread(this::commit, "sluice-log-committer");
  /** Set while the committer sleeps with nothing queued: a new request wakes it. */
  private volatile boolean committerIdle;
  /** Files written and not yet fsynced ({@code --fsync interval} mode). */
  private final Set<Storage.StorageFile> unsynced = ConcurrentHashMap.newKeySet();
  private volatile LogException failure;
  private volatile boolean closing;
  private volatile boolean closed;
  private final Timer fsyncs;
  private final Timer acknowledgements;
  private final Timer writes;
  private final DistributionSummary groupSizes;
  /** The counters of each stream; touched by the leader alone. */
  private final Map<String, StreamMeters> streamMeters = new HashMap<>();

  /** What the leader counts of one stream. */
  private record StreamMeters(Counter events, Counter duplicates, Counter bytes) {}

  /**
   * One append request on its way through the writer, and its caller's future. Waiting on it
   * ({@link #get}, {@link #join}) leads the group commit when nobody else does.
   */
  final class Pending extends CompletableFuture<AppendResult> {
    final StreamLog stream;
    final String name;
    final List<EncodedEvent> events;
    final long submittedNanos = System.nanoTime();
    /** The thread waiting on this request, woken when it is acknowledged or may take the lead. */
    volatile Thread waiter;
    /** Set once a leader has taken the request from the queue: its thread need not lead for it. */
    volatile boolean taken;

    LogException error;
    AppendResult result;
    int bytes;
    long[] ends;
    Segment segment;

    Pending(StreamLog stream, String name, List<EncodedEvent> events) {
      this.stream = stream;
      this.name = name;
      this.events = events;
    }

    @Override
    public AppendResult get() throws InterruptedException, ExecutionException {
      if (!help(Long.MAX_VALUE, true)) {
        throw new InterruptedException();
      }
      return super.get();
    }

    @Override
    public AppendResult get(long timeout, TimeUnit unit) throws InterruptedException, ExecutionException, TimeoutException {
      long nanos = unit.toNanos(timeout);
      if (!help(nanos >= Long.MAX_VALUE / 4 ? Long.MAX_VALUE : System.nanoTime() + nanos, true)) {
        throw new InterruptedException();
      }
      return isDone() ? super.get() : super.get(0, TimeUnit.NANOSECONDS);
    }

    @Override
    public AppendResult join() {
      help(Long.MAX_VALUE, false);
      return super.join();
    }

    /**
     * Until this request is acknowledged or {@code deadline} (of System.nanoTime) passes: leads when
     * nobody does, else parks until woken. False when interrupted and {@code interruptible}.
     */
    private boolean help(long deadline, boolean interruptible) {
      if (isDone()) {
        return true;
      }
      boolean interrupted = false;
      waiter = Thread.currentThread();
      try {
        while (!isDone()) {
          if (!taken && !leading.get() && leading.compareAndSet(false, true)) {
            round();
            continue;
          }
          long now = System.nanoTime();
          if (deadline != Long.MAX_VALUE && now - deadline >= 0) {
            return true;
          }
          LockSupport.parkNanos(this, deadline == Long.MAX_VALUE ? PARK_MAX_NANOS : Math.min(PARK_MAX_NANOS, deadline - now));
          if (Thread.interrupted()) {
            if (interruptible) {
              return false;
            }
            interrupted = true;
          }
        }
        return true;
      } finally {
        waiter = null;
        if (interrupted) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }

  Writer(EmbeddedLog.Options options) {
    this.options = options;
    this.always = options.fsync() == EmbeddedLog.Fsync.ALWAYS;
    this.queue = new ArrayBlockingQueue<>(options.queuedRequestsMax());
    MeterRegistry meters = options.meters();
    this.fsyncs = Timer.builder("sluice.log.fsync")
        .description("One fsync of a segment file by the log's writer")
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
    this.groupSizes = DistributionSummary.builder("sluice.log.group.requests")
        .description("Append requests acknowledged together after one round of fsyncs (group commit)")
        .register(meters);
    this.meters = meters;
    committer.setDaemon(true);
  }

  void start() {
    committer.start();
  }

  CompletableFuture<AppendResult> submit(StreamLog stream, String name, List<EncodedEvent> events) {
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
    if (closed && queue.remove(pending)) {
      pending.completeExceptionally(new LogException(ErrorCode.LOG_FAILED, "the log closed"));
    } else if (committerIdle && !leading.get()) {
      // For a caller that will not wait on the future; one that does leads before the grace ends.
      LockSupport.unpark(committer);
    }
    return pending;
  }

  // ---- leading ----

  /**
   * Gives up the lead and wakes the thread waiting on the first queued request (else the committer)
   * to take it. A request queued while the lead was held is in the queue before its thread tried
   * to lead, so this sees it: no request is left with nobody to lead it.
   */
  private void release() {
    leading.set(false);
    Pending next = queue.peek();
    if (next != null) {
      Thread waiting = next.waiter;
      LockSupport.unpark(waiting != null ? waiting : committer);
    }
  }

  /** Requests written together by one leader, and that leader, which waits until they are synced. */
  private static final class Group {
    final List<Pending> requests;
    final Thread writer;
    volatile boolean synced;

    Group(List<Pending> requests, Thread writer) {
      this.requests = requests;
      this.writer = writer;
    }
  }

  /**
   * Called holding the lead: writes what is queued, and keeps the lead, writing what queues
   * meanwhile, until it gets the sync turn (the fsync in flight has ended). Then it gives up the
   * lead, so requests arriving during its fsync are written by their own threads, and fsyncs,
   * publishes and acknowledges every group written so far. A request thus waits for at most the
   * fsync in flight and its own, and no thread has to be woken to write it.
   */
  private void round() {
    boolean turn = false;
    try {
      while (true) {
        boolean wrote = writeQueued();
        if (syncTurn.tryLock()) {
          turn = true;
          writeQueued(); // what queued while this thread waited for the turn
          break;
        }
        if (!wrote && written.isEmpty()) {
          return; // nothing written and nothing to sync: the lead is free again
        }
        // Woken by the thread syncing now when it is done (the writer of the first written group).
        LockSupport.parkNanos(this, SYNC_PARK_MAX_NANOS);
      }
    } finally {
      release();
    }
    syncWrittenGroups();
  }

  /** Takes what is queued and writes it as one group for the sync stage; false when nothing was queued. */
  private boolean writeQueued() {
    List<Pending> requests = new ArrayList<>(Math.min(GROUP_MAX, Math.max(16, queue.size())));
    queue.drainTo(requests, GROUP_MAX);
    if (requests.isEmpty()) {
      return false;
    }
    for (Pending r : requests) {
      r.taken = true;
    }
    if (closed) {
      LogException closedError = new LogException(ErrorCode.LOG_FAILED, "the log closed");
      requests.forEach(r -> r.error = closedError);
    } else {
      try {
        for (Pending pending : requests) {
          place(pending);
        }
      } catch (RuntimeException | Error e) {
        fail(new LogException(ErrorCode.LOG_FAILED, "the log writer stopped: " + e, e));
      }
    }
    written.add(new Group(requests, Thread.currentThread()));
    return true;
  }

  /**
   * The sync stage, called holding {@link #syncTurn}, which it releases: takes every group written
   * so far, fsyncs each file they wrote once, decides each request and publishes the durable ones
   * to readers in queue order; then completes the futures and wakes the writer of the next group.
   */
  private void syncWrittenGroups() {
    List<Group> groups = new ArrayList<>(4);
    List<CompletableFuture<Void>> readers = new ArrayList<>();
    try {
      for (Group g; (g = written.poll()) != null; ) {
        groups.add(g);
      }
      if (groups.isEmpty()) {
        return;
      }
      if (always) {
        syncWritten(groups);
      } else {
        for (Group g : groups) {
          for (Pending r : g.requests) {
            if (r.error == null && r.segment != null) {
              unsynced.add(r.segment.file);
            }
          }
        }
      }
      // After a failure nothing more is acknowledged, even what was written before it: once an
      // fsync failed, a later one that succeeds says nothing of the bytes whose writeback failed.
      LogException failed = failure;
      int requests = 0;
      for (Group g : groups) {
        for (Pending r : g.requests) {
          if (failed != null && r.error == null) {
            r.error = failed;
          }
          publish(r, readers);
        }
        requests += g.requests.size();
      }
      groupSizes.record(requests);
      groups.forEach(g -> g.synced = true);
    } finally {
      syncTurn.unlock();
    }
    readers.forEach(f -> f.complete(null));
    for (Group g : groups) {
      finish(g.requests);
      if (g.writer != Thread.currentThread()) {
        LockSupport.unpark(g.writer);
      }
    }
    Group next = written.peek();
    if (next != null) {
      LockSupport.unpark(next.writer);
    }
  }

  /** Completes each request's future and wakes its waiting thread. */
  private static void finish(List<Pending> group) {
    for (Pending r : group) {
      if (r.error != null) {
        r.completeExceptionally(r.error);
      } else {
        r.complete(r.result);
      }
      Thread waiting = r.waiter;
      if (waiting != null && waiting != Thread.currentThread()) {
        LockSupport.unpark(waiting);
      }
    }
  }

  /** Fsyncs each file the group wrote, once. */
  private void syncWritten(List<Group> groups) {
    List<Storage.StorageFile> files = new ArrayList<>(2);
    for (Group g : groups) {
      for (Pending r : g.requests) {
        if (r.error == null && r.segment != null && !containsSame(files, r.segment.file)) {
          files.add(r.segment.file);
        }
      }
    }
    for (Storage.StorageFile file : files) {
      sync(file);
    }
  }

  private static boolean containsSame(List<Storage.StorageFile> files, Storage.StorageFile file) {
    for (Storage.StorageFile f : files) {
      if (f == file) {
        return true;
      }
    }
    return false;
  }

  // ---- the committer ----

  /**
   * Leads for requests nobody waits on, once they have waited {@link #GRACE_NANOS}; in interval
   * mode fsyncs what was written every interval. Ends when the log closes and nothing is queued.
   */
  private void commit() {
    long intervalNanos = options.fsyncInterval().toNanos();
    long lastSync = System.nanoTime();
    long lastBusy = System.nanoTime() - BUSY_NANOS;
    while (true) {
      if (!always && System.nanoTime() - lastSync >= intervalNanos) {
        syncUnsynced();
        lastSync = System.nanoTime();
      }
      long sleep = always ? PARK_MAX_NANOS : Math.max(1, Math.min(PARK_MAX_NANOS, lastSync + intervalNanos - System.nanoTime()));
      Pending head = queue.peek();
      if (head == null) {
        if (closing && !leading.get() && queue.isEmpty()) {
          return;
        }
        if (System.nanoTime() - lastBusy < BUSY_NANOS) {
          // Appends come often: look again soon rather than be woken by every one of them.
          LockSupport.parkNanos(this, Math.min(sleep, BUSY_PARK_NANOS));
          continue;
        }
        committerIdle = true;
        if (queue.isEmpty() && !closing) {
          LockSupport.parkNanos(this, sleep);
        }
        committerIdle = false;
        continue;
      }
      lastBusy = System.nanoTime();
      long age = System.nanoTime() - head.submittedNanos;
      if (head.waiter == null && age < GRACE_NANOS && !closing) {
        LockSupport.parkNanos(this, GRACE_NANOS - age);
        continue;
      }
      if (head.waiter == null && !leading.get() && leading.compareAndSet(false, true)) {
        round();
        continue;
      }
      // Someone leads, or the request's own thread is about to: release() wakes this if needed.
      LockSupport.parkNanos(this, sleep);
    }
  }

  /** Interval mode: fsyncs every file written since the last time. */
  private void syncUnsynced() {
    for (Storage.StorageFile file : unsynced) {
      unsynced.remove(file);
      sync(file);
    }
  }

  // ---- placing a request ----

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
    byte[][] chains = s.chain.clone();
    Position[] positions = new Position[r.events.size()];
    Map<String, Position> idsInRequest = null;
    int appended = 0;
    batch.begin(now);
    for (int i = 0; i < positions.length; i++) {
      EncodedEvent e = r.events.get(i);
      String id = e.id();
      if (id != null) {
        Position original = original(s, id, offsets, idsInRequest);
        if (original == INVALID) {
          r.error = new LogException(
              ErrorCode.INVALID_ID,
              "event " + (i + 1) + ": _id '" + id + "' has the form of a generated id ('@partition.offset') but names no event of '" + r.name + "'");
          return;
        }
        if (original != null) {
          positions[i] = original;
          continue;
        }
      }
      int p = e.partition();
      long offset = offsets[p]++;
      chains[p] = batch.add(p, offset, e, chains[p]);
      positions[i] = new Position(p, offset, false);
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
    long[] tokenEnds = new long[offsets.length];
    for (Position position : positions) {
      tokenEnds[position.partition()] = Math.max(tokenEnds[position.partition()], position.offset() + 1);
    }
    r.result = new AppendResult(Arrays.asList(positions), appended, positions.length - appended, Token.ofEnds(r.name, tokenEnds));
    StreamMeters counted = streamMeters.computeIfAbsent(r.name, this::streamMeters);
    counted.events().increment(appended);
    counted.duplicates().increment(positions.length - appended);
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
      Pending r, StreamLog s, long now, Position[] positions, long[] offsets, byte[][] chains, Map<String, Position> ids) {
    ByteBuffer bytes = batch.finish();
    int length = bytes.remaining();
    Segment segment = s.active();
    if (segment.size + length > options.segmentBytes() && segment.size > segment.header.size()) {
      try {
        // Apart from the roll, so that a failed fsync is always fatal (see syncAll).
        segment.file.sync();
      } catch (IOException e) {
        r.error = fail(new LogException(ErrorCode.LOG_FAILED, "fsync failed: " + e.getMessage() + "; restart Sluice to recover", e));
        return false;
      }
      try {
        s.roll(now);
        segment = s.active();
      } catch (IOException e) {
        // A roll changes nothing in memory until its files are durable, so a full disk fails only this request.
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
    for (Position position : positions) {
      if (!position.duplicate()) {
        index.add(position.partition(), (int) at);
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

  private void sync(Storage.StorageFile file) {
    long started = System.nanoTime();
    try {
      file.sync();
      fsyncs.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
    } catch (IOException e) {
      // After a failed fsync the page cache cannot be trusted: stop writing; recovery at restart decides.
      fail(new LogException(ErrorCode.LOG_FAILED, "fsync failed: " + e.getMessage() + "; restart Sluice to recover", e));
    }
  }

  /**
   * Decides the request: durable ones become readable at once; their waiting readers go to
   * {@code readers}, and {@link #finish} tells the caller.
   */
  private void publish(Pending r, List<CompletableFuture<Void>> readers) {
    if (r.error == null) {
      acknowledgements.record(System.nanoTime() - r.submittedNanos, TimeUnit.NANOSECONDS);
      long[] ends = r.ends;
      for (int p = 0; p < ends.length; p++) {
        CompletableFuture<Void> waiting = r.stream.publishDurable(p, ends[p]);
        if (waiting != null) {
          readers.add(waiting);
        }
      }
    }
  }

  /**
   * Stops taking requests, lets the queued ones be written and acknowledged, fsyncs what interval
   * mode left unsynced, and keeps the lead for good so that nothing is written after.
   */
  void close() {
    closing = true;
    LockSupport.unpark(committer);
    try {
      committer.join(60_000);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (!leading.compareAndSet(false, true) && System.nanoTime() < deadline) {
        Thread.sleep(1);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    closed = true;
    // Groups written but not synced yet (their writers are about to): synced here, or by them.
    syncTurn.lock();
    syncWrittenGroups();
    if (!always) {
      syncUnsynced();
    }
    LogException closedError = new LogException(ErrorCode.LOG_FAILED, "the log closed");
    for (Pending left; (left = queue.poll()) != null; ) {
      left.completeExceptionally(closedError);
      Thread waiting = left.waiter;
      if (waiting != null) {
        LockSupport.unpark(waiting);
      }
    }
  }
}
