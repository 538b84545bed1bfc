package dev.sluice.engine;

import dev.sluice.operators.Row;
import dev.sluice.operators.RowKey;
import dev.sluice.operators.ViewChange;
import dev.sluice.stores.Batch;
import dev.sluice.stores.Space;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;

/**
 * A view version's changes in the order they were committed, each with a dense sequence number
 * (its position, from 1). The view's task writes each change into the same batch as the rows and
 * input positions it belongs to, so after a crash the log and the rows agree and a replay neither
 * repeats nor loses a change.
 *
 * <p>Recent changes are also kept in a ring in memory, which subscribers read without touching
 * RocksDB; each commit completes a future that wakes every waiting subscriber once. A subscriber
 * older than the ring reads the stored changelog in batches.
 *
 * <p>Stored entry (see {@link Keys#change}): {@code time_ms:i8 key_length:i4 key_bytes json}, where
 * {@code json} is the event as subscribers receive it:
 * {@code {"position":N,"key":K,"old":ROW|null,"new":ROW|null}}.
 */
final class Changelog {
  /** Changes held in memory per view: a live subscriber may fall this far behind before it overflows. */
  static final int RING_CHANGES = 8192;
  /** How often the task trims changes past retention. */
  static final long TRIM_INTERVAL_MS = 5_000;
  /** Entries looked at per trim pass when trimming by age: bounds one pass's time. */
  private static final int TRIM_SCAN_MAX = 100_000;

  /** One committed change. */
  record Entry(long position, long timeMs, RowKey key, byte[] json) {}

  private final Space space;
  private final long version;
  private final ChangelogRetention retention;
  private final Entry[] ring = new Entry[RING_CHANGES];
  private final List<Entry> pending = new ArrayList<>();
  /** Reads of the space are held off while the space is dropped (a closed handle must not be read). */
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();

  /** The last committed position; 0 before the first change. */
  private volatile long head;
  /** The first position still stored. */
  private volatile long oldest = 1;
  private volatile boolean closed;
  private volatile CompletableFuture<Void> nextCommit = new CompletableFuture<>();
  /** 0: the first commit after opening trims, so a lowered retention takes effect at once. */
  private long lastTrimMs;

  Changelog(Space space, long version, ChangelogRetention retention) {
    this.space = space;
    this.version = version;
    this.retention = retention;
  }

  long version() {
    return version;
  }

  long head() {
    return head;
  }

  long oldest() {
    return oldest;
  }

  boolean closed() {
    return closed;
  }

  /** Reads the committed head and the oldest stored position. */
  void load() {
    byte[] stored = space.get(Keys.CHANGES_HEAD);
    head = stored == null ? 0 : Keys.longOf(stored);
    long[] first = {head + 1};
    space.scan(Keys.change(0), Keys.change(Long.MAX_VALUE), (key, value) -> {
      first[0] = Keys.changePosition(key);
      return false;
    });
    oldest = first[0];
  }

  /** Adds a change to the open batch, after the changes already pending in it. */
  void record(Batch batch, ViewChange change, long timeMs) {
    long position = head + pending.size() + 1;
    byte[] json = json(position, change);
    byte[] key = change.key().bytes();
    ByteBuffer value = ByteBuffer.allocate(8 + 4 + key.length + json.length);
    value.putLong(timeMs).putInt(key.length).put(key).put(json);
    batch.put(Keys.change(position), value.array());
    batch.put(Keys.CHANGES_HEAD, Keys.longBytes(position));
    pending.add(new Entry(position, timeMs, change.key(), json));
  }

  /** The batch holding the pending changes committed: publishes them and wakes subscribers. */
  void committed() {
    if (pending.isEmpty()) {
      return;
    }
    for (Entry e : pending) {
      ring[(int) (e.position() % RING_CHANGES)] = e;
    }
    head = pending.get(pending.size() - 1).position();
    pending.clear();
    wake();
  }

  /** The batch holding the pending changes failed: they never happened. */
  void forget() {
    pending.clear();
  }

  private void wake() {
    CompletableFuture<Void> woken = nextCommit;
    nextCommit = new CompletableFuture<>();
    woken.complete(null);
  }

