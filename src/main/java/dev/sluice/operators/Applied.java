package dev.sluice.operators;

import java.util.List;

/** What applying one input did: the view's changed rows and the dead letters it produced. */
public record Applied(List<ViewChange> changes, List<DeadLetter> deadLetters) {
  public Applied {
    changes = List.copyOf(changes);
    deadLetters = List.copyOf(deadLetters);
  }
}
