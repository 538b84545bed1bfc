package dev.sluice.engine;

import dev.sluice.operators.HeldBack;
import dev.sluice.operators.State;
import dev.sluice.stores.Batch;
import dev.sluice.stores.BytesKey;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * The operators' state inside a view version's space, under the {@link Keys#STATE} prefix, held in
 * memory for the commit being built and written to its batch once, at {@link #flush}: a group's
 * state touched by a thousand events of one commit is read from the store once and written once.
 * Objects handed out by {@link #object} (an aggregate's running totals, say) stay decoded between
 * events and are encoded at the flush.
 *
 * <p>The view's task is the space's only writer, so what the cache holds is always what the space
 * (with the open commit) holds. Scans go to the store, after the pending writes are flushed into
 * the batch (which a scan sees).
 */
final class RocksState implements State {
  /** Entries kept before the cache starts over: bounds its memory. */
  static final int CACHE_ENTRIES_MAX = 500_000;

  private static final byte[] ABSENT = new byte[0];

  /** Key → its bytes ({@link #ABSENT}: none) or a {@link Live} object. */
  private final Map<BytesKey, Object> cache = new HashMap<>();
  /** Keys written since the last flush, in the order first written. */
  private Map<BytesKey, Boolean> dirty = new LinkedHashMap<>();
  private Batch batch;
  /** Offered to the dataflow once {@link #holdBack} is called; null before. */
  private HeldBack heldBack;

  /** A decoded value, with how to encode it at the flush. */
  private static final class Live {
    final Object value;
    final Function<Object, byte[]> encoder;

    Live(Object value, Function<Object, byte[]> encoder) {
      this.value = value;
      this.encoder = encoder;
    }
  }

  /** Lets the dataflow hold view changes back until {@link dev.sluice.operators.Dataflow#flush}. */
  RocksState holdBack() {
    heldBack = new HeldBack();
    return this;
  }

  @Override
  public HeldBack heldBack() {
    return heldBack;
  }

  /** The batch that reads go through and writes are flushed to, until the next call. */
  RocksState on(Batch batch) {
    this.batch = batch;
    return this;
  }

  @Override
  public byte[] get(byte[] key) {
    BytesKey k = new BytesKey(key);
    Object cached = cache.get(k);
    if (cached == null) {
      byte[] value = batch.get(Keys.state(key));
      remember(k, value == null ? ABSENT : value);
      return value;
    }
    if (cached instanceof Live live) {
      return live.encoder.apply(live.value);
    }
    return cached == ABSENT ? null : (byte[]) cached;
  }

  @Override
  @SuppressWarnings("unchecked")
  public <T> T object(byte[] key, Function<byte[], T> decoder) {
    BytesKey k = new BytesKey(key);
    Object cached = cache.get(k);
    if (cached instanceof Live live) {
      return (T) live.value;
    }
    byte[] bytes = cached == null ? batch.get(Keys.state(key)) : cached == ABSENT ? null : (byte[]) cached;
    if (bytes == null) {
      if (cached == null) {
        remember(k, ABSENT);
      }
      return null;
    }
    T value = decoder.apply(bytes);
    // Kept decoded, not dirty: the flush writes it only once it is put again.
    remember(k, new Live(value, encoderOf(value, bytes)));
    return value;
  }

  /** Until the object is put, it encodes to the bytes it came from. */
  private static Function<Object, byte[]> encoderOf(Object value, byte[] bytes) {
    return v -> bytes;
  }

  @Override
  @SuppressWarnings("unchecked")
  public <T> void putObject(byte[] key, T value, Function<T, byte[]> encoder) {
    BytesKey k = new BytesKey(key);
    remember(k, new Live(value, (Function<Object, byte[]>) encoder));
    dirty.put(k, Boolean.TRUE);
  }

  @Override
  public void put(byte[] key, byte[] value) {
    BytesKey k = new BytesKey(key);
    remember(k, value);
    dirty.put(k, Boolean.TRUE);
  }

  @Override
  public void delete(byte[] key) {
    BytesKey k = new BytesKey(key);
    remember(k, ABSENT);
    dirty.put(k, Boolean.TRUE);
  }

  @Override
  public void scan(byte[] prefix, Visitor visitor) {
    flush();
    batch.scan(Keys.state(prefix), (key, value) -> visitor.visit(java.util.Arrays.copyOfRange(key, 1, key.length), value));
  }

  /** Writes what changed since the last flush into the batch: call before the batch commits. */
  void flush() {
    for (BytesKey k : dirty.keySet()) {
      Object cached = cache.get(k);
      byte[] key = Keys.state(k.bytes());
      if (cached instanceof Live live) {
        byte[] encoded = live.encoder.apply(live.value);
        batch.put(key, encoded);
      } else if (cached == ABSENT) {
        batch.delete(key);
      } else {
        batch.put(key, (byte[]) cached);
      }
    }
    clearDirty();
  }

  /** Keys written per flush above which the next flush starts with a new table. */
  private static final int DIRTY_KEPT_MAX = 4096;

  /**
   * Empties {@link #dirty}. A backfill's commit writes a hundred thousand keys, and a map keeps the
   * table it grew to: clearing it costs its whole size, which the small commits of a live view
   * would then pay each time. A large one is dropped instead.
   */
  private void clearDirty() {
    if (dirty.size() > DIRTY_KEPT_MAX) {
      dirty = new LinkedHashMap<>();
    } else {
      dirty.clear();
    }
  }

  private void remember(BytesKey key, Object value) {
    if (cache.size() >= CACHE_ENTRIES_MAX && !cache.containsKey(key)) {
      // Pending writes go to the batch first: the cache is where they wait.
      flush();
      cache.clear();
    }
    cache.put(key, value);
  }

  /** Forgets everything: after a failed commit the cache may hold writes that never landed. */
  void forget() {
    if (heldBack != null) {
      heldBack.clear();
    }
    cache.clear();
    clearDirty();
  }
}
