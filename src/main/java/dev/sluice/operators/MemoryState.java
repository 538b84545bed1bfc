package dev.sluice.operators;

import java.util.Arrays;
import java.util.TreeMap;

/** A {@link State} in a TreeMap: for tests, the batch evaluator and ad-hoc queries. */
public final class MemoryState implements State {
  private final TreeMap<byte[], byte[]> entries = new TreeMap<>(Arrays::compareUnsigned);
  private final HeldBack heldBack;

  /** A state that offers no place to hold changes back: every change comes with its input. */
  public MemoryState() {
    this(null);
  }

  private MemoryState(HeldBack heldBack) {
    this.heldBack = heldBack;
  }

  /** A state that lets a dataflow hold changes back until {@link Dataflow#flush}, as the engine's view state does. */
  public static MemoryState holdingChangesBack() {
    return new MemoryState(new HeldBack());
  }

  @Override
  public HeldBack heldBack() {
    return heldBack;
  }

  @Override
  public byte[] get(byte[] key) {
    return entries.get(key);
  }

  @Override
  public void put(byte[] key, byte[] value) {
    entries.put(key, value);
  }

  @Override
  public void delete(byte[] key) {
    entries.remove(key);
  }

  @Override
  public void scan(byte[] prefix, Visitor visitor) {
    for (var entry : entries.tailMap(prefix, true).entrySet()) {
      var key = entry.getKey();
      if (!startsWith(key, prefix) || !visitor.visit(key, entry.getValue())) {
        return;
      }
    }
  }

  /** How many entries are stored: lets tests check that retractions leave no garbage behind. */
  public int size() {
    return entries.size();
  }

  private static boolean startsWith(byte[] key, byte[] prefix) {
    return key.length >= prefix.length
        && Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length);
  }
}
