package dev.sluice.engine;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
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
import java.util.function.Consumer;
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
 * <p>Stored as one entry per commit, under the position of its first change (see {@link
 * Keys#change}), so a commit of a thousand changes adds one key to the batch, not a thousand:
 * {@code time_ms:i8 count:i4 (key_length:i4 key_bytes json_length:i4 json){count}}, where {@code
 * json} is the event as subscribers receive it:
 * {@code {"position":N,"version":V,"key":K,"old":ROW|null,"new":ROW|null,"cause":ID}}, where
 * {@code cause} is the operation id ({@code _id}) of the input event that made the change (absent
 * on the rows a view starts with, such as {@code count(*)} of nothing).
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

  private static final byte[] NULL = "null".getBytes(StandardCharsets.US_ASCII);

  private final Space space;
  private final long version;
  private final ChangelogRetention retention;
  private final Entry[] ring = new Entry[RING_CHANGES];
  private final List<Entry> pending = new ArrayList<>();
  /** The pending changes as their stored block, built as they come. */
  private final ByteArrayOutputStream block = new ByteArrayOutputStream(4096);
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

  /**
   * Notes a change of the open batch, after the changes already pending in it; {@code oldJson} and
   * {@code newJson} are the rows' JSON as the caller encoded them (null when absent).
   */
  void record(ViewChange change, byte[] oldJson, byte[] newJson, long timeMs, String cause) {
    long position = head + pending.size() + 1;
    byte[] json = json(position, change, oldJson, newJson, cause);
    byte[] key = change.key().bytes();
    writeInt(block, key.length);
    block.writeBytes(key);
    writeInt(block, json.length);
    block.writeBytes(json);
    pending.add(new Entry(position, timeMs, change.key(), json));
  }

  /** Puts the pending changes into the batch that is about to commit, as one entry. */
  void beforeCommit(Batch batch, long timeMs) {
    if (pending.isEmpty()) {
      return;
    }
    byte[] changes = block.toByteArray();
    ByteBuffer value = ByteBuffer.allocate(8 + 4 + changes.length);
    value.putLong(timeMs).putInt(pending.size()).put(changes);
    batch.put(Keys.change(pending.get(0).position()), value.array());
    batch.put(Keys.CHANGES_HEAD, Keys.longBytes(pending.get(pending.size() - 1).position()));
  }

  private static void writeInt(ByteArrayOutputStream out, int v) {
    out.write(v >>> 24);
    out.write(v >>> 16);
    out.write(v >>> 8);
    out.write(v);
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
    block.reset();
    wake();
  }

  /** The batch holding the pending changes failed: they never happened. */
  void forget() {
    pending.clear();
    block.reset();
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
      space.scanFromFloor(Keys.change(after + 1), Keys.change(0), Keys.change(h + 1), (key, value) -> {
        decode(Keys.changePosition(key), value, after, max, out);
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

  /**
   * Visits the key of every stored change from position {@code from} through {@code head}, in
   * order (a key changed twice, twice). False when the changelog no longer holds {@code from}: it
   * was trimmed past it, and what changed since cannot be told from the changelog.
   */
  static boolean keysFrom(Space space, long from, long head, Consumer<byte[]> visitor) {
    if (from > head) {
      return true;
    }
    boolean[] holds = {false};
    space.scanFromFloor(Keys.change(from), Keys.change(0), Keys.change(head + 1), (key, value) -> {
      long first = Keys.changePosition(key);
      ByteBuffer in = ByteBuffer.wrap(value);
      in.getLong();
      int count = in.getInt();
      if (!holds[0] && (first > from || first + count <= from)) {
        return false;
      }
      holds[0] = true;
      for (int i = 0; i < count; i++) {
        byte[] changed = new byte[in.getInt()];
        in.get(changed);
        int jsonLength = in.getInt();
        in.position(in.position() + jsonLength);
        if (first + i >= from) {
          visitor.accept(changed);
        }
      }
      return true;
    });
    return holds[0];
  }

  /** Adds the changes after {@code after} of the stored entry starting at {@code first} to {@code out}, up to {@code max}. */
  private static void decode(long first, byte[] value, long after, int max, List<Entry> out) {
    ByteBuffer in = ByteBuffer.wrap(value);
    long timeMs = in.getLong();
    int count = in.getInt();
    for (int i = 0; i < count && out.size() < max; i++) {
      int keyLength = in.getInt();
      if (first + i <= after) {
        in.position(in.position() + keyLength);
        int jsonLength = in.getInt();
        in.position(in.position() + jsonLength);
        continue;
      }
      byte[] key = new byte[keyLength];
      in.get(key);
      byte[] json = new byte[in.getInt()];
      in.get(json);
      out.add(new Entry(first + i, timeMs, RowKey.fromBytes(key), json));
    }
  }

  /** Drops changes past retention, at most every {@link #TRIM_INTERVAL_MS}; called by the view's task. */
  void trimIfDue(long nowMs) {
    if (nowMs - lastTrimMs < TRIM_INTERVAL_MS) {
      return;
    }
    lastTrimMs = nowMs;
    long h = head;
    long keepByCount = h - retention.changes() + 1;
    long cutoffMs = nowMs - retention.age().toMillis();
    // An entry goes when all its changes are past the count (the next entry starts at or before
    // keepByCount) or it was committed before the cutoff; the first entry that stays ends the scan.
    long[] previous = {-1, 0}; // start and time of the entry before the one visited
    long[] keep = {oldest};
    int[] looked = {0};
    space.scan(Keys.change(0), Keys.change(h + 1), (key, value) -> {
      long start = Keys.changePosition(key);
      if (previous[0] >= 0) {
        if (start > keepByCount && previous[1] >= cutoffMs) {
          return false;
        }
        keep[0] = start;
      }
      previous[0] = start;
      previous[1] = ByteBuffer.wrap(value).getLong();
      return ++looked[0] < TRIM_SCAN_MAX;
    });
    long keepFrom = keep[0];
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

  private byte[] json(long position, ViewChange change, byte[] oldJson, byte[] newJson, String cause) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    out.writeBytes(("{\"position\":" + position + ",\"version\":" + version + ",\"key\":").getBytes(StandardCharsets.UTF_8));
    out.writeBytes(change.key().toString().getBytes(StandardCharsets.UTF_8));
    out.writeBytes(",\"old\":".getBytes(StandardCharsets.UTF_8));
    out.writeBytes(oldJson == null ? NULL : oldJson);
    out.writeBytes(",\"new\":".getBytes(StandardCharsets.UTF_8));
    out.writeBytes(newJson == null ? NULL : newJson);
    if (cause != null) {
      out.writeBytes(",\"cause\":\"".getBytes(StandardCharsets.US_ASCII));
      out.writeBytes(JsonStringEncoder.getInstance().quoteAsUTF8(cause));
      out.write('"');
    }
    out.write('}');
    return out.toByteArray();
  }
}
