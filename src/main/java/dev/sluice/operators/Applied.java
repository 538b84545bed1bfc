package dev.sluice.operators;

import java.util.List;

/**
 * What applying one input did: the view's changed rows, the dead letters it produced, whether it
 * came too late for a window it falls in ({@code late}: those windows did not take it), and the
 * keys whose changes it held back ({@code held}: reported by {@link Dataflow#flush}, see {@link
 * HeldBack}).
 */
public record Applied(List<ViewChange> changes, List<DeadLetter> deadLetters, boolean late, List<RowKey> held) {
  public Applied {
    changes = List.copyOf(changes);
    deadLetters = List.copyOf(deadLetters);
    held = List.copyOf(held);
  }

  public Applied(List<ViewChange> changes, List<DeadLetter> deadLetters, boolean late) {
    this(changes, deadLetters, late, List.of());
  }

  public Applied(List<ViewChange> changes, List<DeadLetter> deadLetters) {
    this(changes, deadLetters, false);
  }
}
