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
    /** The key's encoding: compared by {@link #find} without going through the key. */
    private final byte[] bytes;
    private final int hash;
    private String lastSource;
    private int lastPartition;
    private long lastOffset;
    /** The last input's id; null when it is the log's generated id for its position. */
    private String lastId;

    Held(RowKey key, Row before) {
      this.key = key;
      this.before = before;
      this.bytes = key.bytes();
      this.hash = key.hashCode();
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
   * Open addressing by the key's hash, linear probing, at most half full; {@link #hashes} holds
   * each slot's hash beside it (0: empty), so a probe past other keys reads no entry (a backfill's commit
   * holds a hundred thousand groups, and each entry read is a cache miss).
   */
  private Held[] table = new Held[64];
  private int[] hashes = new int[64];

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
    var mask = table.length - 1;
    var tag = tag(hash);
    for (var i = spread(hash) & mask; ; i = (i + 1) & mask) {
      var t = hashes[i];
      if (t == 0) {
        return null;
      }
      if (t == tag) {
        var h = table[i];
        if (Arrays.equals(h.bytes, 0, h.bytes.length, bytes, from, from + length)) {
          return h;
        }
      }
    }
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
    var h = new Held(key, before);
    if (get(key) != null) {
      throw new IllegalStateException("key " + key + " is held already");
    }
    if (2 * (held.size() + 1) > table.length) {
      grow();
    }
    place(table, hashes, h);
    held.add(h);
    return h;
  }

  private void grow() {
    var bigger = new Held[table.length * 2];
    var biggerHashes = new int[bigger.length];
    for (var h : held) {
      place(bigger, biggerHashes, h);
    }
    table = bigger;
    hashes = biggerHashes;
  }

  private static void place(Held[] table, int[] hashes, Held h) {
    var mask = table.length - 1;
    var i = spread(h.hash) & mask;
    while (table[i] != null) {
      i = (i + 1) & mask;
    }
    table[i] = h;
    hashes[i] = tag(h.hash);
  }

  /** What {@link #hashes} holds for a key of this hash: never 0, which marks an empty slot. */
  private static int tag(int hash) {
    return hash == 0 ? 1 : hash;
  }

  private static int spread(int hash) {
    return hash ^ (hash >>> 16);
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
    if (table.length >= TABLE_KEPT_MAX) {
      table = new Held[64];
      hashes = new int[64];
    } else {
      Arrays.fill(table, null);
      Arrays.fill(hashes, 0);
    }
  }
}
