package dev.sluice.operators;

/**
 * Where a dataflow keeps its state: ordered byte-array keys to byte-array values. The engine backs
 * it with a RocksDB write batch over the view's column family, so state changes commit atomically
 * with the input positions that caused them; {@link MemoryState} backs it in tests and batch runs.
 *
 * <p>Keys order as unsigned bytes. Reads see the dataflow's own earlier writes, committed or not.
 * Each dataflow needs a State of its own (or a prefix of one the engine scopes): it uses the whole
 * key space.
 */
public interface State {
  /** The value under {@code key}, or null. */
  byte[] get(byte[] key);

  /** Takes the arrays over: the caller does not modify them afterwards. */
  void put(byte[] key, byte[] value);

  void delete(byte[] key);

  /**
   * The value under {@code key} decoded by {@code decoder}, or null. A state may keep the object
   * and hand the same instance out again until it is written: a caller that changes it must
   * {@link #putObject} it (or {@link #delete} the key) before the next call on this state.
   */
  default <T> T object(byte[] key, java.util.function.Function<byte[], T> decoder) {
    byte[] bytes = get(key);
    return bytes == null ? null : decoder.apply(bytes);
  }

  /**
   * Stores {@code value} under {@code key}, as {@code encoder} encodes it; a state may keep the
   * object and encode it later, when its writes are flushed, so the caller hands it over.
   */
  default <T> void putObject(byte[] key, T value, java.util.function.Function<T, byte[]> encoder) {
    put(key, encoder.apply(value));
  }

  /**
   * Where a dataflow may hold back view changes until {@link Dataflow#flush}; null (the default):
   * it reports every change with the input that made it. The engine offers one for views, whose
   * changes it folds per commit anyway, not for derived streams, whose events are derived per input.
   */
  default HeldBack heldBack() {
    return null;
  }

  /**
   * Visits the entries whose key starts with {@code prefix}, in ascending key order, until the
   * visitor returns false. The visitor must not write to this state nor modify the arrays.
   */
  void scan(byte[] prefix, Visitor visitor);

  @FunctionalInterface
  interface Visitor {
    /** Returns whether to go on to the next entry. */
    boolean visit(byte[] key, byte[] value);
  }
}
