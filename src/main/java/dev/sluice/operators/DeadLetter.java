package dev.sluice.operators;

import java.util.Objects;

/**
 * An input a view could not (fully) process, and why: a value that is not a JSON object, or an
 * expression that failed on it ({@code 'abc' + 1}). The row it would have produced is left out of
 * the view, the same way every time, so the view stays a deterministic function of the log.
 *
 * @param line where in the view's definition the failing expression is (0 when not an expression)
 */
public record DeadLetter(
    String source, int partition, long offset, String reason, int line, int column) {
  public DeadLetter {
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(reason, "reason");
  }
}
