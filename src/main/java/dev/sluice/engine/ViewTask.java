package dev.sluice.engine;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.log.EventLog;
import dev.sluice.log.Record;
import dev.sluice.log.RecordView;
import dev.sluice.operators.Applied;
import dev.sluice.operators.Dataflow;
import dev.sluice.operators.DeadLetter;
import dev.sluice.operators.InPlace;
import dev.sluice.operators.Input;
import dev.sluice.operators.RowKey;
import dev.sluice.operators.ViewChange;
import dev.sluice.stores.Batch;
import dev.sluice.stores.Space;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * Runs one view version on its own thread: reads each input partition from the position its state
 * reflects, applies the dataflow, and commits rows, state and positions together. The same loop
 * backfills history and follows the live log.
 */
final class ViewTask implements Runnable {
  private static final ObjectMapper JSON = new ObjectMapper();
  /**
   * Records read from one partition at a time. Crash tests lower it ({@code
   * -Dsluice.view.read-records}) so that their small backfills span commits of many passes.
   */
  private static final int READ_RECORDS_MAX = Integer.getInteger("sluice.view.read-records", 1000);
  /**
   * Records past the commit's reads that make it read on before committing: far behind. Crash tests
   * lower it ({@code -Dsluice.view.behind-records}).
   */
  static final long BEHIND_RECORDS = Long.getLong("sluice.view.behind-records", 10_000);
  /**
   * Records per commit at most: bounds the commit's memory (its batch, folded changes and lineage,
   * about 15 bytes a record that changed a key). A commit's cost is mostly per changed key, so a backfill of groups
   * spends less the more records share it: with 100,000 groups one commit took about a second of
   * the view's thread, a third of its time at four million records a commit.
   */
  static final int COMMIT_RECORDS_MAX = 8_000_000;
  /** Writes pending in a commit's batch at most (dead letters and their expiry, say). */
  static final int COMMIT_WRITES_MAX = 500_000;
  /**
   * Keys changed per commit at most: a view of events rather than groups changes a row per event,
   * and each changed key holds its rows and changelog entry in memory until the commit.
   */
  static final int COMMIT_KEYS_MAX = 200_000;
  /** How long one commit reads at most, so a backlog still publishes progress often. */
  private static final long COMMIT_NANOS_MAX = TimeUnit.MILLISECONDS.toNanos(10_000);
  /**
   * Whether records are applied in place where the dataflow can ({@link Dataflow#inPlace}); off
   * ({@code -Dsluice.view.in-place=false}) every record is built and applied as an input, which
   * benchmarks compare against.
   */
  private static final boolean IN_PLACE = !"false".equals(System.getProperty("sluice.view.in-place"));
  /**
   * Records behind the log at least for a view applied in place to read ahead on a second thread
   * ({@link ReadAhead}); a negative value ({@code -Dsluice.view.read-ahead-records=-1}) never does.
   * Read when a task is made, so that tests can lower it.
   */
  private final long readAheadRecords = Long.getLong("sluice.view.read-ahead-records", 100_000);
  /** Reads a read-ahead keeps ready or in use at most: bounds its memory and how far ahead it gets. */
  private static final int READ_AHEAD_READS = 8;
  /** Dead letters kept per view version: the newest; older ones are counted, not kept. */
  static final int DEAD_LETTERS_KEPT = 10_000;
  /** How long an idle view waits for new records before checking whether it should stop. */
  private static final long IDLE_WAIT_MS = 200;
  /** How often a view busy with a backlog publishes its digest: each costs a token's encoding. */
  private static final long CHECKPOINT_INTERVAL_MS = 1_000;

  final ViewDefinition definition;
  final Space space;
  private final EventLog log;
  private final SharedReads reads;
  private final Dataflow dataflow;
  private final DerivedEvents derived;
  private final Runnable onCaughtUp;
  private final Thread thread;
  /** What the dataflow's changes become: rows, index entries or search documents. */
  final RowSink sink;
  /** Which input partitions this instance processes for the view now (all, on one instance). */
  private final Assignment assignment;

  Assignment assignment() {
    return assignment;
  }

  /** The input partitions a view's task reads: asked before every read, since ownership moves. */
  interface Assignment {
    Assignment ALL = (source, partition) -> true;

    boolean assigned(String source, int partition);
  }

  /** Source → next offset per partition; what the committed state reflects. */
  private final Map<String, long[]> positions = new ConcurrentHashMap<>();
  private final Object progressed = new Object();

  private volatile boolean running = true;
  /** Completed by {@link #stop}: wakes the thread from its wait for records. */
  private final CompletableFuture<Void> stopped = new CompletableFuture<>();
  volatile ViewState phase = ViewState.BUILDING;
  volatile String error;
  private volatile long rows;
  /**
   * A divided view on a cluster: its rows per partition of its source (the rows whose key no
   * partition makes are in none), so that {@code /views} counts only the partitions this instance
   * owns now, not the stale ones it owned before a handover. Null otherwise.
   */
  private final Placement.Divided divided;
  private final long[] partitionRows;
  private volatile long deadLetters;
  private volatile String lastDeadLetter;
  private volatile long lateEvents;
  private volatile long eventsProcessed;
  private volatile long buildTotal = -1;
  /** Inputs read into the commit being built: a backfill's progress shows them before they commit. */
  private volatile long uncommitted;
  private volatile long lastCaughtUpMs;
  private final RateMeter rate = new RateMeter();
  private final RocksState state = new RocksState();
  private final ViewDigest digest = new ViewDigest();
  private final Lineage lineage = new Lineage();
  /** The digest last published for {@code /status}; null before the first (and for derived streams). */
  private volatile DigestCheckpoint checkpoint;
  private long checkpointMs;
  /** Commits since the last checkpoint was published. */
  private boolean checkpointBehind;

