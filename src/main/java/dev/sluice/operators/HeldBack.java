package dev.sluice.operators;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The view rows a dataflow changed but has not reported yet: per key, the row the view held when
 * the key was first touched and the last input that touched it. A {@link State} that offers one
 * ({@link State#heldBack}) lets an aggregate at the end of a pipeline update its group's totals per
 * input and report each group's row once, when the engine calls {@link Dataflow#flush} before it
 * commits — one net change per group per commit instead of a retraction and an insert per input.
 */
public final class HeldBack {
  /** One held key. */
  public static final class Held {
    /** The view's row under the key before it was first touched; null when it had none. */
    public final Row before;
    /** The last input that touched the key. */
    public Input last;
    /** What the operator holding the key keeps for it until the flush (an aggregate: its totals). */
    public Object value;

    Held(Row before) {
      this.before = before;
    }
  }

  private final LinkedHashMap<RowKey, Held> held = new LinkedHashMap<>();

  /** The key's entry, or null when it is not held. */
  public Held get(RowKey key) {
    return held.get(key);
  }

  /** Holds a key first touched now, when the view held {@code before} under it. */
  public Held hold(RowKey key, Row before) {
    Held h = new Held(before);
    held.put(key, h);
    return h;
  }

  /** The held keys in the order first touched. */
  public Map<RowKey, Held> entries() {
    return held;
  }

  public boolean isEmpty() {
    return held.isEmpty();
  }

  /** Forgets every held key: after a flush has reported them, or a failed commit. */
  public void clear() {
    held.clear();
  }
}
