package dev.sluice.engine;

import dev.sluice.operators.State;
import dev.sluice.stores.Batch;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;

/**
 * The operators' state inside a view version's space, under the {@link Keys#STATE} prefix, with a
 * write-through cache of point reads in front of it. The view's task is the space's only writer,
 * so what the cache holds is always what the space (with the open batch) holds; the cache only
 * saves the trip through JNI for groups touched again. Scans go to the store.
 */
final class RocksState implements State {
  /** Entries kept before the cache starts over: bounds its memory. */
  static final int CACHE_ENTRIES_MAX = 500_000;

  private static final byte[] ABSENT = new byte[0];

  private final Map<ByteBuffer, byte[]> cache;
  private Batch batch;

  RocksState() {
    this.cache = new HashMap<>();
  }

  /** The batch that writes go to until the next call. */
  RocksState on(Batch batch) {
    this.batch = batch;
    return this;
  }

  @Override
  public byte[] get(byte[] key) {
    ByteBuffer k = ByteBuffer.wrap(key);
    byte[] cached = cache.get(k);
    if (cached != null) {
      return cached == ABSENT ? null : cached;
    }
    byte[] value = batch.get(Keys.state(key));
    remember(k, value == null ? ABSENT : value);
    return value;
  }

  @Override
  public void put(byte[] key, byte[] value) {
    remember(ByteBuffer.wrap(key), value);
    batch.put(Keys.state(key), value);
  }

  @Override
  public void delete(byte[] key) {
    remember(ByteBuffer.wrap(key), ABSENT);
    batch.delete(Keys.state(key));
  }

  @Override
  public void scan(byte[] prefix, Visitor visitor) {
    batch.scan(Keys.state(prefix), (key, value) -> visitor.visit(java.util.Arrays.copyOfRange(key, 1, key.length), value));
  }

  private void remember(ByteBuffer key, byte[] value) {
    if (cache.size() >= CACHE_ENTRIES_MAX) {
      cache.clear();
    }
    cache.put(key, value);
  }

  /** Forgets everything: after a failed commit the cache may hold writes that never landed. */
  void forget() {
    cache.clear();
  }
}