  /** Per source, how the dataflow applies its records in place; no entry: as inputs, one by one. */
  private final Map<String, InPlace> inPlaceBySource = new HashMap<>();
  private final Reader reader = new Reader();
  /** The backlog's second thread, made when first needed; null for views that cannot read ahead. */
  private ReadAhead readAhead;

  /** The view's changes for subscribers; null for a derived stream, whose changes are its events. */
  final Changelog changelog;
  private long batchTimeMs;

  ViewTask(ViewDefinition definition, Space space, EventLog log, SharedReads reads, Dataflow dataflow,
      ChangelogRetention retention, Runnable onCaughtUp, RowSink sink, Assignment assignment) {
    this.sink = sink;
    this.assignment = assignment;
    this.definition = definition;
    this.space = space;
    this.log = log;
    this.reads = reads;
    this.dataflow = dataflow;
    this.derived = definition.derivedStream() ? new DerivedEvents(log, definition.name()) : null;
    this.onCaughtUp = onCaughtUp;
    this.changelog = definition.derivedStream() ? null : new Changelog(space, definition.version(), retention);
    if (derived == null) {
      // A view's changes are folded per commit: the dataflow may as well report them per commit.
      state.holdBack();
      if (IN_PLACE) {
        for (String source : dataflow.sources()) {
          InPlace way = dataflow.inPlace(source, state);
          if (way != null) {
            inPlaceBySource.put(source, way);
          }
        }
      }
    }
    this.divided = definition.derivedStream() || !(assignment instanceof Handover h) ? null : h.divided();
    this.partitionRows = divided == null ? null : new long[divided.partitions()];
    this.thread = new Thread(this, "sluice-view-" + definition.name() + "-v" + definition.version());
    this.thread.setDaemon(true);
  }

  /**
   * Loads the committed positions before the thread starts, so that a read with a token right after
   * {@code CREATE} already knows what the view has not yet seen.
   */
  void start() {
    try {
      load();
    } catch (RuntimeException e) {
      error = String.valueOf(e.getMessage());
      phase = ViewState.FAILED;
      return;
    }
    thread.start();
  }

  void stop() {
    running = false;
    sink.stopping();
    // Not Thread.interrupt: an interrupt that lands while the thread reads the log closes the
    // segment's FileChannel, and every other reader of that partition then fails.
    stopped.complete(null);
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (changelog != null) {
      changelog.close();
    }
    sink.close();
  }

