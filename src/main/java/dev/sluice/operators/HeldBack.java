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
  /**
   * One held key. What it keeps of the last input that touched it sits beside its key in the held
   * keys' arena, not in this object: an input that updates a group already held then writes to the
   * one place its look-up read.
   */
  public final class Held {
    public final RowKey key;
    /** The view's row under the key before it was first touched; null when it had none. */
    public final Row before;
    /** What the operator holding the key keeps for it until the flush (an aggregate: its totals). */
    public Object value;
    private final int hash;
    /** Where the key sits in the held keys' arena. */
    private final int arenaAt;
    /** Where its entry's fields after the key start in the arena ({@link #entry}). */
    private final int entry;

    Held(RowKey key, Row before, int arenaAt, int entry) {
      this.key = key;
      this.before = before;
      var bytes = key.bytes();
      this.hash = HeldBack.hash(bytes, 0, bytes.length);
      this.arenaAt = arenaAt;
      this.entry = entry;
    }

    /** Notes the input that touched the key last. */
    public void touchedBy(Input input) {
      touch(entry, input.source(), input.partition(), input.offset(), input.id());
    }

    /** Where its entry is: what {@link #locate} returns for its key. */
    public int entry() {
      return entry;
    }

    /** The operation id of the last input that touched the key. */
    public String lastId() {
      var flags = (int) INTS.get(arena, entry + FLAGS);
      return (flags & HAS_ID) != 0 ? ids[(int) INTS.get(arena, entry + INDEX)] : Ids.generated(lastPartition(), lastOffset());
    }

    /** The last input's source; null when no input touched the key. */
    public String lastSource() {
      var flags = (int) INTS.get(arena, entry + FLAGS);
      return (flags & TOUCHED) == 0 ? null : sources.get((int) INTS.get(arena, entry + SOURCE));
    }

    public int lastPartition() {
      return (int) INTS.get(arena, entry + PARTITION);
    }

    public long lastOffset() {
      return (long) LONGS.get(arena, entry + OFFSET);
    }
  }

  /** A table this large or larger is given up at {@link #clear}: a commit's few keys need no big one. */
  private static final int TABLE_KEPT_MAX = 4096;

  /*
   * A held key's entry in the arena, from where its key starts (8-aligned): the key's length (4
   * bytes) and its encoding, then from the next 8-aligned place on (the entry's fields, see
   * Held.entry) the held key's index in the list, the last input's partition, offset, source (an
   * index in the sources) and flags, then the operator's numbers (see keepNumbers).
   */
  private static final int INDEX = 0;
  private static final int PARTITION = 4;
  private static final int OFFSET = 8;
  private static final int SOURCE = 16;
  private static final int FLAGS = 20;
  private static final int NUMBERS = 24;
  /** In FLAGS: an input touched the key. */
  private static final int TOUCHED = 1;
  /** In FLAGS: the last input's id is in {@link #ids}, not the log's generated one. */
  private static final int HAS_ID = 2;

  /** The held keys in the order first touched. */
  private final List<Held> held = new ArrayList<>();
  /**
   * Open addressing by the key's hash, linear probing, at most half full. A slot holds the hash
   * (made non-zero: 0 is an empty slot) and where the key's entry starts in {@link #arena}. A probe
   * reads the slot and, when the hash matches, the key in its entry: a backfill's commit holds a
   * hundred thousand groups, and every object a probe went through would be a cache miss.
   */
  private long[] slots = new long[64];
  private byte[] arena = new byte[1024];
  private int arenaUsed;
  /** Per held key (by index), the last input's id when it is not the log's generated one. */
  private String[] ids = new String[64];
  /** The sources of the inputs that touched keys, by the index an entry keeps. */
  private final List<String> sources = new ArrayList<>();
  private String lastSource;
  private int lastSourceIndex;
  /** Longs each entry keeps for the operator holding the keys. */
  private int numbers;

  /**
   * Gives each held key {@code count} longs beside it for the operator that holds the keys
   * ({@link #number}, {@link #add}, {@link #set}): zero when a key is first held. An input that updates a held
   * key's numbers then touches nothing but the entry its look-up found. Set while none is held.
   */
  public void keepNumbers(int count) {
    if (count != numbers && !held.isEmpty()) {
      throw new IllegalStateException("the numbers kept per key change only while no key is held");
    }
    numbers = count;
  }

  /** How many longs each held key keeps beside it ({@link #keepNumbers}). */
  public int numbersKept() {
    return numbers;
  }

  /** The key's entry, or null when it is not held. */
  public Held get(RowKey key) {
    var bytes = key.bytes();
    return find(bytes, 0, bytes.length, hash(bytes, 0, bytes.length));
  }

  /**
   * The entry of the key encoded as {@code bytes[from, from + length)}, or null when it is not held;
   * {@code hash} is {@link #hash} of those bytes.
   */
  public Held find(byte[] bytes, int from, int length, int hash) {
    var entry = locate(bytes, from, length, hash);
    return entry < 0 ? null : held(entry);
  }

  /**
   * Where the entry of the key encoded as {@code bytes[from, from + length)} is ({@link Held#entry}),
   * or -1 when it is not held; {@code hash} is {@link #hash} of those bytes. Finds it reading the
   * table's slot and the entry alone.
   */
  public int locate(byte[] bytes, int from, int length, int hash) {
    var mask = slots.length - 1;
    var tag = tag(hash);
    for (var i = spread(hash) & mask; ; i = (i + 1) & mask) {
      var slot = slots[i];
      if (slot == 0) {
        return -1;
      }
      if ((int) (slot >>> 32) == tag) {
        var at = (int) slot;
        if ((int) INTS.get(arena, at) == length && same(arena, at + 4, bytes, from, length)) {
          return entryOf(at);
        }
      }
    }
  }

  /**
   * The table's slot where a look-up of a key of {@code hash} starts ({@link #locate}), or 0: read
   * for a run of look-ups before they are made, so that their cache misses overlap.
   */
  public long firstSlot(int hash) {
    return slots[spread(hash) & (slots.length - 1)];
  }

  /**
   * Reads the key length and the last number of the entry that {@code slot} (of {@link #firstSlot})
   * names, and returns something of what it read, or 0 for an empty slot: as {@link #firstSlot}, so that a run of
   * look-ups finds the entries in the caches.
   */
  public long warm(long slot) {
    if (slot == 0) {
      return 0;
    }
    var entry = entryOf((int) slot);
    return entry + (numbers == 0 ? 0 : number(entry, numbers - 1));
  }

  /** The held key whose entry is at {@code entry}. */
  public Held held(int entry) {
    return held.get((int) INTS.get(arena, entry + INDEX));
  }

  /**
   * Notes the input that touched the key at {@code entry} last: {@code id} is its id, or null when
   * it is the log's generated one for its position.
   */
  public void touch(int entry, String source, int partition, long offset, String id) {
    INTS.set(arena, entry + PARTITION, partition);
    LONGS.set(arena, entry + OFFSET, offset);
    if (source != lastSource) {
      lastSourceIndex = sourceIndex(source);
      lastSource = source;
    }
    INTS.set(arena, entry + SOURCE, lastSourceIndex);
    if (id == null) {
      INTS.set(arena, entry + FLAGS, TOUCHED);
    } else {
      ids[(int) INTS.get(arena, entry + INDEX)] = id;
      INTS.set(arena, entry + FLAGS, TOUCHED | HAS_ID);
    }
  }

  /** {@link #touch} by a record as the log hands it over: keeps no id string it need not. */
  public void touch(int entry, String source, RecordView record) {
    touch(entry, source, record.partition(), record.offset(), record.idGenerated() ? null : record.id());
  }

  private int sourceIndex(String source) {
    var i = sources.indexOf(source);
    if (i < 0) {
      i = sources.size();
      sources.add(source);
    }
    return i;
  }

  /** The {@code i}-th of the numbers ({@link #keepNumbers}) of the key at {@code entry}. */
  public long number(int entry, int i) {
    return (long) LONGS.get(arena, entry + NUMBERS + 8 * i);
  }

  /** Adds {@code delta} to the {@code i}-th number of the key at {@code entry}. */
  public void add(int entry, int i, long delta) {
    var at = entry + NUMBERS + 8 * i;
    LONGS.set(arena, at, (long) LONGS.get(arena, at) + delta);
  }

  /** Sets the {@code i}-th number of the key at {@code entry}. */
  public void set(int entry, int i, long value) {
    LONGS.set(arena, entry + NUMBERS + 8 * i, value);
  }

  private static final java.lang.invoke.VarHandle LONGS =
      java.lang.invoke.MethodHandles.byteArrayViewVarHandle(long[].class, java.nio.ByteOrder.LITTLE_ENDIAN);
  private static final java.lang.invoke.VarHandle INTS =
      java.lang.invoke.MethodHandles.byteArrayViewVarHandle(int[].class, java.nio.ByteOrder.LITTLE_ENDIAN);

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

  /**
   * The hash by which a key's encoding {@code bytes[from, from + length)} is found: eight bytes at a
   * time, each word mixed in by a multiplication, so that a key of a dozen bytes costs two steps,
   * not a dozen dependent ones. It reads only the key's bytes.
   */
  public static int hash(byte[] bytes, int from, int length) {
    var h = length * 0x9E3779B97F4A7C15L;
    var i = from;
    var end = from + length;
    for (; i + 8 <= end; i += 8) {
      h = (h ^ (long) LONGS.get(bytes, i)) * 0xBF58476D1CE4E5B9L;
    }
    if (i < end) {
      long last;
      if (length >= 8) {
        last = (long) LONGS.get(bytes, end - 8); // the last eight bytes, overlapping the words before
      } else if (from + 8 <= bytes.length) {
        last = (long) LONGS.get(bytes, from) & ((1L << (length * 8)) - 1);
      } else {
        last = 0;
        for (var j = end - 1; j >= from; j--) {
          last = last << 8 | (bytes[j] & 0xff);
        }
      }
      h = (h ^ last) * 0xBF58476D1CE4E5B9L;
    }
    h ^= h >>> 29;
    return (int) (h ^ (h >>> 32));
  }

  /** Holds a key first touched now, when the view held {@code before} under it. */
  public Held hold(RowKey key, Row before) {
    if (get(key) != null) {
      throw new IllegalStateException("key " + key + " is held already");
    }
    var bytes = key.bytes();
    var at = arenaUsed;
    var entry = align(at + 4 + bytes.length);
    var needed = entry + NUMBERS + 8 * numbers;
    if (needed > arena.length) {
      arena = Arrays.copyOf(arena, Math.max(needed, arena.length * 2));
    }
    INTS.set(arena, at, bytes.length);
    System.arraycopy(bytes, 0, arena, at + 4, bytes.length);
    var index = held.size();
    Arrays.fill(arena, entry, needed, (byte) 0);
    INTS.set(arena, entry + INDEX, index);
    arenaUsed = needed;
    var h = new Held(key, before, at, entry);
    if (2 * (index + 1) > slots.length) {
      grow();
    }
    if (index == ids.length) {
      ids = Arrays.copyOf(ids, 2 * index);
    }
    place(slots, h);
    held.add(h);
    return h;
  }

  /** Where the entry's fields start of the key whose length and bytes start at {@code at}. */
  private int entryOf(int at) {
    return align(at + 4 + (int) INTS.get(arena, at));
  }

  /** The next multiple of 8 from {@code at} on. */
  private static int align(int at) {
    return (at + 7) & ~7;
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
    Arrays.fill(ids, 0, held.size(), null);
    held.clear();
    arenaUsed = 0;
    if (slots.length >= TABLE_KEPT_MAX) {
      slots = new long[64];
      arena = new byte[1024];
      ids = new String[64];
    } else {
      Arrays.fill(slots, 0);
    }
  }
}
