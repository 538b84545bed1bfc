package dev.sluice.operators;

import java.util.Objects;

/**
 * What one input did to one row of a view: inserted ({@code oldRow} null), removed ({@code newRow}
 * null) or replaced it. This is what the engine writes to the view store and what subscriptions
 * push; {@code oldRow} is always the row the view held under {@code key} before.
 */
public record ViewChange(RowKey key, Row oldRow, Row newRow) {
  public ViewChange {
    Objects.requireNonNull(key, "key");
    if (oldRow == null && newRow == null) {
      throw new IllegalArgumentException("a view change has an old row, a new row or both");
    }
  }
}