  @Override
  public void run() {
    try {
      while (running) {
        if (!step()) {
          if (phase == ViewState.BUILDING) {
            phase = ViewState.LIVE;
            onCaughtUp.run();
          }
          lastCaughtUpMs = System.currentTimeMillis();
          publishCheckpoint(true);
          sink.committed(positions, changelogHead(), true);
          awaitRecords();
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      if (running) {
        error = String.valueOf(e.getMessage());
        phase = ViewState.FAILED;
      }
    } finally {
      if (readAhead != null) {
        readAhead.close();
      }
    }
    synchronized (progressed) {
      progressed.notifyAll();
    }
  }

  /** Reads positions and counters from the space; on fresh state, initializes the dataflow. */
  private void load() {
    for (String source : dataflow.sources()) {
      int partitions = log.stream(source).orElseThrow().partitions();
      long[] next = new long[partitions];
      for (int p = 0; p < partitions; p++) {
        byte[] stored = space.get(Keys.position(source, p));
        next[p] = stored == null ? 0 : Keys.longOf(stored);
      }
      positions.put(source, next);
    }
    if (changelog != null) {
      changelog.load();
    }
    sink.recover(space, positions, changelogHead());
    byte[] meta = space.get(Keys.META);
    if (meta == null) {
      try (Batch batch = space.batch()) {
        batchTimeMs = System.currentTimeMillis();
        Applied applied = dataflow.initialize(state.on(batch));
        if (derived == null) {
          write(batch, applied, null);
        }
        state.flush();
        batch.put(Keys.META, metaJson(eventsProcessed));
        if (changelog != null) {
          changelog.beforeCommit(batch, batchTimeMs);
        }
        batch.commit();
      }
      sink.batchCommitted();
      if (changelog != null) {
        changelog.committed();
      }
    } else {
      try {
        var node = JSON.readTree(meta);
        rows = node.path("rows").asLong();
        deadLetters = node.path("dead_letters").asLong();
        lastDeadLetter = node.path("last_dead_letter").isNull() ? null : node.path("last_dead_letter").asText(null);
        eventsProcessed = node.path("events").asLong();
        lateEvents = node.path("late_events").asLong();
        // State written before views kept a digest gets one from its rows.
        digest.set(node.hasNonNull("digest") ? ViewDigest.parse(node.get("digest").asText()) : ViewDigest.of(space));
        if (partitionRows != null) {
          loadPartitionRows(node.path(PARTITION_ROWS));
        }
      } catch (IOException e) {
        throw new IllegalStateException("the view's counters are unreadable: " + e.getMessage(), e);
      }
    }
    long total = 0;
    long done = 0;
    for (Map.Entry<String, long[]> e : positions.entrySet()) {
      for (int p = 0; p < e.getValue().length; p++) {
        total += log.endOffset(e.getKey(), p);
        done += e.getValue()[p];
      }
    }
    buildTotal = Math.max(total, done);
  }

  /** Meta's member of a divided view's rows per partition. */
  static final String PARTITION_ROWS = "partition_rows";

  /** A divided view's rows per partition: as committed, or (state written before they were kept) counted once. */
  private void loadPartitionRows(com.fasterxml.jackson.databind.JsonNode stored) {
    if (stored.isArray() && stored.size() == partitionRows.length) {
      for (int p = 0; p < partitionRows.length; p++) {
        partitionRows[p] = stored.get(p).asLong();
      }
      return;
    }
    space.scan(new byte[] {Keys.ROW}, new byte[] {Keys.ROW + 1}, (key, value) -> {
      countRow(RowKey.fromBytes(java.util.Arrays.copyOfRange(key, 1, key.length)), 1);
      return true;
    });
  }

  private void countRow(RowKey key, long delta) {
    int p = divided.partitionOf(key);
    if (p >= 0) {
      partitionRows[p] += delta;
    }
  }

  /**
   * The rows {@code /views} reports: all of them, or for a divided view on a cluster those of the
   * partitions this instance owns now (the others' stay in its state, stale, until it owns them again).
   */
  private long rowsShown() {
    if (partitionRows == null) {
      return rows;
    }
    Handover handover = (Handover) assignment;
    long shown = 0;
    synchronized (partitionRows) {
      for (int p = 0; p < partitionRows.length; p++) {
        if (handover.owns(divided.source(), p)) {
          shown += partitionRows[p];
        }
      }
    }
    return shown;
  }

  /** One commit's worth of input: false when no partition had anything new. */
  private boolean step() {
    if (derived != null) {
      return stepPerRead();
    }
    if (readAheadWanted()) {
      Boolean stepped = stepAhead();
      if (stepped != null) {
        return stepped;
      }
    }
    Commit commit = null;
    long startNanos = System.nanoTime();
    while (running) {
      boolean read = false;
      for (Map.Entry<String, long[]> e : positions.entrySet()) {
        String source = e.getKey();
        int[] sizes = readSizes(source, e.getValue().length, commit);
        for (int p = 0; p < e.getValue().length && running; p++) {
          if (!assignment.assigned(source, p) || sizes[p] == 0) {
            continue;
          }
          long from = commit == null ? e.getValue()[p] : commit.next(source, p);
          Commit into = read(commit, source, p, from, sizes[p]);
          if (into != null) {
            commit = into;
            read |= reader.count > 0;
          }
        }
      }
      // Far behind (a backfill, a burst): more passes into the same commit, so the commit's fixed
      // costs and each key's write are shared by many events; near the head, commit now.
      if (!read || commit.records >= COMMIT_RECORDS_MAX || System.nanoTime() - startNanos >= COMMIT_NANOS_MAX
          || commit.changed.size() + heldKeys() >= COMMIT_KEYS_MAX || commit.batch.count() >= COMMIT_WRITES_MAX
          || lagAfter(commit) < BEHIND_RECORDS) {
        break;
      }
    }
    if (commit == null) {
      return false;
    }
    finish(commit);
    return true;
  }

  /** A derived stream commits after each partition's read: its events are appended per commit. */
  private boolean stepPerRead() {
    boolean any = false;
    for (Map.Entry<String, long[]> e : positions.entrySet()) {
      String source = e.getKey();
      long[] next = e.getValue();
      for (int p = 0; p < next.length && running; p++) {
        if (!assignment.assigned(source, p)) {
          continue;
        }
        Commit commit = read(null, source, p, next[p], READ_RECORDS_MAX);
        if (commit == null) {
          continue;
        }
        any = true;
        finish(commit);
      }
    }
    return any;
  }

  /**
   * How many records to read from each of the source's partitions in one pass: in proportion to
   * what is left to read of each, so that partitions read side by side stay at about the same place
   * in the log, and the batches the log keeps from recent reads (each holds every partition's
   * records) serve them all. Read in equal counts, partitions of slightly unequal shares drift
   * apart: 25.3 % against 24.8 % of ten million events is 180,000 events apart by the end, far past
   * what the log keeps, and every batch is then read and checked once per partition. A partition
   * with anything left gets at least one record; one with nothing left, none.
   */
  private int[] readSizes(String source, int partitions, Commit commit) {
    long[] from = new long[partitions];
    for (int p = 0; p < partitions; p++) {
      from[p] = commit == null ? positions.get(source)[p] : commit.next(source, p);
    }
    return readSizes(source, from);
  }

  /** {@link #readSizes(String, int, Commit)} for a read of the source's partitions from {@code from}. */
  private int[] readSizes(String source, long[] from) {
    int partitions = from.length;
    long[] left = new long[partitions];
    long total = 0;
    int read = 0;
    for (int p = 0; p < partitions; p++) {
      if (assignment.assigned(source, p)) {
        left[p] = Math.max(0, log.endOffset(source, p) - from[p]);
        total += left[p];
        read++;
      }
    }
    int[] sizes = new int[partitions];
    for (int p = 0; p < partitions; p++) {
      long share = total == 0 ? 0 : (long) READ_RECORDS_MAX * read * left[p] / total;
      sizes[p] = left[p] == 0 ? 0 : (int) Math.max(1, Math.min(share, (long) READ_RECORDS_MAX * read));
    }
    return sizes;
  }

  /**
   * Whether this step reads from the read-ahead: one is running, or the view, applied in place from
   * its one source, is far enough behind for one to start.
   */
  private boolean readAheadWanted() {
    if (readAhead != null && readAhead.active) {
      return true;
    }
    if (readAheadRecords < 0 || positions.size() != 1 || inPlaceBySource.size() != 1) {
      return false;
    }
    String source = positions.keySet().iterator().next();
    InPlace way = inPlaceBySource.get(source);
    if (way == null || lagAfter(null) < Math.max(readAheadRecords, 1)) {
      return false;
    }
    if (readAhead == null) {
      InPlace.Ahead probe = way.ahead();
      if (probe == null) {
        return false;
      }
      readAhead = new ReadAhead(source, way, probe);
    }
    readAhead.begin(positions.get(source));
    return true;
  }

  /**
   * One commit's worth of input from the read-ahead: the same commit as {@link #step} builds,
   * with each read's records scanned on the read-ahead's thread and applied here, in the order the
   * partitions were read. Returns null, having committed nothing, when the read-ahead has ended (it
   * caught up, or its reads no longer follow the committed positions) and the step reads directly.
   */
  private Boolean stepAhead() {
    Commit commit = null;
    long startNanos = System.nanoTime();
    String source = readAhead.source;
    while (running) {
      Object item;
      try {
        item = readAhead.next();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
      if (item == null) {
        continue; // nothing ready yet: check running again
      }
      if (item == ReadAhead.END) {
        readAhead.active = false;
        break;
      }
      if (item == ReadAhead.PASS_END) {
        // Where step would decide, after each pass over the partitions: so the commits hold the
        // same reads, and each partition's records come in the same order among the others'.
        if (commit != null && (commit.records >= COMMIT_RECORDS_MAX || System.nanoTime() - startNanos >= COMMIT_NANOS_MAX
            || commit.changed.size() + heldKeys() >= COMMIT_KEYS_MAX || commit.batch.count() >= COMMIT_WRITES_MAX
            || lagAfter(commit) < BEHIND_RECORDS)) {
          break;
        }
        continue;
      }
      if (item instanceof RuntimeException failure) {
        readAhead.active = false;
        throw failure; // what the same read on this thread would have thrown, where it would have
      }
      InPlace.Ahead read = (InPlace.Ahead) item;
      int p = read.partition();
      long expected = commit == null ? positions.get(source)[p] : commit.next(source, p);
      if (!assignment.assigned(source, p) || read.from() != expected) {
        readAhead.recycle(read);
        readAhead.abandon();
        break;
      }
      if (commit == null) {
        commit = open();
      }
      reader.inPlaceDeadLetters.clear();
      // The read's lineage was encoded on the read-ahead's thread: here it is only copied.
      read.applyTo(reader.inPlaceDeadLetters);
      lineage.touched(source, p, readAhead.lineageOf(read));
      if (!reader.inPlaceDeadLetters.isEmpty()) {
        countDeadLetters(commit.batch, reader.inPlaceDeadLetters, false);
        reader.inPlaceDeadLetters.clear();
      }
      commit.records += read.count();
      uncommitted = commit.records;
      commit.advance(source, p, read.last() + 1);
      readAhead.recycle(read);
    }
    if (commit == null) {
      return readAhead.active ? Boolean.TRUE : null;
    }
    finish(commit);
    return Boolean.TRUE;
  }

  /**
   * A backlog read on two threads: this one reads the next records of the view's source from the
   * log (their batches read and verified, their fields scanned, conditions, groups and arguments
   * evaluated: {@link InPlace#ahead}) while the view's thread applies the ones read before and
   * commits, as {@link #step} would with the same records. The view's thread takes the reads in
   * order and checks that each starts where the commit stands, so the state, the positions and
   * their commits are what one thread makes. At most {@link #READ_AHEAD_READS} reads are in flight.
   * A run starts when the view is {@link #readAheadRecords} behind and ends when it is less than
   * {@link #BEHIND_RECORDS} behind: following the live log stays on the view's thread alone.
   */
  private final class ReadAhead implements Runnable {
    static final Object END = new Object();
    /** Follows the last read of a pass over the partitions (one that read anything). */
    static final Object PASS_END = new Object();
    final String source;
    final InPlace way;
    /** Reads the view's thread has not taken yet and PASS_END after each pass, then END; or what failed, then END. */
    private final LinkedBlockingQueue<Object> ready = new LinkedBlockingQueue<>();
    /** Holders of reads free for the next read. */
    private final ArrayBlockingQueue<InPlace.Ahead> free = new ArrayBlockingQueue<>(READ_AHEAD_READS);
    /** Per holder, the lineage of its read, encoded with the read; made with the holders, never changed. */
    private final Map<InPlace.Ahead, Lineage.Encoded> lineages = new java.util.IdentityHashMap<>();
    private final Semaphore go = new Semaphore(0);
    private final Thread thread;
    /** The view thread's: whether a run is on (from {@link #begin} until it took END). */
    boolean active;
    private volatile long[] start;
    private volatile boolean stopRun;
    private volatile boolean closed;

    ReadAhead(String source, InPlace way, InPlace.Ahead first) {
      this.source = source;
      this.way = way;
      free.add(first);
      for (int i = 1; i < READ_AHEAD_READS; i++) {
        free.add(way.ahead());
      }
      for (InPlace.Ahead holder : free) {
        lineages.put(holder, new Lineage.Encoded());
      }
      thread = new Thread(this, ViewTask.this.thread.getName() + "-read-ahead");
      thread.setDaemon(true);
      thread.start();
    }

    /** Starts a run from these positions (the committed ones). */
    void begin(long[] from) {
      start = from.clone();
      stopRun = false;
      active = true;
      go.release();
    }

    /** The next read, END or a failure; null when none came within a moment. */
    Object next() throws InterruptedException {
      return ready.poll(IDLE_WAIT_MS, TimeUnit.MILLISECONDS);
    }

    /** The lineage of {@code read}, encoded when it was read. */
    Lineage.Encoded lineageOf(InPlace.Ahead read) {
      return lineages.get(read);
    }

    void recycle(InPlace.Ahead read) {
      free.add(read);
    }

    /** Ends the run and drops what it read: from here the view's thread reads directly. */
    void abandon() {
      stopRun = true;
      while (active) {
        Object item;
        try {
          item = ready.poll(IDLE_WAIT_MS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
        if (item == END) {
          active = false;
        } else if (item instanceof InPlace.Ahead read) {
          recycle(read);
        }
      }
    }

    void close() {
      closed = true;
      stopRun = true;
      go.release();
      try {
        thread.join(10_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    @Override
    public void run() {
      while (!closed) {
        try {
          go.acquire();
        } catch (InterruptedException e) {
          return;
        }
        if (closed) {
          return;
        }
        try {
          readRun(start);
        } catch (RuntimeException e) {
          ready.add(e);
        } catch (InterruptedException e) {
          return;
        } finally {
          ready.add(END);
        }
      }
    }

    /** Reads pass after pass from {@code next} on, until caught up to within {@link #BEHIND_RECORDS}. */
    private void readRun(long[] next) throws InterruptedException {
      while (!stopRun) {
        int[] sizes = readSizes(source, next);
        long read = 0;
        for (int p = 0; p < next.length && !stopRun; p++) {
          if (sizes[p] == 0 || !assignment.assigned(source, p)) {
            continue;
          }
          InPlace.Ahead holder = null;
          while (holder == null && !stopRun) {
            holder = free.poll(IDLE_WAIT_MS, TimeUnit.MILLISECONDS);
          }
          if (holder == null) {
            return;
          }
          holder.start(source, p, next[p]);
          reads.visit(source, p, next[p], sizes[p], holder);
          if (holder.count() == 0) {
            free.add(holder);
            continue;
          }
          next[p] = holder.last() + 1;
          read += holder.count();
          lineages.get(holder).of(holder);
          ready.add(holder);
        }
        if (read > 0) {
          ready.add(PASS_END);
        }
        long lag = 0;
        for (int p = 0; p < next.length; p++) {
          if (assignment.assigned(source, p)) {
            lag += Math.max(0, log.endOffset(source, p) - next[p]);
          }
        }
        if (read == 0 || lag < BEHIND_RECORDS) {
          return;
        }
      }
    }
  }

  private int heldKeys() {
    return state.heldBack() == null ? 0 : state.heldBack().size();
  }

  /** Records in the log past what {@code commit} has read, over the partitions this task reads. */
  private long lagAfter(Commit commit) {
    long lag = 0;
    for (Map.Entry<String, long[]> e : positions.entrySet()) {
      for (int p = 0; p < e.getValue().length; p++) {
        if (assignment.assigned(e.getKey(), p)) {
          long next = commit == null ? e.getValue()[p] : commit.next(e.getKey(), p);
          lag += Math.max(0, log.endOffset(e.getKey(), p) - next);
        }
      }
    }
    return lag;
  }

  /**
   * A commit being built: its batch, the positions it reaches, and each changed key's row at the
   * commit's start and now. The changelog, the digest and the rows get one net change per key per
   * commit, caused by the last input that touched the key.
   */
  private final class Commit {
    final Batch batch = space.batch();
    final Map<String, long[]> next = new HashMap<>();
    final Map<dev.sluice.operators.RowKey, Folded> changed = new java.util.LinkedHashMap<>();
    int records;

    long next(String source, int partition) {
      long[] n = next.get(source);
      return n == null ? positions.get(source)[partition] : n[partition];
    }

    void advance(String source, int partition, long to) {
      next.computeIfAbsent(source, s -> positions.get(s).clone())[partition] = to;
    }
  }

  /** One key's change within a commit: its row before the commit, its row now, the last cause. */
  private static final class Folded {
    final dev.sluice.operators.Row before;
    dev.sluice.operators.Row now;
    String cause;

    Folded(dev.sluice.operators.Row before) {
      this.before = before;
    }
  }

  private Commit open() {
    Commit commit = new Commit();
    state.on(commit.batch);
    batchTimeMs = System.currentTimeMillis();
    return commit;
  }

  /**
   * Reads the partition's next records from {@code from} into {@code commit}, opening one when it
   * is null and there are records; returns the commit, or null when there was none and nothing was
   * read ({@link #reader} says how many were).
   */
  private Commit read(Commit commit, String source, int partition, long from, int max) {
    reader.start(commit, source, partition);
    try {
      InPlace.Ahead run = reader.inPlace == null ? null : runs.computeIfAbsent(source, s -> reader.inPlace.ahead());
      if (run != null) {
        readRun(run, source, partition, from, max);
      } else if (reader.inPlace != null) {
        reads.visit(source, partition, from, max, reader);
      } else {
        // Records built whole are kept for the other views reading the partition.
        RecordView.Whole view = new RecordView.Whole();
        for (Record record : reads.read(source, partition, from, max)) {
          reader.accept(view.at(record));
        }
      }
    } finally {
      reader.inPlaceDeadLetters.clear();
    }
    Commit into = reader.commit;
    if (reader.count > 0) {
      into.records += reader.count;
      uncommitted = into.records;
      into.advance(source, partition, reader.last + 1);
    }
    return into;
  }

  /**
   * Per source applied in place, the holder its reads on this thread go through: a read's records
   * are first all read (their fields scanned, conditions, groups and arguments evaluated), then
   * applied, as {@link ReadAhead} hands them over ({@link InPlace.Ahead#applyTo}) — the two halves
   * of the work a record takes, each done for the whole read in one loop.
   */
  private final Map<String, InPlace.Ahead> runs = new HashMap<>();

  /** {@link #read}'s records through {@code run}, into the reader's commit (opened if there are any). */
  private void readRun(InPlace.Ahead run, String source, int partition, long from, int max) {
    run.start(source, partition, from);
    reads.visit(source, partition, from, max, run);
    if (run.count() == 0) {
      return;
    }
    if (reader.commit == null) {
      reader.commit = open();
    }
    run.touching((p, offset, key, keyFrom, length) -> lineage.touched(source, p, offset, key, keyFrom, length));
    run.applyTo(reader.inPlaceDeadLetters);
    if (!reader.inPlaceDeadLetters.isEmpty()) {
      countDeadLetters(reader.commit.batch, reader.inPlaceDeadLetters, false);
      reader.inPlaceDeadLetters.clear();
    }
    reader.count = run.count();
    reader.last = run.last();
  }

  /** Applies each record a read visits to the commit; one per task, reused for every read. */
  private final class Reader implements Consumer<RecordView> {
    Commit commit;
    String source;
    int partition;
    InPlace inPlace;
    int count;
    long last;
    final List<DeadLetter> inPlaceDeadLetters = new ArrayList<>();

    void start(Commit commit, String source, int partition) {
      this.commit = commit;
      this.source = source;
      this.partition = partition;
      this.inPlace = inPlaceBySource.get(source);
      this.count = 0;
    }

    @Override
    public void accept(RecordView record) {
      if (commit == null) {
        commit = open();
      }
      if (inPlace != null) {
        RowKey touched = inPlace.apply(record, inPlaceDeadLetters);
        if (!inPlaceDeadLetters.isEmpty()) {
          countDeadLetters(commit.batch, inPlaceDeadLetters, false);
          inPlaceDeadLetters.clear();
        }
        if (touched != null) {
          lineage.touched(source, record.partition(), record.offset(), touched);
        }
      } else {
        Record whole = record.record();
        Applied applied = dataflow.apply(Input.of(source, whole), state);
        if (derived != null) {
          derived.add(source, whole, applied);
          countDeadLetters(commit.batch, applied);
        } else {
          fold(commit, applied, whole.id());
          countDeadLetters(commit.batch, applied);
          lineage.changed(source, whole, applied);
        }
      }
      count++;
      last = record.offset();
    }
  }

  /** Folds one input's changes into the commit's net change per key. */
  private static void fold(Commit commit, Applied applied, String cause) {
    for (ViewChange change : applied.changes()) {
      fold(commit, change, cause);
    }
  }

  private static void fold(Commit commit, ViewChange change, String cause) {
    Folded folded = commit.changed.get(change.key());
    if (folded == null) {
      folded = new Folded(change.oldRow());
      commit.changed.put(change.key(), folded);
    }
    folded.now = change.newRow();
    folded.cause = cause;
  }

  private void finish(Commit commit) {
    Batch batch = commit.batch;
    try (batch) {
      if (derived != null) {
        // Appended before the positions commit: a crash in between replays the same ids, which
        // the log recognises as duplicates, so every derived event lands exactly once.
        List<DerivedEvents.Derived> appended = derived.flush();
        appended.forEach(d -> lineage.derived(d.source(), d.inputPartition(), d.inputOffset(), d.id(), d.position()));
        rows += appended.size();
      }
      long rowsBefore = rows;
      long[] partitionRowsBefore = partitionRows == null ? null : partitionRows.clone();
      if (derived == null) {
        Applied flushed = dataflow.flush(state);
        for (ViewChange change : flushed.changes()) {
          fold(commit, change, state.heldBack().get(change.key()).lastId());
        }
        countDeadLetters(batch, flushed);
        state.heldBack().clear();
      }
      for (Map.Entry<dev.sluice.operators.RowKey, Folded> e : commit.changed.entrySet()) {
        Folded f = e.getValue();
        if (f.before == null ? f.now == null : f.before.equals(f.now)) {
          continue; // what the commit did to this key, it undid
        }
        write(batch, new ViewChange(e.getKey(), f.before, f.now), f.cause);
      }
      state.flush();
      lineage.write(batch, System.currentTimeMillis());
      commit.next.forEach((source, next) -> {
        long[] committed = positions.get(source);
        for (int p = 0; p < next.length; p++) {
          if (next[p] != committed[p]) {
            batch.put(Keys.position(source, p), Keys.longBytes(next[p]));
          }
        }
      });
      long processed = eventsProcessed + commit.records;
      batch.put(Keys.META, metaJson(processed));
      try {
        if (changelog != null) {
          changelog.beforeCommit(batch, batchTimeMs);
        }
        batch.commit();
      } catch (RuntimeException e) {
        rows = rowsBefore;
        if (partitionRows != null) {
          synchronized (partitionRows) {
            System.arraycopy(partitionRowsBefore, 0, partitionRows, 0, partitionRows.length);
          }
        }
        state.forget();
        if (changelog != null) {
          changelog.forget();
        }
        lineage.forget();
        throw e;
      }
      sink.batchCommitted();
      commit.next.forEach((source, next) -> System.arraycopy(next, 0, positions.get(source), 0, next.length));
      // Counted once the positions moved: whoever sees the events processed sees the lag they left.
      eventsProcessed = processed;
      uncommitted = 0;
    }
    if (changelog != null) {
      changelog.committed();
      changelog.trimIfDue(batchTimeMs);
    }
    checkpointBehind = true;
    publishCheckpoint(false);
    sink.committed(positions, changelogHead(), false);
    rate.add(commit.records);
    synchronized (progressed) {
      progressed.notifyAll();
    }
  }

  /** The changelog's committed head; 0 for a derived stream, which has none. */
  private long changelogHead() {
    return changelog == null ? 0 : changelog.head();
  }

  /** Writes the changes the view starts with (no cause) and their dead letters. */
  private void write(Batch batch, Applied applied, String cause) {
    for (ViewChange change : applied.changes()) {
      write(batch, change, cause);
    }
    countDeadLetters(batch, applied);
  }

  /** Writes one change; {@code cause} is the operation id of the input that made it (null: none). */
  private void write(Batch batch, ViewChange change, String cause) {
    byte[] newJson = change.newRow() == null ? null : change.newRow().toJson();
    // Encoded once for the digest and the changelog both.
    byte[] oldJson = change.oldRow() == null ? null : change.oldRow().toJson();
    digest.change(change.key().bytes(), oldJson, newJson);
    if (changelog != null) {
      changelog.record(change, oldJson, newJson, batchTimeMs, cause);
    }
    long delta = sink.write(batch, change, newJson);
    rows += delta;
    if (partitionRows != null && delta != 0) {
      synchronized (partitionRows) {
        countRow(change.key(), delta);
      }
    }
  }

  /**
   * Counts late events and keeps each dead letter as a record in the same commit as the state, so
   * a replay after a crash neither loses nor repeats one.
   */
  private void countDeadLetters(Batch batch, Applied applied) {
    countDeadLetters(batch, applied.deadLetters(), applied.late());
  }

  private void countDeadLetters(Batch batch, List<DeadLetter> letters, boolean late) {
    if (late) {
      lateEvents++;
    }
    for (DeadLetter dead : letters) {
      long sequence = deadLetters++;
      lastDeadLetter = dead.source() + " partition " + dead.partition() + " offset " + dead.offset() + ": " + dead.reason();
      batch.put(Keys.deadLetter(sequence), deadLetterJson(sequence, dead));
      if (sequence >= DEAD_LETTERS_KEPT) {
        batch.delete(Keys.deadLetter(sequence - DEAD_LETTERS_KEPT));
      }
    }
  }

  private static byte[] deadLetterJson(long sequence, DeadLetter dead) {
    ObjectNode node = JSON.createObjectNode();
    node.put("sequence", sequence);
    node.put("source", dead.source());
    node.put("partition", dead.partition());
    node.put("offset", dead.offset());
    node.put("reason", dead.reason());
    if (dead.line() > 0) {
      node.put("line", dead.line());
      node.put("column", dead.column());
    }
    try {
      return JSON.writeValueAsBytes(node);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The view's counters as committed with its state, {@code events} being the events processed. */
  private byte[] metaJson(long events) {
    ObjectNode node = JSON.createObjectNode();
    node.put("rows", rows);
    node.put("dead_letters", deadLetters);
    node.put("last_dead_letter", lastDeadLetter);
    node.put("events", events);
    node.put("late_events", lateEvents);
    node.put("digest", ViewDigest.hex(digest.value()));
    if (partitionRows != null) {
      var counts = node.putArray(PARTITION_ROWS);
      synchronized (partitionRows) {
        for (long n : partitionRows) {
          counts.add(n);
        }
      }
    }
    try {
      return JSON.writeValueAsBytes(node);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private void awaitRecords() throws InterruptedException {
    List<CompletableFuture<Void>> waits = new ArrayList<>(List.of(stopped));
    for (Map.Entry<String, long[]> e : positions.entrySet()) {
      long[] next = e.getValue();
      for (int p = 0; p < next.length; p++) {
        if (!assignment.assigned(e.getKey(), p)) {
          continue;
        }
        waits.add(log.awaitRecord(e.getKey(), p, next[p]));
      }
    }
    try {
      CompletableFuture.anyOf(waits.toArray(CompletableFuture[]::new)).get(IDLE_WAIT_MS, TimeUnit.MILLISECONDS);
    } catch (TimeoutException | java.util.concurrent.ExecutionException idle) {
      // Nothing new: look again, and see whether we should stop.
    }
  }

  /** Whether the committed state includes every position below {@code ends} for each stream read. */
  boolean includes(Map<String, Map<Integer, Long>> ends) {
    for (Map.Entry<String, Map<Integer, Long>> e : ends.entrySet()) {
      long[] next = positions.get(e.getKey());
      if (next == null) {
        continue; // a stream this view does not read cannot make it stale
      }
      for (Map.Entry<Integer, Long> pe : e.getValue().entrySet()) {
        int p = pe.getKey();
        // A partition another instance owns cannot make this one's rows stale: reads of its rows go there.
        if (p < next.length && next[p] < pe.getValue() && assignment.assigned(e.getKey(), p)) {
          return false;
        }
      }
    }
    return true;
  }

  /** Waits until {@link #includes} or the deadline; true when included. */
  boolean awaitIncludes(Map<String, Map<Integer, Long>> ends, long deadlineNanos) throws InterruptedException {
    synchronized (progressed) {
      while (!includes(ends)) {
        long left = deadlineNanos - System.nanoTime();
        if (left <= 0 || phase == ViewState.FAILED) {
          return false;
        }
        progressed.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
      }
      return true;
    }
  }

  long lagEvents() {
    long lag = 0;
    for (Map.Entry<String, long[]> e : positions.entrySet()) {
      long[] next = e.getValue();
      for (int p = 0; p < next.length; p++) {
        if (!assignment.assigned(e.getKey(), p)) {
          continue;
        }
        lag += Math.max(0, log.endOffset(e.getKey(), p) - next[p]);
      }
    }
    return lag;
  }

  ViewStatus status(ViewStatus replacing) {
    long lag = lagEvents();
    long done = 0;
    for (long[] next : positions.values()) {
      for (long n : next) {
        done += n;
      }
    }
    // Read but not yet committed counts as progress: a backfill commits millions of events at once.
    done += uncommitted;
    double progress = phase == ViewState.BUILDING && buildTotal > 0 ? Math.min(1.0, done / (double) buildTotal) : 1.0;
    long lagMs = lag == 0 || lastCaughtUpMs == 0 ? 0 : System.currentTimeMillis() - lastCaughtUpMs;
    return new ViewStatus(definition.name(), definition.version(), phase, error, rowsShown(), lag, lagMs, rate.perSecond(),
        eventsProcessed, deadLetters, lastDeadLetter, lateEvents, progress, definition.statementText(), replacing, definition.derivedStream(),
        definition.kind());
  }

  /**
   * Publishes the committed digest with the positions it reflects, at most once a second while
   * the view works through a backlog ({@code idle}: now, if anything changed since the last).
   */
  private void publishCheckpoint(boolean idle) {
    if (derived != null) {
      return;
    }
    long now = System.currentTimeMillis();
    if (checkpoint == null || checkpointBehind && (idle || now - checkpointMs >= CHECKPOINT_INTERVAL_MS)) {
      checkpointBehind = false;
      checkpoint = ViewDigest.checkpoint(definition, digest.value(), rows, positionsSnapshot());
      checkpointMs = now;
    }
  }

  DigestCheckpoint checkpoint() {
    return checkpoint;
  }

  Map<String, long[]> positionsSnapshot() {
    Map<String, long[]> copy = new HashMap<>();
    positions.forEach((s, p) -> copy.put(s, p.clone()));
    return copy;
  }
}
