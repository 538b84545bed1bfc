package dev.sluice.operators.internal.flow;

import dev.sluice.operators.Change;
import dev.sluice.operators.DeadLetter;
import dev.sluice.operators.Input;
import dev.sluice.operators.State;
import dev.sluice.operators.internal.expr.EvalError;
import java.util.ArrayList;
import java.util.List;

/** Everything one input's processing touches: the state, the view's changes, dead letters. */
final class FlowContext {
  final State state;
  final List<Change> output = new ArrayList<>(); // no array until the first change
  final List<DeadLetter> deadLetters = new ArrayList<>(0);
  /** The view keys whose changes this input's processing held back (see {@code HeldBack}). */
  List<dev.sluice.operators.RowKey> touched = List.of();
  private final Input input;
  private boolean late;

  /**
   * @param input the event being processed, or null while initializing
   */
  FlowContext(State state, Input input) {
    this.state = state;
    this.input = input;
  }

  void deadLetter(String reason, int line, int column) {
    deadLetters.add(
        input == null
            ? new DeadLetter("", -1, -1, reason, line, column)
            : new DeadLetter(
                input.source(), input.partition(), input.offset(), reason, line, column));
  }

  void touched(dev.sluice.operators.RowKey key) {
    // Most inputs touch one key: an immutable one-key list, which Applied keeps without copying.
    if (touched.isEmpty()) {
      touched = List.of(key);
      return;
    }
    if (touched.size() == 1) {
      var first = touched.getFirst();
      touched = new ArrayList<>(4);
      touched.add(first);
    }
    touched.add(key);
  }

  Input input() {
    return input;
  }

  /** The input was too late for a window it falls in. */
  void late() {
    late = true;
  }

  boolean isLate() {
    return late;
  }

  void deadLetter(EvalError error) {
    deadLetter(error.getMessage(), error.position().line(), error.position().column());
  }
}
