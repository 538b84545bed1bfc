package dev.sluice.operators;

import java.util.List;

/**
 * What applying one input did: the view's changed rows, the dead letters it produced, and whether
 * it came too late for a window it falls in ({@code late}: those windows did not take it).
 */
public record Applied(List<ViewChange> changes, List<DeadLetter> deadLetters, boolean late) {
  public Applied {
    changes = List.copyOf(changes);
    deadLetters = List.copyOf(deadLetters);
  }

  public Applied(List<ViewChange> changes, List<DeadLetter> deadLetters) {
    this(changes, deadLetters, false);
  }
}