  /** Completes at the next commit (or close); check {@link #head} after taking it, not before. */
  CompletableFuture<Void> nextCommit() {
    return nextCommit;
  }

  /**
   * Changes after {@code after}, at most {@code max}, from the ring; null when the ring no longer
   * holds the change after {@code after} (the caller reads the store instead).
   */
  List<Entry> fromRing(long after, int max) {
    long h = head;
    List<Entry> out = new ArrayList<>();
    for (long p = after + 1; p <= h && out.size() < max; p++) {
      Entry e = ring[(int) (p % RING_CHANGES)];
      if (e == null || e.position() != p) {
        return out.isEmpty() ? null : out;
      }
      out.add(e);
    }
    return out;
  }

  /** Whether the ring still holds the change after {@code after}. */
  boolean inRing(long after) {
    long h = head;
    if (after >= h) {
      return true;
    }
    Entry e = ring[(int) ((after + 1) % RING_CHANGES)];
    return e != null && e.position() == after + 1;
  }

  /** Changes after {@code after}, at most {@code max}, from the store. Empty once closed. */
  List<Entry> fromStore(long after, int max) {
    List<Entry> out = new ArrayList<>();
    long h = head;
    read(s -> {
      space.scan(Keys.change(after + 1), Keys.change(h + 1), (key, value) -> {
        out.add(decode(Keys.changePosition(key), value));
        return out.size() < max;
      });
      return null;
    });
    return out;
  }

  /** Runs {@code reading} on the space unless the changelog is closed (then returns null). */
  <T> T read(Function<Space, T> reading) {
    lock.readLock().lock();
    try {
      return closed ? null : reading.apply(space);
    } finally {
      lock.readLock().unlock();
    }
  }

  static Entry decode(long position, byte[] value) {
    ByteBuffer in = ByteBuffer.wrap(value);
    long timeMs = in.getLong();
    byte[] key = new byte[in.getInt()];
    in.get(key);
    byte[] json = new byte[in.remaining()];
    in.get(json);
    return new Entry(position, timeMs, RowKey.fromBytes(key), json);
  }

  /** Drops changes past retention, at most every {@link #TRIM_INTERVAL_MS}; called by the view's task. */
  void trimIfDue(long nowMs) {
    if (nowMs - lastTrimMs < TRIM_INTERVAL_MS) {
      return;
    }
    lastTrimMs = nowMs;
    long h = head;
    long keepFrom = Math.max(oldest, h - retention.changes() + 1);
    long cutoffMs = nowMs - retention.age().toMillis();
    long[] byAge = {keepFrom};
    int[] looked = {0};
    space.scan(Keys.change(keepFrom), Keys.change(h + 1), (key, value) -> {
      if (ByteBuffer.wrap(value).getLong() >= cutoffMs || ++looked[0] > TRIM_SCAN_MAX) {
        return false;
      }
      byAge[0] = Keys.changePosition(key) + 1;
      return true;
    });
    keepFrom = byAge[0];
    if (keepFrom > oldest) {
      // Subscribers learn of the trim through oldest before the entries go.
      oldest = keepFrom;
      space.deleteRange(Keys.change(0), Keys.change(keepFrom));
    }
  }

  /** The view version stops: no more reads of its space, and every subscriber wakes to notice. */
  void close() {
    lock.writeLock().lock();
    try {
      closed = true;
    } finally {
      lock.writeLock().unlock();
    }
    wake();
  }

  private byte[] json(long position, ViewChange change) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    out.writeBytes(("{\"position\":" + position + ",\"version\":" + version + ",\"key\":").getBytes(StandardCharsets.UTF_8));
    out.writeBytes(change.key().toString().getBytes(StandardCharsets.UTF_8));
    out.writeBytes(",\"old\":".getBytes(StandardCharsets.UTF_8));
    row(out, change.oldRow());
    out.writeBytes(",\"new\":".getBytes(StandardCharsets.UTF_8));
    row(out, change.newRow());
    out.write('}');
    return out.toByteArray();
  }

  private static void row(ByteArrayOutputStream out, Row row) {
    out.writeBytes(row == null ? "null".getBytes(StandardCharsets.UTF_8) : row.toJson());
  }
}
