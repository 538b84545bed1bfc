package dev.sluice.operators;

import dev.sluice.log.Ids;
import dev.sluice.log.RecordView;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The view rows a dataflow changed but has not reported yet: per key, the row the view held when
 * the key was first touched and the last input that touched it. A {@link State} that offers one
 * ({@link State#heldBack}) lets an aggregate at the end of a pipeline update its group's totals per
 * input and report each group's row once, when the engine calls {@link Dataflow#flush} before it
 * commits — one net change per group per commit instead of a retraction and an insert per input.
 *
 * <p>Keys are found by their encoding, also straight from bytes ({@link #find}): an aggregate read
 * from the log's bytes finds its group without building a key per input.
 */
public final class HeldBack {
  /** One held key. */
  public static final class Held {
    public final RowKey key;
    /** The view's row under the key before it was first touched; null when it had none. */
    public final Row before;
    /** What the operator holding the key keeps for it until the flush (an aggregate: its totals). */
    public Object value;
    private final int hash;
    /** Where the key sits in the held keys' arena. */
    private final int arenaAt;
    private String lastSource;
    private int lastPartition;
    private long lastOffset;
    /** The last input's id; null when it is the log's generated id for its position. */
    private String lastId;

    Held(RowKey key, Row before, int arenaAt) {
      this.key = key;
      this.before = before;
      this.hash = key.hashCode();
      this.arenaAt = arenaAt;
    }

    /** Notes the input that touched the key last. */
    public void touchedBy(Input input) {
      lastSource = input.source();
      lastPartition = input.partition();
      lastOffset = input.offset();
      lastId = input.id();
    }

    /** Notes the input that touched the key last, as the log hands it over: keeps no string it need not. */
    public void touchedBy(String source, RecordView record) {
      lastSource = source;
      lastPartition = record.partition();
      lastOffset = record.offset();
      lastId = record.idGenerated() ? null : record.id();
    }

    /**
     * Notes the input that touched the key last, read ahead: {@code id} is its id, or null when it
     * is the log's generated one for its position.
     */
    public void touchedBy(String source, int partition, long offset, String id) {
      lastSource = source;
      lastPartition = partition;
      lastOffset = offset;
      lastId = id;
    }

    /** The operation id of the last input that touched the key. */
    public String lastId() {
      return lastId != null ? lastId : Ids.generated(lastPartition, lastOffset);
    }

    public String lastSource() {
      return lastSource;
    }

    public int lastPartition() {
      return lastPartition;
    }

    public long lastOffset() {
      return lastOffset;
    }
  }

  /** A table this large or larger is given up at {@link #clear}: a commit's few keys need no big one. */
  private static final int TABLE_KEPT_MAX = 4096;

  /** The held keys in the order first touched. */
  private final List<Held> held = new ArrayList<>();
  /**
   * Open addressing by the key's hash, linear probing, at most half full. A slot holds the hash
   * (made non-zero: 0 is an empty slot) and where the key sits in {@link #arena}; the arena holds
   * each key as its length, its encoding and its entry's index. A probe reads the slot and, when
   * the hash matches, the key beside its index: a backfill's commit holds a hundred thousand groups,
   * and every object a probe went through would be a cache miss.
   */
  private long[] slots = new long[64];
  private byte[] arena = new byte[1024];
  private int arenaUsed;

  /** The key's entry, or null when it is not held. */
  public Held get(RowKey key) {
    var bytes = key.bytes();
    return find(bytes, 0, bytes.length, key.hashCode());
  }

  /**
   * The entry of the key encoded as {@code bytes[from, from + length)}, or null when it is not held;
   * {@code hash} is {@link #hash} of those bytes.
   */
  public Held find(byte[] bytes, int from, int length, int hash) {
    var mask = slots.length - 1;
    var tag = tag(hash);
    for (var i = spread(hash) & mask; ; i = (i + 1) & mask) {
      var slot = slots[i];
      if (slot == 0) {
        return null;
      }
      if ((int) (slot >>> 32) == tag) {
        var at = (int) slot;
        var n = intAt(arena, at);
        if (n == length && same(arena, at + 4, bytes, from, length)) {
          return held.get(intAt(arena, at + 4 + n));
        }
      }
    }
  }

  private static final java.lang.invoke.VarHandle LONGS =
      java.lang.invoke.MethodHandles.byteArrayViewVarHandle(long[].class, java.nio.ByteOrder.LITTLE_ENDIAN);

  /**
   * Whether {@code a[at, at + length)} and {@code b[from, from + length)} hold the same bytes: eight
   * at a time, the last eight overlapping the ones before. Keys are a few words long, where {@link
   * Arrays#equals}' intrinsic costs more to set up than the comparison.
   */
  private static boolean same(byte[] a, int at, byte[] b, int from, int length) {
    if (length < 8) {
      for (var i = 0; i < length; i++) {
        if (a[at + i] != b[from + i]) {
          return false;
        }
      }
      return true;
    }
    for (var i = 0; i < length - 8; i += 8) {
      if ((long) LONGS.get(a, at + i) != (long) LONGS.get(b, from + i)) {
        return false;
      }
    }
    return (long) LONGS.get(a, at + length - 8) == (long) LONGS.get(b, from + length - 8);
  }

  /** The hash of a key's encoding, as {@link RowKey#hashCode} computes it from {@link RowKey#bytes}. */
  public static int hash(byte[] bytes, int from, int length) {
    var h = 1;
    for (var i = from; i < from + length; i++) {
      h = 31 * h + bytes[i];
    }
    return h;
  }

  /** Holds a key first touched now, when the view held {@code before} under it. */
  public Held hold(RowKey key, Row before) {
    if (get(key) != null) {
      throw new IllegalStateException("key " + key + " is held already");
    }
    var bytes = key.bytes();
    var at = arenaUsed;
    var needed = at + 8 + bytes.length;
    if (needed > arena.length) {
      arena = Arrays.copyOf(arena, Math.max(needed, arena.length * 2));
    }
    putInt(arena, at, bytes.length);
    System.arraycopy(bytes, 0, arena, at + 4, bytes.length);
    putInt(arena, at + 4 + bytes.length, held.size());
    arenaUsed = needed;
    var h = new Held(key, before, at);
    if (2 * (held.size() + 1) > slots.length) {
      grow();
    }
    place(slots, h);
    held.add(h);
    return h;
  }

  private void grow() {
    var bigger = new long[slots.length * 2];
    for (var h : held) {
      place(bigger, h);
    }
    slots = bigger;
  }

  private static void place(long[] slots, Held h) {
    var mask = slots.length - 1;
    var i = spread(h.hash) & mask;
    while (slots[i] != 0) {
      i = (i + 1) & mask;
    }
    slots[i] = (long) tag(h.hash) << 32 | h.arenaAt;
  }

  /** A slot's hash: never 0, so that a slot holding a key is never 0. */
  private static int tag(int hash) {
    return hash == 0 ? 1 : hash;
  }

  private static int spread(int hash) {
    return hash ^ (hash >>> 16);
  }

  private static int intAt(byte[] b, int at) {
    return (b[at] & 0xff) << 24 | (b[at + 1] & 0xff) << 16 | (b[at + 2] & 0xff) << 8 | (b[at + 3] & 0xff);
  }

  private static void putInt(byte[] b, int at, int value) {
    b[at] = (byte) (value >>> 24);
    b[at + 1] = (byte) (value >>> 16);
    b[at + 2] = (byte) (value >>> 8);
    b[at + 3] = (byte) value;
  }

  /** The held keys in the order first touched. */
  public List<Held> entries() {
    return held;
  }

  public int size() {
    return held.size();
  }

  public boolean isEmpty() {
    return held.isEmpty();
  }

  /** Forgets every held key: after a flush has reported them, or a failed commit. */
  public void clear() {
    held.clear();
    arenaUsed = 0;
    if (slots.length >= TABLE_KEPT_MAX) {
      slots = new long[64];
      arena = new byte[1024];
    } else {
      Arrays.fill(slots, 0);
    }
  }
}
