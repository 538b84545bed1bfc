package dev.sluice.engine;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import dev.sluice.operators.RowKey;
import dev.sluice.operators.ViewChange;
import dev.sluice.stores.Batch;
import dev.sluice.stores.Space;
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
 * <p>Stored as one entry per commit (per {@link #ENTRY_CHANGES_MAX} changes of a larger one), under
 * the position of its first change (see {@link Keys#change}), so a commit of a thousand changes
 * adds one key to the batch, not a thousand:
 * {@code time_ms:i8 count:i4 (key_length:i4 key_bytes json_length:i4 json){count}}, where {@code
 * json} is the event as subscribers receive it:
 * {@code {"position":N,"version":V,"key":K,"old":ROW|null,"new":ROW|null,"cause":ID}}, where
 * {@code cause} is the operation id ({@code _id}) of the input event that made the change (absent
 * on the rows a view starts with, such as {@code count(*)} of nothing).
 */
final class Changelog {
  /** Changes held in memory per view: a live subscriber may fall this far behind before it overflows. */
  static final int RING_CHANGES = 8192;
  /** Changes per stored entry at most. */
  static final int ENTRY_CHANGES_MAX = 4096;
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
  /** The pending changes as their stored block, built as they come. */
  private final Block block = new Block();
  /** The pending changes' keys, and where each one's JSON starts in the block and how long it is. */
  private RowKey[] pendingKeys = new RowKey[256];
  private int[] pendingJson = new int[768];
  private int pendingCount;
  private long pendingTimeMs;
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
   * {@code newJson} are the rows' JSON as the caller encoded them (null when absent). The event's
   * JSON is written straight into the commit's stored block; only the changes the ring keeps get
   * an array of their own, at {@link #committed}.
   */
  void record(ViewChange change, byte[] oldJson, byte[] newJson, long timeMs, String cause) {
    long position = head + pendingCount + 1;
    byte[] key = change.key().bytes();
    int headerAt = block.size;
    block.putInt(key.length).put(key);
    int lengthAt = block.size;
    block.putInt(0);
    int start = block.size;
    json(block, position, change, oldJson, newJson, cause);
    block.patchInt(lengthAt, block.size - start);
    if (pendingCount == pendingKeys.length) {
      pendingKeys = java.util.Arrays.copyOf(pendingKeys, pendingCount * 2);
      pendingJson = java.util.Arrays.copyOf(pendingJson, pendingCount * 6);
    }
    pendingKeys[pendingCount] = change.key();
    pendingJson[3 * pendingCount] = headerAt;
    pendingJson[3 * pendingCount + 1] = start;
    pendingJson[3 * pendingCount + 2] = block.size - start;
    pendingCount++;
    pendingTimeMs = timeMs;
  }

  /**
   * Puts the pending changes into the batch that is about to commit, as one entry per {@link
   * #ENTRY_CHANGES_MAX} changes (a backfill's commit may change every row of the view).
   */
  void beforeCommit(Batch batch, long timeMs) {
    if (pendingCount == 0) {
      return;
    }
    for (int first = 0; first < pendingCount; first += ENTRY_CHANGES_MAX) {
      int end = Math.min(pendingCount, first + ENTRY_CHANGES_MAX);
      int from = pendingJson[3 * first];
      int to = end == pendingCount ? block.size : pendingJson[3 * end];
      ByteBuffer value = ByteBuffer.allocate(8 + 4 + to - from);
      value.putLong(timeMs).putInt(end - first).put(block.bytes, from, to - from);
      batch.put(Keys.change(head + 1 + first), value.array());
    }
    batch.put(Keys.CHANGES_HEAD, Keys.longBytes(head + pendingCount));
  }

  /** The batch holding the pending changes committed: publishes them and wakes subscribers. */
  void committed() {
    if (pendingCount == 0) {
      return;
    }
    // Only the last RING_CHANGES fit in the ring: older ones of a large commit are read from the store.
    for (int i = Math.max(0, pendingCount - RING_CHANGES); i < pendingCount; i++) {
      long position = head + i + 1;
      int start = pendingJson[3 * i + 1];
      byte[] json = java.util.Arrays.copyOfRange(block.bytes, start, start + pendingJson[3 * i + 2]);
      ring[(int) (position % RING_CHANGES)] = new Entry(position, pendingTimeMs, pendingKeys[i], json);
    }
    head += pendingCount;
    forget();
    wake();
  }

  /** A growable byte array with big-endian ints, patched in place. */
  private static final class Block {
    byte[] bytes = new byte[4096];
    int size;

    Block put(byte[] b) {
      ensure(b.length);
      System.arraycopy(b, 0, bytes, size, b.length);
      size += b.length;
      return this;
    }

    Block put(int b) {
      ensure(1);
      bytes[size++] = (byte) b;
      return this;
    }

    Block putInt(int v) {
      ensure(4);
      patchInt(size, v);
      size += 4;
      return this;
    }

    void patchInt(int at, int v) {
      bytes[at] = (byte) (v >>> 24);
      bytes[at + 1] = (byte) (v >>> 16);
      bytes[at + 2] = (byte) (v >>> 8);
      bytes[at + 3] = (byte) v;
    }

    Block putAscii(String s) {
      int n = s.length();
      ensure(n);
      for (int i = 0; i < n; i++) {
        bytes[size++] = (byte) s.charAt(i); // ASCII only: numbers and fixed names
      }
      return this;
    }

    Block putLongText(long v) {
      return putAscii(Long.toString(v));
    }

    private void ensure(int more) {
      if (size + more > bytes.length) {
        bytes = java.util.Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + more));
      }
    }

    void reset() {
      if (bytes.length > 16 << 20) {
        bytes = new byte[4096]; // a backfill's large commit does not pin its block for good
      }
      size = 0;
    }
  }

  /** The batch holding the pending changes failed: they never happened. */
  void forget() {
    java.util.Arrays.fill(pendingKeys, 0, pendingCount, null);
    pendingCount = 0;
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

  private void json(Block out, long position, ViewChange change, byte[] oldJson, byte[] newJson, String cause) {
    out.putAscii("{\"position\":").putLongText(position).putAscii(",\"version\":").putLongText(version).putAscii(",\"key\":");
    out.put(change.key().toString().getBytes(StandardCharsets.UTF_8));
    out.putAscii(",\"old\":").put(oldJson == null ? NULL : oldJson);
    out.putAscii(",\"new\":").put(newJson == null ? NULL : newJson);
    if (cause != null) {
      out.putAscii(",\"cause\":\"").put(JsonStringEncoder.getInstance().quoteAsUTF8(cause)).put('"');
    }
    out.put('}');
  }
}
