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
